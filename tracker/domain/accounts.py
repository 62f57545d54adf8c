"""Logins: users (a password login for a person) and devices (a door or safe gateway with
a token). Kept apart from the custody entities because they are about who may call the
system, not about carriers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class User:
    """A login for a person; the person's role decides what the login may do."""

    username: str
    person: str  # the person's id (staff number)
    password_hash: str  # an argon2 PHC string; never the password
    created_at: datetime
    created_by: str
    active: bool = True
    password_changed_at: datetime | None = None
    # Bumped when the password changes or the login is disabled or logs out everywhere:
    # tokens carry the generation they were issued in and stop working when it moves.
    generation: int = 0


@dataclass
class Device:
    """A gateway that posts what its doors and safes observed, and nothing else.

    ``places`` are the door and safe ids it serves; ``token_hash`` is the SHA-256 of the
    token's secret part (hex). ``metrics`` lets a monitoring device read ``/metrics``."""

    id: str
    places: tuple[str, ...]
    token_hash: str
    created_at: datetime
    created_by: str
    active: bool = True
    metrics: bool = False


@dataclass
class ThrottleBucket:
    """Failed password logins for one (case-folded user name, client address), and until
    when the next attempt from there is refused without checking."""

    username: str
    client: str
    failures: int
    last_at: datetime
    blocked_until: datetime
