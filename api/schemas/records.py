"""Workflow records: borrows, circulations, carry-outs, copies, handovers, inventories,
destructions and loss reports. They name carriers by serial only, never by title."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, field_validator

from api.schemas.common import Day, Ident, Model, Out, ShortText, Text, When
from tracker.domain.levels import Level
from tracker.domain.model import (
    ApprovalState,
    BorrowState,
    CirculationState,
    InventoryState,
    LossKind,
)
from tracker.domain.period import SecrecyPeriod


class Record(Out):
    """Read straight from a domain record's attributes."""

    model_config = ConfigDict(from_attributes=True)


# --- borrows and circulation ---------------------------------------------------------


class BorrowIn(Model):
    """Ask to borrow a carrier (R3, R4); ``borrower`` defaults to the caller."""

    serial: Ident
    borrower: Ident | None = None
    destination: Ident = Field(description="Room where it will be read or used.")
    purpose: Text = Field(min_length=1)
    due_at: When | None = Field(default=None, description="Default: close of business today (R4).")


class RejectIn(Model):
    """Why a request is refused."""

    note: Text = Field(min_length=1)


class ReturnIn(Model):
    """The safe it goes back into (default: its home safe)."""

    safe: Ident | None = None


class BorrowOut(Record):
    """A borrow."""

    id: str
    carrier: str
    borrower: str
    destination: str
    purpose: str
    requested_at: datetime
    due_at: datetime
    requested_by: str
    state: BorrowState
    approver: str | None
    decided_at: datetime | None
    decision_note: str
    checked_out_at: datetime | None
    checked_out_by: str | None
    returned_at: datetime | None
    returned_to: str | None
    circulation: str | None


class CirculationIn(Model):
    """Ask to circulate a carrier to readers in turn (R4, R5). No approver is named: an
    approver approves it by logging in."""

    serial: Ident
    readers: list[Ident] = Field(min_length=1, max_length=100)
    destination: Ident
    urgent: bool = False
    due_at: When | None = None


class CirculationOut(Record):
    """A circulation."""

    id: str
    carrier: str
    readers: list[str]
    destination: str
    started_at: datetime
    due_at: datetime
    started_by: str
    urgent: bool
    next_index: int
    state: CirculationState
    approver: str | None
    decided_at: datetime | None
    decision_note: str


# --- carry-out, copies -----------------------------------------------------------------


class CarryOutIn(Model):
    """Ask to take carriers out of the building (R6)."""

    serials: list[Ident] = Field(min_length=1, max_length=100)
    carrier_person: Ident
    escorts: list[Ident] = Field(default_factory=list, max_length=10)
    destination: ShortText = Field(min_length=1)
    reason: Text = Field(min_length=1)
    valid_from: When
    valid_until: When
    vehicle: ShortText = ""


class CarryOutOut(Record):
    """A carry-out approval."""

    id: str
    carriers: list[str]
    carrier_person: str
    escorts: list[str]
    destination: str
    reason: str
    valid_from: datetime
    valid_until: datetime
    requested_by: str
    requested_at: datetime
    vehicle: str
    state: ApprovalState
    approver: str | None
    decided_at: datetime | None
    decision_note: str
    returned_at: datetime | None


class CopyIn(Model):
    """Ask to copy a carrier (R8)."""

    serial: Ident
    count: int = Field(ge=1, le=100)
    reason: Text = Field(min_length=1)


class CopyOut(Record):
    """A copy request."""

    id: str
    original: str
    count: int
    reason: str
    requested_by: str
    requested_at: datetime
    state: ApprovalState
    approver: str | None
    decided_at: datetime | None
    decision_note: str
    copies: list[str]


# --- handovers -------------------------------------------------------------------------


class HandoverIn(Model):
    """Hand carriers from one person to a successor (R12)."""

    from_person: Ident
    to_person: Ident
    serials: list[Ident] = Field(min_length=1, max_length=1000)


class HandoverOut(Record):
    """A recorded handover."""

    id: str
    from_person: str
    to_person: str
    carriers: list[str]
    at: datetime
    recorded_by: str
    approver: str | None


class LeaveIn(Model):
    """A person leaves a classified post (R12)."""

    day: Day | None = Field(default=None, description="Day the post is left (default today).")
    successor: Ident | None = None


# --- inventories -----------------------------------------------------------------------


class InventoryIn(Model):
    """Start an inventory (R9) of some places (all if empty) and levels (all if empty)."""

    places: list[Ident] = Field(default_factory=list, max_length=200)
    levels: list[Level] = Field(default_factory=list, max_length=4)


class ScansIn(Model):
    """Codes seen: serials, barcodes or EPC hex."""

    codes: list[ShortText] = Field(min_length=1, max_length=10_000)


class InventoryOut(Record):
    """An inventory session."""

    id: str
    places: list[str]
    levels: list[Level]
    started_by: str
    started_at: datetime
    state: InventoryState
    expected: list[str]
    found: list[str]
    unexpected: list[str]
    closed_at: datetime | None
    closed_by: str | None


class InventoryReportOut(Record):
    """Expected / found / missing / unexpected, and codes that are no carrier of ours."""

    id: str
    state: str
    expected: list[str]
    found: list[str]
    missing: list[str]
    unexpected: list[str]
    unknown: list[str]
    out: list[str] = Field(description="Carriers of these places out on borrow (not counted).")


# --- destruction -----------------------------------------------------------------------


class DestructionIn(Model):
    """Register carriers for destruction (R10)."""

    serials: list[Ident] = Field(min_length=1, max_length=1000)
    place: Ident
    method: ShortText = Field(min_length=1)
    reason: Text = Field(min_length=1)


class DestructionOut(Record):
    """A destruction."""

    id: str
    carriers: list[str]
    requested_by: str
    requested_at: datetime
    place: str
    method: str
    reason: str
    state: ApprovalState
    approver: str | None
    decided_at: datetime | None
    decision_note: str
    witnesses: list[str]
    executed_at: datetime | None
    executed_by: str | None


# --- level changes ---------------------------------------------------------------------


class LevelChangeIn(Model):
    """Ask an approver to change a carrier's level and period, or (``declassify``) to
    declassify it before its period ends (R11)."""

    serial: Ident
    declassify: bool = False
    level: Level | None = Field(default=None, description="The new level (not to declassify).")
    period: ShortText | None = Field(default=None, description="The new period: 10y, 6m, long.")
    reason: Text = Field(min_length=1)


class LevelChangeOut(Record):
    """A level change request."""

    id: str
    carrier: str
    declassify: bool
    level: Level | None
    period: str | None
    reason: str
    requested_by: str
    requested_at: datetime
    state: ApprovalState
    approver: str | None
    decided_at: datetime | None
    decision_note: str

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value: object) -> object:
        return value.to_text() if isinstance(value, SecrecyPeriod) else value


# --- loss ------------------------------------------------------------------------------


class LossIn(Model):
    """Report a carrier lost, stolen or leaked (R13)."""

    serial: Ident
    kind: LossKind
    description: Text = Field(min_length=1)
    discovered_at: When


class LossOut(Record):
    """A loss report."""

    id: str
    carrier: str
    kind: LossKind
    description: str
    discovered_at: datetime
    reported_at: datetime
    reported_by: str
    late: bool
