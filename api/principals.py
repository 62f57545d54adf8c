"""A short-lived cache of who a bearer token belongs to, per process.

Checking a token means a read transaction (the login and its person, or the device) on
every request - more than the work of a small read like where-is. The cache keeps the
:class:`~api.auth.Principal` a token was found to be for at most ``seconds`` (the
``TRACKER_PRINCIPAL_CACHE_SECONDS`` setting, 1 s by default; 0 turns it off), never past
the token's own expiry, and for at most ``size`` tokens (the oldest go first). While a
token is being checked, other requests with it wait for that check (:attr:`pending`).

What a revocation - a logout, a disabled login, a changed password or role, a person
leaving post, a revoked device - means for a cached token:

* made by this process: refused from the next request on. Every such change writes an
  administration-log entry, and a transaction that does moves
  :attr:`Services.admin_changes <tracker.services.base.Services.admin_changes>` on; an
  entry cached under an older count is not used.
* made by another process (another worker, another host, ``tracker user …`` on the
  command line): refused at the latest ``seconds`` after the change.

Keyed by the whole token, so an entry can only ever answer for the token it was made
from: never for another user. Refusals are not cached.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

P = TypeVar("P")


@dataclass(frozen=True)
class _Entry(Generic[P]):
    principal: P
    epoch: int  # Services.admin_changes when the token was checked
    until: float  # on the cache's clock


class PrincipalCache(Generic[P]):
    """Token -> principal for a bounded time (see the module's documentation)."""

    def __init__(
        self, seconds: float, size: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._entries: dict[str, _Entry[P]] = {}
        self._lock = threading.Lock()
        # Checks under way, by token, for callers in the event loop to wait for
        # (api.auth); touched by the event loop only.
        self.pending: dict[str, asyncio.Future[P | None]] = {}

    def get(self, token: str, epoch: int) -> P | None:
        """The principal cached for ``token``, or None when there is none, it is older
        than the bound, or accounts changed in this process since (``epoch``)."""
        found = self._entries.get(token)
        if found is None:
            return None
        if found.epoch != epoch or self.clock() >= found.until:
            with self._lock:
                if self._entries.get(token) is found:
                    del self._entries[token]
            return None
        return found.principal

    def put(self, token: str, principal: P, epoch: int, expires_in: float | None = None) -> None:
        """Remember ``principal`` for ``token``, checked when the process's account
        changes were at ``epoch``; ``expires_in``: seconds the token itself has left."""
        ttl = self.seconds if expires_in is None else min(self.seconds, expires_in)
        if ttl <= 0:
            return
        entry = _Entry(principal, epoch, self.clock() + ttl)
        with self._lock:
            self._entries.pop(token, None)
            while len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[token] = entry

    def __len__(self) -> int:
        return len(self._entries)
