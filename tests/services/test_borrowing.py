"""Borrowing and circulation: R2, R3, R4, R5."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import Conflict, PermissionDenied, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import BorrowState, CarrierState
from tracker.services import borrowing as b
from tracker.services.base import Services
from tracker.services.receive import store_in_safe

SH = ZoneInfo("Asia/Shanghai")


def stored(svc: Services, level: Level = Level.SECRET, **kw):  # type: ignore[no-untyped-def]
    c = receive_one(svc, level, **kw)
    store_in_safe(svc, "carol", c.serial)
    return c


def test_r3_borrow_needs_approval_then_check_out_then_return(svc: Services) -> None:
    c = stored(svc)
    req = b.request_borrow(svc, "alice", c.serial, "alice", "reading", "起草回复")
    with pytest.raises(Conflict):
        b.check_out(svc, "carol", req.id)  # not approved yet
    b.approve_borrow(svc, "ann", req.id)
    out = b.check_out(svc, "carol", req.id)
    assert out.state is BorrowState.OUT
    with svc.read() as uow:
        cc = uow.carriers.get(c.serial)
        assert cc is not None and (cc.state, cc.holder) == (CarrierState.OUT, "alice")
    back = b.return_carrier(svc, "carol", c.serial)
    assert back.state is BorrowState.RETURNED
    with svc.read() as uow:
        cc = uow.carriers.get(c.serial)
        assert cc is not None and (cc.state, cc.location, cc.holder) == (
            CarrierState.IN_SAFE,
            "safe-s1",
            None,
        )
        actions = [e.action for e in uow.ledger.for_carrier(c.serial)]
    assert actions == [
        "receive",
        "store",
        "borrow_request",
        "borrow_approve",
        "check_out",
        "return",
        "store",
    ]


def test_r3_approving_your_own_borrow_is_refused(svc: Services) -> None:
    c = stored(svc)
    req = b.request_borrow(svc, "carol", c.serial, "alice", "reading", "阅办")
    with pytest.raises(PermissionDenied):
        b.approve_borrow(svc, "alice", req.id)  # staff cannot approve at all
    # An approver borrowing for themselves cannot approve it either.
    c2 = stored(svc, scope_people=("ann", "andy"))
    mine = b.request_borrow(svc, "ann", c2.serial, "ann", "reading", "审阅")
    with pytest.raises(RuleViolation, match="R3: ann may not approve their own request"):
        b.approve_borrow(svc, "ann", mine.id)
    b.approve_borrow(svc, "andy", mine.id)


def test_r3_clearance_must_cover_the_level(svc: Services) -> None:
    c = stored(svc)
    with pytest.raises(RuleViolation, match="R3:.*clearance"):
        b.request_borrow(svc, "dave", c.serial, "dave", "reading", "阅办")  # general vs secret


def test_r3_borrower_must_be_in_the_knowledge_scope(svc: Services) -> None:
    c = stored(svc)
    with pytest.raises(RuleViolation, match="R3:.*knowledge scope"):
        b.request_borrow(svc, "bob", c.serial, "bob", "reading", "阅办")  # finance


def test_r2_top_secret_is_read_in_the_secure_room_only(svc: Services) -> None:
    c = stored(svc, Level.TOP_SECRET)
    with pytest.raises(
        RuleViolation, match="R2: top-secret carriers may not leave the secure room"
    ):
        b.request_borrow(svc, "alice", c.serial, "alice", "office-a", "阅办")
    ok = b.request_borrow(svc, "alice", c.serial, "alice", "secure", "阅办")
    assert ok.destination == "secure"


def test_r4_due_at_close_of_business_the_same_working_day(svc: Services) -> None:
    c = stored(svc)
    req = b.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    assert req.due_at.astimezone(SH) == datetime(2026, 11, 24, 17, 30, tzinfo=SH)


def test_r4_borrow_after_close_is_due_next_working_day(svc: Services, clock: ManualClock) -> None:
    c = stored(svc)
    clock.set(datetime(2026, 11, 27, 18, 0, tzinfo=SH))  # Friday evening
    req = b.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    assert req.due_at.astimezone(SH) == datetime(2026, 11, 30, 17, 30, tzinfo=SH)


def test_r4_overdue_borrows_are_listed(svc: Services, clock: ManualClock) -> None:
    c = stored(svc)
    req = b.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    b.approve_borrow(svc, "ann", req.id)
    b.check_out(svc, "carol", req.id)
    assert b.overdue(svc) == []
    clock.advance(timedelta(hours=8))  # 18:00
    assert [x.id for x in b.overdue(svc)] == [req.id]
    b.return_carrier(svc, "carol", c.serial)
    assert b.overdue(svc) == []


def test_r4_circulation_lasts_at_most_a_month(svc: Services, clock: ManualClock) -> None:
    c = stored(svc)
    with pytest.raises(RuleViolation, match="R4"):
        b.start_circulation(
            svc,
            "carol",
            c.serial,
            ["alice", "erin"],
            "reading",
            due_at=clock.now() + timedelta(days=45),
        )


def test_r5_circulation_returns_to_the_custodian_between_readers(svc: Services) -> None:
    c = stored(svc)
    circ = b.start_circulation(svc, "carol", c.serial, ["alice", "erin"], "reading")
    b.approve_circulation(svc, "ann", circ.id)
    first = b.issue_next(svc, "carol", circ.id)
    assert first.borrower == "alice"
    with pytest.raises(RuleViolation, match="R5"):
        b.issue_next(svc, "carol", circ.id)  # still with alice: no passing sideways
    b.return_carrier(svc, "carol", c.serial)
    second = b.issue_next(svc, "carol", circ.id)
    assert second.borrower == "erin"
    b.return_carrier(svc, "carol", c.serial)
    with svc.read() as uow:
        done = uow.circulations.get(circ.id)
        assert done is not None and done.state.value == "done"


def test_r5_urgent_circulation_gives_each_reader_two_hours(svc: Services) -> None:
    c = stored(svc)
    circ = b.start_circulation(svc, "carol", c.serial, ["alice"], "reading", urgent=True)
    b.approve_circulation(svc, "ann", circ.id)
    hop = b.issue_next(svc, "carol", circ.id)
    assert hop.due_at - hop.requested_at == timedelta(hours=2)


def test_a_carrier_out_on_loan_cannot_be_checked_out_again(svc: Services) -> None:
    c = stored(svc, scope_people=("alice", "erin"))
    r1 = b.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    r2 = b.request_borrow(svc, "erin", c.serial, "erin", "reading", "阅办")
    b.approve_borrow(svc, "ann", r1.id)
    b.approve_borrow(svc, "ann", r2.id)
    b.check_out(svc, "carol", r1.id)
    with pytest.raises(RuleViolation, match="R5"):
        b.check_out(svc, "carol", r2.id)
