"""Console sessions: a browser logged in as a user, ended by logging out, by being idle
too long, or by reaching the longest lifetime a session may have.

The cookie carries a random secret; only its SHA-256 (the session's ``id``) is kept, so
whoever reads the database cannot take over a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class EndReason(str, Enum):
    """Why a session ended."""

    LOGOUT = "logout"
    IDLE = "idle"  # nothing done for longer than the idle timeout
    LIFETIME = "lifetime"  # older than the longest a session may live
    REVOKED = "revoked"  # the login or the person is no longer allowed in


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may be idle and live at all, and how often its last-seen time
    is written (a write per request would make every page a database write)."""

    idle: timedelta = timedelta(minutes=15)
    lifetime: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(seconds=20)


@dataclass
class ConsoleSession:
    """One logged-in browser."""

    id: str  # SHA-256 (hex) of the cookie's secret
    username: str
    person: str
    created_at: datetime
    last_seen: datetime
    ended_at: datetime | None = None
    end_reason: str = ""
    address: str = ""  # the client's address, for the security administrator
    agent: str = ""  # the browser's User-Agent, truncated
    generation: int = 0  # the login's generation when it began: a logout everywhere or a
    # new password ends the session on its next request

    def idle_deadline(self, policy: SessionPolicy) -> datetime:
        """When the session ends if nothing more is done."""
        return min(self.last_seen + policy.idle, self.created_at + policy.lifetime)

    def expiry(self, now: datetime, policy: SessionPolicy) -> EndReason | None:
        """Why the session is over at ``now`` by the clock alone, or None while it lives."""
        if now >= self.created_at + policy.lifetime:
            return EndReason.LIFETIME
        if now >= self.last_seen + policy.idle:
            return EndReason.IDLE
        return None

    def needs_touch(self, now: datetime, policy: SessionPolicy) -> bool:
        """True when the last-seen time is stale enough to be worth writing."""
        return now - self.last_seen >= policy.touch_every
