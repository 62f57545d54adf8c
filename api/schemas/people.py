"""People, badges, places, doors and safes."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from api.schemas.common import Ident, Model, Out, ShortText
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import BadgeKind, PlaceKind, Role, RoomKind


class PersonIn(Model):
    """Register a person."""

    id: Ident
    name: ShortText = Field(min_length=1)
    department: ShortText = ""
    clearance: Clearance
    role: Role = Role.STAFF


class PersonPatch(Model):
    """Change a person's clearance, role or department."""

    clearance: Clearance | None = None
    role: Role | None = None
    department: ShortText | None = None


class BadgeIn(Model):
    """Give a person a badge."""

    code: ShortText = Field(min_length=1, max_length=64)
    kind: BadgeKind = BadgeKind.EM4100


class PersonOut(Out):
    """A person."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    department: str
    clearance: Clearance
    role: Role
    active: bool
    left_on: date | None
    decommission_until: date | None
    successor: str | None


class BadgeOut(Out):
    """A badge."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    person: str
    kind: BadgeKind
    active: bool


class PlaceOut(Out):
    """A site, building, room or safe."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: PlaceKind
    name: str
    parent: str | None
    max_level: Level | None
    room_kind: RoomKind | None


class DoorOut(Out):
    """A door and the hardware watching it."""

    id: str
    name: str
    inner: str
    outer: str
    exit: bool
    inner_readers: list[str]
    outer_readers: list[str]
    badge_readers: list[str]
    camera: str | None


class SafeOut(Out):
    """A safe and the reader or camera watching it."""

    id: str
    name: str
    room: str | None
    max_level: Level | None
    readers: list[str]
    camera: str | None
