"""Clocks: the system clock for production, a manual clock for tests and the demo."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time as a timezone-aware UTC datetime."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests), or runs ``speed`` times faster than
    real time from a chosen start (the demo's fast clock)."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)
        self._speed = speed
        self._real0 = datetime.now(UTC)

    def now(self) -> datetime:
        """The simulated time."""
        with self._lock:
            if self._speed:
                return self._base + (datetime.now(UTC) - self._real0) * self._speed
            return self._base

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta``; returns the new time."""
        with self._lock:
            self._base += delta
            return self._base

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (timezone-aware)."""
        with self._lock:
            self._base = at.astimezone(UTC)
            self._real0 = datetime.now(UTC)
