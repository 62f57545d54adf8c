"""Classified meetings (R17) and safe seals (R19). Carriers by serial only; a meeting's
name is shown only to those who may see the meeting (keepers and its attendees)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from api.schemas.common import Ident, Model, ShortText, Text, When
from api.schemas.records import Record
from tracker.domain.levels import Level
from tracker.domain.meetings import HandoutState, MeetingState
from tracker.domain.seals import SealState


class MeetingIn(Model):
    """Register a classified meeting (R17)."""

    name: ShortText = Field(min_length=1, description="The meeting's subject (kept like a title).")
    room: Ident
    level: Level = Field(description="The highest level discussed or handed out.")
    starts_at: When
    ends_at: When


class AttendeesIn(Model):
    """People to add: ids, or badge codes shown at the desk."""

    people: list[Ident] = Field(min_length=1, max_length=500)


class MaterialsIn(Model):
    """Carriers to plan as materials (serials, barcodes or EPCs), or the copies of an
    approved copy request made for the meeting (R8)."""

    codes: list[ShortText] = Field(default_factory=list, max_length=1000)
    copy_request: Ident | None = None


class HandOutIn(Model):
    """A material's code and the attendee (id or badge), both scanned at the door or desk."""

    code: ShortText
    attendee: ShortText


class CollectIn(Model):
    """A material's code scanned on its way back; who gave it, when not the attendee."""

    code: ShortText
    returned_by: ShortText | None = None


class SweepIn(Model):
    """Codes a hand reader found in the room, besides what the room's readers see."""

    codes: list[ShortText] = Field(default_factory=list, max_length=10_000)


class ReasonIn(Model):
    """Why."""

    reason: Text = Field(min_length=1)


class HandoutOut(Record):
    """One material handed to one attendee."""

    id: str
    meeting: str
    carrier: str
    attendee: str
    room: str
    handed_at: datetime
    handed_by: str
    state: HandoutState
    collected_at: datetime | None
    collected_by: str | None
    returned_by: str | None


class MeetingOut(Record):
    """A classified meeting."""

    id: str
    name: str
    room: str
    level: Level
    starts_at: datetime
    ends_at: datetime
    organizer: str
    created_at: datetime
    attendees: list[str]
    materials: list[str]
    state: MeetingState
    ended_at: datetime | None
    ended_by: str | None
    swept_at: datetime | None
    left_behind: list[str]


class MeetingDetailOut(MeetingOut):
    """A meeting with its hand-outs."""

    handouts: list[HandoutOut] = Field(default_factory=list)


class SerialsOut(Record):
    """Serials a step found (not collected, left behind)."""

    serials: list[str]


class SealIn(Model):
    """Seal a safe by hand (R19)."""

    safe: Ident
    reason: Text = Field(min_length=1)
    until: When | None = Field(default=None, description="When the scheduler unseals it.")


class SealOut(Record):
    """A seal and, once unsealed, the comparison with its snapshot."""

    id: str
    safe: str
    sealed_at: datetime
    sealed_by: str
    contents: list[str]
    reason: str
    holiday: str
    until: datetime | None
    state: SealState
    unsealed_at: datetime | None
    unsealed_by: str | None
    found: list[str]
    missing: list[str]
    added: list[str]
    breaches: list[str]


class HolidayOut(Record):
    """A holiday period and when its seals go on and off."""

    first: date
    last: date
    seal_at: datetime
    unseal_at: datetime
    key: str
