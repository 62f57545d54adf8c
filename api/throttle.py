"""Failed-login throttling: after ``limit`` failures for one user name within ``window``
seconds, that name is refused for ``window`` seconds without checking any password, so a
password cannot be guessed online. Per process and in memory: a restart forgets, which
only ever helps the legitimate user."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    """Counts recent failed logins per user name."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> deque[float]:
        q = self._failures.setdefault(name.lower(), deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked_for(self, name: str) -> int:
        """Seconds until ``name`` may try again (0 when it may try now)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(name, now)
            if len(q) < self.limit:
                return 0
            return max(1, int(self.window - (now - q[0])))

    def failed(self, name: str) -> None:
        """Count a failed login."""
        now = time.monotonic()
        with self._lock:
            self._recent(name, now).append(now)

    def succeeded(self, name: str) -> None:
        """Forget the failures of ``name``."""
        with self._lock:
            self._failures.pop(name.lower(), None)
