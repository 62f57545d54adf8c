"""The one approval workflow, for every kind of request — borrow, circulation, carry-out,
copies, destruction, level change: approved and rejected by an approver logged in as
themselves, with the same rules (approver role, a clearance covering the level, never
one's own request, a rejection says why, notes trimmed) and the same register entries
(``*_approve`` / ``*_reject`` naming the approver, with the note as the reason)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.services.conftest import receive_one
from tracker.domain.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import ApprovalState, BorrowState, CarrierState, CirculationState, Role
from tracker.domain.period import SecrecyPeriod
from tracker.services import (
    borrowing,
    carry_out,
    classification,
    copying,
    destruction,
    people,
)
from tracker.services.base import Services
from tracker.services.receive import store_in_safe


@dataclass(frozen=True)
class Kind:
    """How to ask for one kind of request as ``requester`` and decide it."""

    name: str
    rule: str
    ask: Callable[[Services, str, str], Any]  # (svc, requester, serial) -> request
    approve: Callable[..., Any]
    reject: Callable[..., Any]
    repo: str
    approved: Any
    rejected: Any


def _carry(svc: Services, who: str, serial: str) -> Any:
    now = svc.now()
    return carry_out.request_carry_out(
        svc, who, [serial], "alice", [], "上级机关", "送审", now, now + timedelta(hours=4)
    )


KINDS = [
    Kind(
        "borrow",
        "R3",
        lambda s, who, c: borrowing.request_borrow(s, who, c, "alice", "reading", "阅办"),
        borrowing.approve_borrow,
        borrowing.reject_borrow,
        "borrows",
        BorrowState.APPROVED,
        BorrowState.REJECTED,
    ),
    Kind(
        "circulation",
        "R3",
        lambda s, who, c: borrowing.start_circulation(s, who, c, ["alice", "erin"], "reading"),
        borrowing.approve_circulation,
        borrowing.reject_circulation,
        "circulations",
        CirculationState.ACTIVE,
        CirculationState.REJECTED,
    ),
    Kind(
        "carry_out",
        "R6",
        _carry,
        carry_out.approve_carry_out,
        carry_out.reject_carry_out,
        "carry_outs",
        ApprovalState.APPROVED,
        ApprovalState.REJECTED,
    ),
    Kind(
        "copy",
        "R8",
        lambda s, who, c: copying.request_copy(s, who, c, 2, "分发"),
        copying.approve_copy,
        copying.reject_copy,
        "copy_requests",
        ApprovalState.APPROVED,
        ApprovalState.REJECTED,
    ),
    Kind(
        "destruction",
        "R10",
        lambda s, who, c: destruction.request_destruction(s, who, [c], "secure", "粉碎", "到期"),
        destruction.approve_destruction,
        destruction.reject_destruction,
        "destructions",
        ApprovalState.APPROVED,
        ApprovalState.REJECTED,
    ),
    Kind(
        "level_change",
        "R11",
        lambda s, who, c: classification.request_reclassification(
            s, who, c, Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
        ),
        classification.approve_level_change,
        classification.reject_level_change,
        "level_changes",
        ApprovalState.APPROVED,
        ApprovalState.REJECTED,
    ),
]
ACTION = {
    "borrow": "borrow",
    "circulation": "circulation",
    "carry_out": "carry_out",
    "copy": "copy",
    "destruction": "destroy",
    "level_change": "level_change",
}
each_kind = pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])


def _pending(svc: Services, kind: Kind, requester: str = "carol") -> tuple[str, Any]:
    c = receive_one(svc, Level.SECRET)
    store_in_safe(svc, "carol", c.serial)
    return c.serial, kind.ask(svc, requester, c.serial)


def _stored(svc: Services, kind: Kind, request_id: str) -> Any:
    with svc.read() as uow:
        return getattr(uow, kind.repo).get(request_id)


def _last(svc: Services, serial: str) -> Any:
    with svc.read() as uow:
        return uow.ledger.for_carrier(serial)[-1]


@each_kind
def test_approve(svc: Services, kind: Kind) -> None:
    serial, req = _pending(svc, kind)
    assert _stored(svc, kind, req.id).state is kind.rejected.__class__("requested")
    done = kind.approve(svc, "ann", req.id, "  同意  ")
    stored = _stored(svc, kind, req.id)
    assert (stored.state, stored.approver, stored.decision_note) == (kind.approved, "ann", "同意")
    assert stored.decided_at == svc.now() and done.state is kind.approved
    with svc.read() as uow:
        entry = next(
            e for e in reversed(uow.ledger.for_carrier(serial)) if e.action.endswith("_approve")
        )
    assert (entry.action, entry.actor, entry.approver, entry.reason) == (
        f"{ACTION[kind.name]}_approve",
        "ann",
        "ann",
        "同意",
    )


@each_kind
def test_reject(svc: Services, kind: Kind) -> None:
    serial, req = _pending(svc, kind)
    kind.reject(svc, "ann", req.id, "  不必要  ")
    stored = _stored(svc, kind, req.id)
    assert (stored.state, stored.approver, stored.decision_note) == (
        kind.rejected,
        "ann",
        "不必要",
    )
    last = _last(svc, serial)
    assert (last.action, last.approver, last.reason) == (
        f"{ACTION[kind.name]}_reject",
        "ann",
        "不必要",
    )
    with pytest.raises(Conflict):
        kind.approve(svc, "andy", req.id)  # decided once


@each_kind
def test_a_rejection_says_why_and_changes_nothing_without(
    svc: Services, kind: Kind, snapshot
) -> None:  # type: ignore[no-untyped-def]
    _serial, req = _pending(svc, kind)
    before = snapshot()
    with pytest.raises(InvalidInput, match="note"):
        kind.reject(svc, "ann", req.id, "   ")
    assert snapshot() == before


@each_kind
def test_nobody_decides_their_own_request(svc: Services, kind: Kind) -> None:
    _serial, req = _pending(svc, kind, requester="oscar")  # an officer may also decide
    with pytest.raises(RuleViolation, match=f"{kind.rule}: oscar may not approve their own"):
        kind.approve(svc, "oscar", req.id)
    with pytest.raises(RuleViolation, match=f"{kind.rule}: oscar may not approve their own"):
        kind.reject(svc, "oscar", req.id, "不同意")


@each_kind
def test_only_approvers_decide(svc: Services, kind: Kind) -> None:
    _serial, req = _pending(svc, kind)
    for who in ("alice", "carol", "ghost"):  # staff, custodian, nobody
        with pytest.raises(PermissionDenied):
            kind.approve(svc, who, req.id)


@each_kind
def test_the_approvers_clearance_covers_the_level(svc: Services, kind: Kind) -> None:
    people.add_person(
        svc, "cli:test", "gina", "低级领导", "leaders", Clearance.GENERAL, Role.APPROVER
    )
    _serial, req = _pending(svc, kind)
    with pytest.raises(RuleViolation, match=f"{kind.rule}: gina's clearance .* does not cover"):
        kind.approve(svc, "gina", req.id)
    kind.approve(svc, "ann", req.id)


def test_an_approver_does_not_decide_a_request_they_take_part_in(svc: Services) -> None:
    circ = KINDS[1]
    people.update_person(svc, "cli:test", "erin", role=Role.APPROVER)
    _serial, req = _pending(svc, circ)
    with pytest.raises(RuleViolation, match="R3: an approver may not approve a circulation"):
        borrowing.approve_circulation(svc, "erin", req.id)


# --- circulations: approved by logging in, never by a name in the request ----------------


def test_a_circulation_cannot_become_active_by_naming_an_approver(svc: Services) -> None:
    assert "approver" not in inspect.signature(borrowing.start_circulation).parameters
    c = receive_one(svc)
    store_in_safe(svc, "carol", c.serial)
    with pytest.raises(TypeError):
        borrowing.start_circulation(
            svc,
            "carol",
            c.serial,
            ["alice"],
            "reading",
            approver="ann",  # type: ignore[call-arg]
        )
    circ = borrowing.start_circulation(svc, "carol", c.serial, ["alice"], "reading")
    assert (circ.state, circ.approver) == (CirculationState.REQUESTED, None)
    with pytest.raises(Conflict, match="not active"):
        borrowing.issue_next(svc, "carol", circ.id)
    borrowing.approve_circulation(svc, "ann", circ.id)
    hop = borrowing.issue_next(svc, "carol", circ.id)
    assert (hop.approver, hop.decided_at) == ("ann", svc.now())


# --- what approval does at once ------------------------------------------------------------


def test_an_approved_level_change_is_applied_and_copies_follow(svc: Services) -> None:
    c = receive_one(svc)
    store_in_safe(svc, "carol", c.serial)
    req = copying.request_copy(svc, "carol", c.serial, 1, "分发")
    copying.approve_copy(svc, "ann", req.id)
    (copy_serial,) = copying.make_copies(svc, "carol", req.id)
    change = classification.request_reclassification(
        svc, "carol", c.serial, Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
    )
    with svc.read() as uow:
        assert uow.carriers.get(c.serial).level is Level.SECRET  # type: ignore[union-attr]
    classification.approve_level_change(svc, "ann", change.id)
    with svc.read() as uow:
        for s in (c.serial, copy_serial):
            x = uow.carriers.get(s)
            assert x is not None and x.marking.zh() == "秘密★5年" and not x.labelled
        actions = [e.action for e in uow.ledger.for_carrier(c.serial)]
    assert actions[-3:] == ["level_change_request", "level_change_approve", "reclassify"]


def test_an_approved_declassification_declassifies(svc: Services) -> None:
    c = receive_one(svc)
    change = classification.request_declassification(svc, "carol", c.serial, "提前解密")
    with pytest.raises(InvalidInput, match="reason"):
        classification.request_declassification(svc, "carol", c.serial, " ")
    classification.approve_level_change(svc, "andy", change.id, "同意")
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.state is CarrierState.DECLASSIFIED
        last = uow.ledger.for_carrier(c.serial)[-1]
    assert (last.action, last.approver, last.data["level_change"]) == (
        "declassify",
        "andy",
        change.id,
    )


def test_a_level_change_is_checked_again_when_approved(svc: Services) -> None:
    c = receive_one(svc)
    change = classification.request_reclassification(
        svc, "carol", c.serial, Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
    )
    classification.declassify(svc, "ann", c.serial, "已公开")
    with pytest.raises(Conflict):
        classification.approve_level_change(svc, "andy", change.id)
    classification.reject_level_change(svc, "andy", change.id, "已解密")
