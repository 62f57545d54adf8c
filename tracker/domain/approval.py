"""The one approval workflow: what every kind of request has in common.

A request — a borrow, a circulation, a carry-out, copies, a destruction, a level
change — is asked for by someone (its requester), and decided by an approver who logs
in and approves or rejects it; the decision records the approver, when, and a note.
The rules for deciding are :mod:`tracker.domain.rules.approval`; the register actions
for each kind are below, one to ask, one to approve and one to reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, BorrowState, CirculationState


class Request(Protocol):
    """What the workflow reads and writes on every kind of request."""

    id: str
    approver: str | None
    decided_at: datetime | None
    decision_note: str

    @property
    def requested_by(self) -> str:
        """Who asked for it."""
        ...

    @property
    def state(self) -> Enum:
        """Its state (each kind has its own enum)."""
        ...


@dataclass(frozen=True)
class Kind:
    """One kind of request: its rule, names, states and register actions."""

    name: str  # also the key naming the record in register entries' data
    rule: str
    noun: str  # English, for messages
    noun_zh: str
    requested: Enum
    approved: Enum
    rejected: Enum
    request_action: Action
    approve_action: Action
    reject_action: Action

    def pending(self, request: Request) -> bool:
        """True while ``request`` awaits a decision."""
        return request.state is self.requested


BORROW = Kind(
    "borrow",
    "R3",
    "borrow",
    "借阅",
    BorrowState.REQUESTED,
    BorrowState.APPROVED,
    BorrowState.REJECTED,
    Action.BORROW_REQUEST,
    Action.BORROW_APPROVE,
    Action.BORROW_REJECT,
)
CIRCULATION = Kind(
    "circulation",
    "R3",
    "circulation",
    "传阅",
    CirculationState.REQUESTED,
    CirculationState.ACTIVE,
    CirculationState.REJECTED,
    Action.CIRCULATION_REQUEST,
    Action.CIRCULATION_APPROVE,
    Action.CIRCULATION_REJECT,
)
CARRY_OUT = Kind(
    "carry_out",
    "R6",
    "carry-out",
    "外出携带",
    ApprovalState.REQUESTED,
    ApprovalState.APPROVED,
    ApprovalState.REJECTED,
    Action.CARRY_OUT_REQUEST,
    Action.CARRY_OUT_APPROVE,
    Action.CARRY_OUT_REJECT,
)
COPY = Kind(
    "copy_request",
    "R8",
    "copy request",
    "复制申请",
    ApprovalState.REQUESTED,
    ApprovalState.APPROVED,
    ApprovalState.REJECTED,
    Action.COPY_REQUEST,
    Action.COPY_APPROVE,
    Action.COPY_REJECT,
)
DESTRUCTION = Kind(
    "destruction",
    "R10",
    "destruction",
    "销毁",
    ApprovalState.REQUESTED,
    ApprovalState.APPROVED,
    ApprovalState.REJECTED,
    Action.DESTROY_REQUEST,
    Action.DESTROY_APPROVE,
    Action.DESTROY_REJECT,
)
LEVEL_CHANGE = Kind(
    "level_change",
    "R11",
    "level change",
    "密级变更",
    ApprovalState.REQUESTED,
    ApprovalState.APPROVED,
    ApprovalState.REJECTED,
    Action.LEVEL_CHANGE_REQUEST,
    Action.LEVEL_CHANGE_APPROVE,
    Action.LEVEL_CHANGE_REJECT,
)
KINDS = (BORROW, CIRCULATION, CARRY_OUT, COPY, DESTRUCTION, LEVEL_CHANGE)


def mark_decided(
    kind: Kind, request: Request, approve: bool, approver: str, at: datetime, note: str
) -> None:
    """Write the decision onto ``request``: its state, approver, time and note."""
    request.state = kind.approved if approve else kind.rejected  # type: ignore[misc]
    request.approver, request.decided_at, request.decision_note = approver, at, note
