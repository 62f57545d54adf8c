"""The ORM classes of the tables of classified meetings and their hand-outs (R17) and of
safe seals (R19), mapped onto :mod:`tracker.store.schema`'s tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped

from tracker.domain.levels import Level
from tracker.domain.meetings import HandoutState, MeetingState
from tracker.domain.seals import SealState
from tracker.store import schema
from tracker.store.tables import Base


class MeetingRow(Base):
    """:class:`tracker.domain.meetings.Meeting`."""

    __table__ = schema.meetings

    id: Mapped[str]
    name: Mapped[str]
    room: Mapped[str]
    level: Mapped[Level]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    organizer: Mapped[str]
    created_at: Mapped[datetime]
    attendees: Mapped[tuple[str, ...]]
    materials: Mapped[tuple[str, ...]]
    state: Mapped[MeetingState]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None]
    swept_at: Mapped[datetime | None]
    left_behind: Mapped[tuple[str, ...]]


class HandoutRow(Base):
    """:class:`tracker.domain.meetings.Handout`."""

    __table__ = schema.meeting_handouts

    id: Mapped[str]
    meeting: Mapped[str]
    carrier: Mapped[str]
    attendee: Mapped[str]
    room: Mapped[str]
    handed_at: Mapped[datetime]
    handed_by: Mapped[str]
    state: Mapped[HandoutState]
    collected_at: Mapped[datetime | None]
    collected_by: Mapped[str | None]
    returned_by: Mapped[str | None]


class SealRow(Base):
    """:class:`tracker.domain.seals.Seal`."""

    __table__ = schema.seals

    id: Mapped[str]
    safe: Mapped[str]
    sealed_at: Mapped[datetime]
    sealed_by: Mapped[str]
    contents: Mapped[tuple[str, ...]]
    reason: Mapped[str]
    holiday: Mapped[str]
    until: Mapped[datetime | None]
    state: Mapped[SealState]
    unsealed_at: Mapped[datetime | None]
    unsealed_by: Mapped[str | None]
    found: Mapped[tuple[str, ...]]
    missing: Mapped[tuple[str, ...]]
    added: Mapped[tuple[str, ...]]
    breaches: Mapped[tuple[str, ...]]
