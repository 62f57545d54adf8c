"""Logins, devices and the administration log (the three administrators' shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from api.schemas.common import Ident, Model, Out

Password = Field(min_length=8, max_length=1024, description="Never stored; argon2 hashed.")


class UserIn(Model):
    """Give a person a password login."""

    username: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    person: Ident
    password: str = Password


class PasswordIn(Model):
    """Set a new password (every token of the login stops working)."""

    password: str = Password


class UserOut(Out):
    """A login (never its password or hash)."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    person: str
    active: bool
    created_at: datetime
    created_by: str
    password_changed_at: datetime | None


class UnlockOut(Out):
    """A login's failed attempts forgotten."""

    username: str
    addresses: int = Field(description="How many client addresses were being held up.")


class DeviceIn(Model):
    """Register a gateway (or a metrics scraper)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    places: list[Ident] = Field(default_factory=list, max_length=100)
    metrics: bool = False


class DeviceOut(Out):
    """A device (never its token)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    places: list[str]
    active: bool
    metrics: bool
    created_at: datetime
    created_by: str


class DeviceTokenOut(Out):
    """A device and its new token: shown this once, only its hash is kept."""

    device: DeviceOut
    token: str


class AdminLogEntryOut(Out):
    """One sealed entry of the administration log."""

    seq: int
    action: str
    at: datetime
    actor: str
    data: dict[str, Any]
    hash: str
