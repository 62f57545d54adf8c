"""Tables of classified meetings and their hand-outs (R17) and of safe seals (R19). Like
every entity table, each has exactly its entity's fields as columns; they register
themselves with :data:`tracker.store.tables.ENTITY_ROWS`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.domain.levels import Level
from tracker.domain.meetings import Handout, HandoutState, Meeting, MeetingState
from tracker.domain.seals import Seal, SealState
from tracker.store.tables import ENTITY_ROWS, Base
from tracker.store.types import StrTuple, enum_column


class MeetingRow(Base):
    """:class:`tracker.domain.meetings.Meeting`."""

    __tablename__ = "meetings"
    __table_args__ = (Index(None, "state", "ends_at"), Index(None, "starts_at", "id"))

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    room: Mapped[str] = mapped_column(index=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    organizer: Mapped[str]
    created_at: Mapped[datetime]
    attendees: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    materials: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    state: Mapped[MeetingState] = mapped_column(enum_column(MeetingState))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None]
    swept_at: Mapped[datetime | None]
    left_behind: Mapped[tuple[str, ...]] = mapped_column(StrTuple)


class HandoutRow(Base):
    """:class:`tracker.domain.meetings.Handout`."""

    __tablename__ = "meeting_handouts"
    __table_args__ = (Index(None, "handed_at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(index=True)
    carrier: Mapped[str] = mapped_column(index=True)
    attendee: Mapped[str] = mapped_column(index=True)
    room: Mapped[str]
    handed_at: Mapped[datetime]
    handed_by: Mapped[str]
    state: Mapped[HandoutState] = mapped_column(enum_column(HandoutState), index=True)
    collected_at: Mapped[datetime | None]
    collected_by: Mapped[str | None]
    returned_by: Mapped[str | None]


class SealRow(Base):
    """:class:`tracker.domain.seals.Seal`."""

    __tablename__ = "seals"
    __table_args__ = (Index(None, "sealed_at", "id"), Index(None, "safe", "state"))

    id: Mapped[str] = mapped_column(primary_key=True)
    safe: Mapped[str]
    sealed_at: Mapped[datetime]
    sealed_by: Mapped[str]
    contents: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    reason: Mapped[str] = mapped_column(Text)
    holiday: Mapped[str] = mapped_column(index=True)
    until: Mapped[datetime | None]
    state: Mapped[SealState] = mapped_column(enum_column(SealState), index=True)
    unsealed_at: Mapped[datetime | None]
    unsealed_by: Mapped[str | None]
    found: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    missing: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    added: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    breaches: Mapped[tuple[str, ...]] = mapped_column(StrTuple)


ENTITY_ROWS.update({Meeting: MeetingRow, Handout: HandoutRow, Seal: SealRow})
