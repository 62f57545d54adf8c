"""Reading sessions and the disclosure record (R16), and the handling of top-secret
receipts (R18). Records name carriers by serial only; the text of instructions and of
what was done reaches only those who may know the carrier."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.schemas.common import Ident, Model, Text
from api.schemas.records import Record
from tracker.domain.disclosure import DisclosureKind, DisclosureSource, HandlingState
from tracker.services.handling import HandlingView


class ReadingIn(Model):
    """Open a reading session at the custodian's desk (R16)."""

    serial: Ident
    reader: Ident = Field(description="Who reads it.")
    room: Ident | None = Field(default=None, description="Default: the carrier's home room.")


class DisclosureOut(Record):
    """One person's contact with a top-secret carrier: a reading session, a borrow,
    carrying it, signing for it, destroying or witnessing, handling."""

    id: str
    carrier: str
    person: str
    kind: DisclosureKind
    started_at: datetime
    ended_at: datetime | None = Field(description="None while it lasts.")
    place: str | None
    source: DisclosureSource = Field(
        description="desk (custodian), badge (reading desk), record (a use case), door."
    )
    opened_by: str
    closed_by: str | None
    ref: str | None = Field(description="The borrow, carry-out, destruction, handling or move.")
    desk: str | None


class DisclosureRecordOut(Record):
    """A carrier's disclosure record, oldest first."""

    serial: str
    entries: list[DisclosureOut]


class HandlingNoteIn(Model):
    """Instructions (批办意见) or what was done (办理情况)."""

    note: Text = Field(min_length=1)


class HandlingOut(Record):
    """A top-secret receipt's handling deadline and handling (R18)."""

    id: str
    carrier: str
    received_at: datetime
    due_at: datetime
    received_by: str
    state: HandlingState
    instructed_by: str | None
    instructed_at: datetime | None
    instruction: str = Field(description="Empty for those who may not know the carrier.")
    handled_by: str | None
    handled_at: datetime | None
    outcome: str = Field(description="Empty for those who may not know the carrier.")

    @staticmethod
    def of(view: HandlingView) -> HandlingOut:
        """The handling as its reader may see it."""
        h = view.handling
        return HandlingOut(
            id=h.id,
            carrier=h.carrier,
            received_at=h.received_at,
            due_at=h.due_at,
            received_by=h.received_by,
            state=h.state,
            instructed_by=h.instructed_by,
            instructed_at=h.instructed_at,
            instruction=view.instruction,
            handled_by=h.handled_by,
            handled_at=h.handled_at,
            outcome=view.outcome,
        )
