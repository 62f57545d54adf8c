"""The ORM classes of the tables of the disclosure record (R16) and the handling of
top-secret receipts (R18), mapped onto :mod:`tracker.store.schema`'s tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped

from tracker.domain import disclosure as d
from tracker.store import schema
from tracker.store.tables import Base


class DisclosureRow(Base):
    """:class:`tracker.domain.disclosure.Disclosure`."""

    __table__ = schema.disclosures

    id: Mapped[str]
    carrier: Mapped[str]
    person: Mapped[str]
    kind: Mapped[d.DisclosureKind]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    place: Mapped[str | None]
    source: Mapped[d.DisclosureSource]
    opened_by: Mapped[str]
    closed_by: Mapped[str | None]
    ref: Mapped[str | None]
    desk: Mapped[str | None]


class HandlingRow(Base):
    """:class:`tracker.domain.disclosure.Handling`."""

    __table__ = schema.handlings

    id: Mapped[str]
    carrier: Mapped[str]  # one receipt, one deadline
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    received_by: Mapped[str]
    state: Mapped[d.HandlingState]
    instructed_by: Mapped[str | None]
    instructed_at: Mapped[datetime | None]
    instruction: Mapped[str]
    handled_by: Mapped[str | None]
    handled_at: Mapped[datetime | None]
    outcome: Mapped[str]
