"""Tables of the disclosure record (R16) and the handling of top-secret receipts (R18),
kept in their own module and added to :data:`tracker.store.tables.ENTITY_ROWS` there, so
the generic repositories serve them like every other entity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.domain import disclosure as d
from tracker.store.tables import Base
from tracker.store.types import enum_column


class DisclosureRow(Base):
    """:class:`tracker.domain.disclosure.Disclosure`."""

    __tablename__ = "disclosures"
    __table_args__ = (
        Index(None, "started_at", "id"),  # the disclosure register, paged
        Index(None, "carrier", "started_at"),  # a carrier's record
        Index(None, "person", "ended_at"),  # a reader's open sessions
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str]
    person: Mapped[str]
    kind: Mapped[d.DisclosureKind] = mapped_column(enum_column(d.DisclosureKind))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    place: Mapped[str | None]
    source: Mapped[d.DisclosureSource] = mapped_column(enum_column(d.DisclosureSource))
    opened_by: Mapped[str]
    closed_by: Mapped[str | None]
    ref: Mapped[str | None] = mapped_column(index=True)
    desk: Mapped[str | None]


class HandlingRow(Base):
    """:class:`tracker.domain.disclosure.Handling`."""

    __tablename__ = "handlings"
    __table_args__ = (
        Index(None, "received_at", "id"),  # the handling register, paged
        Index(None, "state", "due_at"),  # the scheduler's look for deadlines
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(unique=True)  # one receipt, one deadline
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    received_by: Mapped[str]
    state: Mapped[d.HandlingState] = mapped_column(enum_column(d.HandlingState))
    instructed_by: Mapped[str | None]
    instructed_at: Mapped[datetime | None]
    instruction: Mapped[str] = mapped_column(Text)
    handled_by: Mapped[str | None]
    handled_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text)


ROWS: dict[type[Any], type[Base]] = {d.Disclosure: DisclosureRow, d.Handling: HandlingRow}
