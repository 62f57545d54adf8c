"""R14 enforced: every use case that changes custody — a carrier's state, place or
holder, a request's state — fails at commit when it leaves no register entry, and then
changes nothing at all. Each case below runs a use case with the register's ``record``
made to forget, expects the refusal and an unchanged database, then runs it for real."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.services.conftest import item, receive_one
from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import LossKind
from tracker.domain.period import SecrecyPeriod
from tracker.services import (
    borrowing,
    carry_out,
    classification,
    copying,
    custody,
    destruction,
    handling,
    inventory,
    loss,
)
from tracker.services.base import Services, Tx
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import ReceiveBatch, receive, store_in_safe

UseCase = Callable[[], Any]


def _stored(svc: Services, **kw: Any) -> str:
    c = receive_one(svc, **kw)
    store_in_safe(svc, "carol", c.serial)
    return c.serial


def _borrow(svc: Services, approve: bool = True, out: bool = False) -> tuple[str, str]:
    serial = _stored(svc)
    b = borrowing.request_borrow(svc, "alice", serial, "alice", "reading", "阅办")
    if approve:
        borrowing.approve_borrow(svc, "ann", b.id)
    if out:
        borrowing.check_out(svc, "carol", b.id)
    return serial, b.id


def _circulation(svc: Services, approve: bool = False) -> str:
    circ = borrowing.start_circulation(svc, "carol", _stored(svc), ["alice"], "reading")
    if approve:
        borrowing.approve_circulation(svc, "ann", circ.id)
    return circ.id


def _carry(svc: Services, approve: bool = False) -> str:
    now = svc.now()
    co = carry_out.request_carry_out(
        svc, "carol", [_stored(svc)], "alice", [], "上级", "送审", now, now + timedelta(hours=3)
    )
    if approve:
        carry_out.approve_carry_out(svc, "ann", co.id)
    return co.id


def _copy(svc: Services, approve: bool = False) -> str:
    r = copying.request_copy(svc, "carol", _stored(svc), 1, "分发")
    if approve:
        copying.approve_copy(svc, "ann", r.id)
    return r.id


def _destruction(svc: Services, ready: bool = False) -> str:
    d = destruction.request_destruction(svc, "carol", [_stored(svc)], "secure", "粉碎", "到期")
    if ready:
        destruction.approve_destruction(svc, "ann", d.id)
        destruction.witness(svc, "oscar", d.id)
        destruction.witness(svc, "andy", d.id)
    return d.id


def _level_change(svc: Services) -> str:
    return classification.request_reclassification(
        svc, "carol", _stored(svc), Level.CONFIDENTIAL, SecrecyPeriod.years(5), "降密"
    ).id


def _inventory_with_a_missing_carrier(svc: Services) -> str:
    _stored(svc)
    return inventory.start_inventory(svc, "carol", places=["safe-s1"]).id


def _lost(svc: Services) -> str:
    serial = _stored(svc)
    loss.report_loss(svc, "alice", serial, LossKind.LOSS, "找不到", svc.now())
    return serial


def _seen(svc: Services, serial: str, **kw: Any) -> UseCase:
    obs = Observation("ev-1", at=svc.now(), code=serial, **kw)
    return lambda: apply_batch(svc, "gw-secure", [obs])


def _expiring(svc: Services) -> str:
    return _stored(
        svc,
        level=Level.CONFIDENTIAL,
        period=SecrecyPeriod.months(6),
        classified_on=date(2026, 5, 24),
    )


# Each case: given the service context, set up and return the use case to run.
CASES: dict[str, Callable[[Services], UseCase]] = {}


def case(fn: Callable[[Services], UseCase]) -> Callable[[Services], UseCase]:
    CASES[fn.__name__] = fn
    return fn


@case
def receive_(s: Services) -> UseCase:
    return lambda: receive(s, "carol", ReceiveBatch([item()], 1, "机要局"))


@case
def store_in_safe_(s: Services) -> UseCase:
    serial = receive_one(s).serial
    return lambda: store_in_safe(s, "carol", serial)


@case
def request_borrow(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: borrowing.request_borrow(s, "alice", serial, "alice", "reading", "阅办")


@case
def approve_borrow(s: Services) -> UseCase:
    _serial, b = _borrow(s, approve=False)
    return lambda: borrowing.approve_borrow(s, "ann", b)


@case
def reject_borrow(s: Services) -> UseCase:
    _serial, b = _borrow(s, approve=False)
    return lambda: borrowing.reject_borrow(s, "ann", b, "不必要")


@case
def check_out(s: Services) -> UseCase:
    _serial, b = _borrow(s)
    return lambda: borrowing.check_out(s, "carol", b)


@case
def return_carrier(s: Services) -> UseCase:
    serial, _b = _borrow(s, out=True)
    return lambda: borrowing.return_carrier(s, "carol", serial)


@case
def start_circulation(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: borrowing.start_circulation(s, "carol", serial, ["alice"], "reading")


@case
def approve_circulation(s: Services) -> UseCase:
    circ = _circulation(s)
    return lambda: borrowing.approve_circulation(s, "ann", circ)


@case
def reject_circulation(s: Services) -> UseCase:
    circ = _circulation(s)
    return lambda: borrowing.reject_circulation(s, "ann", circ, "不必要")


@case
def issue_next(s: Services) -> UseCase:
    circ = _circulation(s, approve=True)
    return lambda: borrowing.issue_next(s, "carol", circ)


@case
def request_carry_out(s: Services) -> UseCase:
    return lambda: _carry(s)


@case
def approve_carry_out(s: Services) -> UseCase:
    co = _carry(s)
    return lambda: carry_out.approve_carry_out(s, "ann", co)


@case
def reject_carry_out(s: Services) -> UseCase:
    co = _carry(s)
    return lambda: carry_out.reject_carry_out(s, "ann", co, "不必要")


@case
def return_from_carry_out(s: Services) -> UseCase:
    co = _carry(s, approve=True)
    return lambda: carry_out.return_from_carry_out(s, "carol", co)


@case
def request_copy(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: copying.request_copy(s, "carol", serial, 1, "分发")


@case
def approve_copy(s: Services) -> UseCase:
    r = _copy(s)
    return lambda: copying.approve_copy(s, "ann", r)


@case
def reject_copy(s: Services) -> UseCase:
    r = _copy(s)
    return lambda: copying.reject_copy(s, "ann", r, "不必要")


@case
def make_copies(s: Services) -> UseCase:
    r = _copy(s, approve=True)
    return lambda: copying.make_copies(s, "carol", r)


@case
def request_destruction(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: destruction.request_destruction(s, "carol", [serial], "secure", "粉碎", "到期")


@case
def approve_destruction(s: Services) -> UseCase:
    d = _destruction(s)
    return lambda: destruction.approve_destruction(s, "ann", d)


@case
def reject_destruction(s: Services) -> UseCase:
    d = _destruction(s)
    return lambda: destruction.reject_destruction(s, "ann", d, "仍需保存")


@case
def execute_destruction(s: Services) -> UseCase:
    d = _destruction(s, ready=True)
    return lambda: destruction.execute_destruction(s, "carol", d)


@case
def request_reclassification(s: Services) -> UseCase:
    return lambda: _level_change(s)


@case
def request_declassification(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: classification.request_declassification(s, "carol", serial, "解密")


@case
def approve_level_change(s: Services) -> UseCase:
    r = _level_change(s)
    return lambda: classification.approve_level_change(s, "ann", r)


@case
def reject_level_change(s: Services) -> UseCase:
    r = _level_change(s)
    return lambda: classification.reject_level_change(s, "ann", r, "不同意")


@case
def declassify(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: classification.declassify(s, "ann", serial, "提前解密")


@case
def auto_declassify(s: Services) -> UseCase:
    _expiring(s)
    return lambda: classification.auto_declassify(s)


@case
def report_loss(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: loss.report_loss(s, "alice", serial, LossKind.LOSS, "丢失", s.now())


@case
def mark_found(s: Services) -> UseCase:
    serial = _lost(s)
    return lambda: loss.mark_found(s, "carol", serial, "找到")


@case
def close_inventory(s: Services) -> UseCase:
    inv = _inventory_with_a_missing_carrier(s)
    return lambda: inventory.close_inventory(s, "carol", inv)


@case
def handover(s: Services) -> UseCase:
    serial, _b = _borrow(s, out=True)
    return lambda: custody.handover(s, "carol", "alice", "erin", [serial])


@case
def transfer(s: Services) -> UseCase:
    serial = _stored(s)
    return lambda: custody.transfer(s, "carol", serial, "secure", "safe-s2")


@case
def leave_post(s: Services) -> UseCase:
    _borrow(s, approve=False)  # leaving cancels the request
    return lambda: custody.leave_post(s, "secadmin", "alice")


@case
def seen_crossing_a_door(s: Services) -> UseCase:
    return _seen(s, _stored(s), kind="crossing", door="door-secure", direction="out")


@case
def seen_put_in_a_safe(s: Services) -> UseCase:
    return _seen(s, receive_one(s).serial, kind="safe", safe="safe-s1")


@case
def receive_top_secret(s: Services) -> UseCase:  # the handling deadline is set (R18)
    return lambda: receive(s, "carol", ReceiveBatch([item(Level.TOP_SECRET)], 1, "机要局"))


@case
def instruct_handling(s: Services) -> UseCase:
    serial = receive_one(s, Level.TOP_SECRET, scope_people=("ann",)).serial
    return lambda: handling.instruct(s, "ann", serial, "请政策研究室阅办")


@case
def complete_handling(s: Services) -> UseCase:
    serial = receive_one(s, Level.TOP_SECRET).serial
    return lambda: handling.complete(s, "carol", serial, "已按要求办结")


@pytest.mark.parametrize("name", sorted(CASES))
def test_r14_a_use_case_that_records_nothing_fails_at_commit(
    svc: Services, snapshot, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:  # type: ignore[no-untyped-def]
    use_case = CASES[name](svc)
    before = snapshot()
    with monkeypatch.context() as m:
        m.setattr(Tx, "record", lambda self, *a, **kw: None)  # a use case that forgets
        with pytest.raises(RuleViolation, match="R14: .* nothing was saved"):
            use_case()
    assert snapshot() == before, f"{name} left changes behind"
    use_case()  # with its register entries it goes through
