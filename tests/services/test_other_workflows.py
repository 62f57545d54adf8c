"""Carry-out (R6), copies (R8), inventories (R9), destruction (R10), classification (R11),
handover and leaving a post (R12), loss (R13), and the register of it all (R14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import Conflict, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState, LossKind
from tracker.domain.period import SecrecyPeriod
from tracker.services import (
    borrowing,
    carry_out,
    classification,
    copying,
    custody,
    destruction,
    inventory,
    loss,
)
from tracker.services.base import Services
from tracker.services.receive import store_in_safe


def stored(svc: Services, level: Level = Level.SECRET, **kw):  # type: ignore[no-untyped-def]
    c = receive_one(svc, level, **kw)
    store_in_safe(svc, "carol", c.serial)
    return c


# --- R6 -------------------------------------------------------------------------------


def test_r6_top_secret_carry_out_needs_two_core_escorts_and_a_vehicle(
    svc: Services, clock: ManualClock
) -> None:
    c = stored(svc, Level.TOP_SECRET, scope_people=("alice",))
    now = clock.now()
    with pytest.raises(RuleViolation, match="R6"):
        carry_out.request_carry_out(
            svc,
            "carol",
            [c.serial],
            "alice",
            ["e1"],
            "上级机关",
            "送审",
            now,
            now + timedelta(hours=4),
            vehicle="京A-12345",
        )
    with pytest.raises(RuleViolation, match="R6.*vehicle"):
        carry_out.request_carry_out(
            svc,
            "carol",
            [c.serial],
            "alice",
            ["e1", "e2"],
            "上级机关",
            "送审",
            now,
            now + timedelta(hours=4),
        )
    co = carry_out.request_carry_out(
        svc,
        "oscar",
        [c.serial],
        "alice",
        ["e1", "e2"],
        "上级机关",
        "送审",
        now,
        now + timedelta(hours=4),
        vehicle="京A-12345",
    )
    with pytest.raises(RuleViolation, match="R6: oscar may not approve their own request"):
        carry_out.approve_carry_out(svc, "oscar", co.id)
    with pytest.raises(
        RuleViolation, match="R6: an approver may not approve a carry-out they take part in"
    ):
        _approve_as_escort(svc, co.id)
    approved = carry_out.approve_carry_out(svc, "ann", co.id)
    assert approved.state.value == "approved"


def _approve_as_escort(svc: Services, co_id: str) -> None:
    from tracker.domain.model import Role
    from tracker.services import people

    people.update_person(svc, "cli:test", "e1", role=Role.APPROVER)
    carry_out.approve_carry_out(svc, "e1", co_id)


# --- R8 -------------------------------------------------------------------------------


def test_r8_top_secret_is_never_copied(svc: Services) -> None:
    c = stored(svc, Level.TOP_SECRET)
    with pytest.raises(RuleViolation, match="R8: top-secret carriers may not be copied"):
        copying.request_copy(svc, "carol", c.serial, 1, "分发")


def test_r8_copies_need_approval_and_are_registered_like_the_original(svc: Services) -> None:
    c = stored(svc)
    req = copying.request_copy(svc, "carol", c.serial, 2, "分发给各处")
    with pytest.raises(Conflict):
        copying.make_copies(svc, "carol", req.id)
    copying.approve_copy(svc, "ann", req.id)
    serials = copying.make_copies(svc, "carol", req.id)
    assert len(serials) == 2
    with svc.read() as uow:
        copies = [uow.carriers.get(s) for s in serials]
    assert all(x is not None and x.original == c.serial and x.level is c.level for x in copies)
    assert all(x is not None and x.scope == c.scope and x.epc != c.epc for x in copies)


# --- R9 -------------------------------------------------------------------------------


def test_r9_inventory_finds_missing_and_unexpected(svc: Services) -> None:
    a, b_, gone = stored(svc), stored(svc), stored(svc)
    elsewhere = stored(svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    inv = inventory.start_inventory(svc, "carol", places=["safe-s1"])
    assert set(inv.expected) == {a.serial, b_.serial, gone.serial}
    inventory.submit_scans(
        svc, "carol", inv.id, [a.serial, b_.epc or "", elsewhere.serial, "E280DEADBEEF"]
    )
    inventory.submit_scans(svc, "carol", inv.id, [a.serial])  # twice is once
    rep = inventory.close_inventory(svc, "carol", inv.id)
    assert set(rep.found) == {a.serial, b_.serial}
    assert rep.missing == (gone.serial,)
    assert rep.unexpected == (elsewhere.serial,)
    assert rep.unknown == ("E280DEADBEEF",)
    with svc.read() as uow:
        g = uow.carriers.get(gone.serial)
        assert g is not None and g.state is CarrierState.MISSING
        alerts = uow.alerts.find(type=AlertType.INVENTORY_MISMATCH)
    assert {al.subject for al in alerts} == {gone.serial, elsewhere.serial}
    assert all(al.severity.value == "critical" for al in alerts)


def test_r9_schedule_top_secret_monthly_after_a_full_inventory(svc: Services) -> None:
    stored(svc, Level.TOP_SECRET)
    inv = inventory.start_inventory(svc, "carol")
    inventory.close_inventory(svc, "carol", inv.id)
    due = inventory.schedule(svc)
    assert str(due[Level.TOP_SECRET]) == "2026-12-24"
    assert str(due[Level.SECRET]) == "2027-02-24"


# --- R10 ------------------------------------------------------------------------------


def test_r10_destruction_needs_approval_and_two_witnesses_not_the_requester(svc: Services) -> None:
    c = stored(svc)
    # The officer may request and approve destructions, but never their own.
    d = destruction.request_destruction(
        svc, "oscar", [c.serial], "secure", "碎纸机粉碎", "已过保存期"
    )
    with pytest.raises(RuleViolation, match="R10: oscar may not approve their own request"):
        destruction.approve_destruction(svc, "oscar", d.id)
    destruction.approve_destruction(svc, "ann", d.id)
    with pytest.raises(RuleViolation, match="R10: the requester may not witness"):
        destruction.witness(svc, "oscar", d.id)
    destruction.witness(svc, "carol", d.id)
    with pytest.raises(
        RuleViolation, match="R10: destruction needs at least two distinct witnesses"
    ):
        destruction.execute_destruction(svc, "carol", d.id)
    with pytest.raises(Conflict):
        destruction.witness(svc, "carol", d.id)  # signing twice does not make two witnesses
    destruction.witness(svc, "andy", d.id)
    done = destruction.execute_destruction(svc, "carol", d.id)
    assert done.state.value == "done"
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.state is CarrierState.DESTROYED
        entries = uow.ledger.for_carrier(c.serial)
    assert entries[-1].action == "destroy" and entries[-1].data["witnesses"] == ["carol", "andy"]


def test_r10_a_destroyed_carriers_epc_is_never_reused(svc: Services) -> None:
    c = stored(svc)
    d = destruction.request_destruction(svc, "carol", [c.serial], "secure", "粉碎", "到期")
    destruction.approve_destruction(svc, "ann", d.id)
    destruction.witness(svc, "oscar", d.id)
    destruction.witness(svc, "andy", d.id)
    destruction.execute_destruction(svc, "carol", d.id)
    later = [receive_one(svc) for _ in range(3)]
    assert c.epc not in {x.epc for x in later}


# --- R11 ------------------------------------------------------------------------------


def test_r11_expired_period_declassifies_by_itself(svc: Services) -> None:
    from datetime import date

    c = stored(
        svc, Level.CONFIDENTIAL, period=SecrecyPeriod.months(6), classified_on=date(2026, 5, 24)
    )
    keep = stored(svc)
    assert classification.auto_declassify(svc) == [c.serial]
    with svc.read() as uow:
        x, y = uow.carriers.get(c.serial), uow.carriers.get(keep.serial)
        assert x is not None and x.state is CarrierState.DECLASSIFIED
        assert y is not None and y.state is CarrierState.IN_SAFE
        last = uow.ledger.for_carrier(c.serial)[-1]
    assert (last.action, last.actor, last.data["how"]) == ("declassify", "system", "expiry")
    assert classification.auto_declassify(svc) == []


def test_r11_reclassify_needs_an_approver_and_copies_follow(svc: Services) -> None:
    c = stored(svc)
    req = copying.request_copy(svc, "carol", c.serial, 1, "分发")
    copying.approve_copy(svc, "ann", req.id)
    (copy_serial,) = copying.make_copies(svc, "carol", req.id)
    with pytest.raises(Exception, match="approver"):
        classification.reclassify(
            svc, "carol", c.serial, Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
        )
    classification.reclassify(
        svc, "ann", c.serial, Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
    )
    with svc.read() as uow:
        cp = uow.carriers.get(copy_serial)
        assert cp is not None and cp.marking.zh() == "秘密★5年" and not cp.labelled


# --- R12 ------------------------------------------------------------------------------


def test_a_carrier_in_its_safe_moves_with_its_new_home_safe(svc: Services) -> None:
    c = stored(svc)
    custody.transfer(svc, "carol", c.serial, "secure", "safe-s2", "换柜")
    with svc.read() as uow:
        got = uow.carriers.get(c.serial)
        assert got is not None
        assert (got.state, got.location, got.holder) == (CarrierState.IN_SAFE, "safe-s2", None)
        assert (got.home_room, got.home_safe) == ("secure", "safe-s2")
        assert uow.ledger.for_carrier(c.serial)[-1].action == "transfer"


def test_r12_leaving_a_post_needs_everything_back_or_handed_over(svc: Services) -> None:
    c = stored(svc, scope_people=("alice",))
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    assert [x.serial for x in custody.holdings(svc, "alice")] == [c.serial]
    with pytest.raises(RuleViolation, match=f"R12: alice still holds 1 carrier.*{c.serial}"):
        custody.leave_post(svc, "secadmin", "alice")
    with pytest.raises(RuleViolation, match="R12.*outside the knowledge scope"):
        custody.handover(svc, "carol", "alice", "bob", [c.serial])  # bob: finance, not in scope
    custody.handover(svc, "carol", "alice", "erin", [c.serial])  # erin: policy department
    assert custody.holdings(svc, "alice") == []
    custody.leave_post(svc, "secadmin", "alice", successor="erin")
    with svc.read() as uow:
        p = uow.people.get("alice")
        assert p is not None and not p.active and str(p.decommission_until) == "2029-11-24"
        assert [e.action for e in uow.ledger.for_carrier(c.serial)][-1] == "handover"


def test_r12_a_successor_outside_the_scope_waits_for_an_approver_to_widen_it(
    svc: Services,
) -> None:
    # Nobody names an approver in a handover (issue 10, hole 2): the approver widens the
    # scope by logging in and doing it; then the custodian hands the carrier over.
    c = stored(svc, scope_people=("alice",))
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    with pytest.raises(TypeError):
        custody.handover(svc, "carol", "alice", "bob", [c.serial], "ann")  # type: ignore[call-arg]
    with pytest.raises(RuleViolation, match="R12.*an approver must first widen"):
        custody.handover(svc, "carol", "alice", "bob", [c.serial])
    classification.widen_scope(svc, "ann", c.serial, ["bob"], reason="接替alice的工作")
    h = custody.handover(svc, "carol", "alice", "bob", [c.serial])
    assert h.approver is None
    with svc.read() as uow:
        entries = uow.ledger.for_carrier(c.serial)
    widen = [e for e in entries if e.action == "widen_scope"]
    assert [(e.actor, e.approver) for e in widen] == [("ann", "ann")]
    assert entries[-1].action == "handover" and entries[-1].approver is None


# --- R13 ------------------------------------------------------------------------------


def test_r13_loss_is_recorded_alerted_and_lateness_flagged(
    svc: Services, clock: ManualClock
) -> None:
    c = stored(svc)
    r = loss.report_loss(
        svc, "alice", c.serial, LossKind.LOSS, "会后未找到", clock.now() - timedelta(hours=3)
    )
    assert r.late
    leak = stored(svc)
    r2 = loss.report_loss(
        svc,
        "alice",
        leak.serial,
        LossKind.COMPUTER_LEAK,
        "U盘接入互联网计算机",
        clock.now() - timedelta(hours=20),
    )
    assert not r2.late
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.state is CarrierState.MISSING
        alerts = uow.alerts.find(type=AlertType.LOSS_REPORTED)
    assert {a.subject for a in alerts} == {c.serial, leak.serial}
    loss.mark_found(svc, "carol", c.serial, "在会议室找到")
    with svc.read() as uow:
        open_ = [
            a for a in uow.alerts.find(type=AlertType.LOSS_REPORTED) if a.state.value != "resolved"
        ]
    assert [a.subject for a in open_] == [leak.serial]


# --- R14 ------------------------------------------------------------------------------


def test_r14_every_step_is_in_the_register_and_the_chain_verifies(svc: Services) -> None:
    c = stored(svc)
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    borrowing.return_carrier(svc, "carol", c.serial)
    with svc.read() as uow:
        entries = uow.ledger.for_carrier(c.serial)
        result = uow.ledger.verify()
    assert all(e.actor and e.at for e in entries)
    assert entries[3].approver == "ann"  # check-out names its approver
    assert result.ok, result.problem
