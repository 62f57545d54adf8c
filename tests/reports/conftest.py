"""An office with one of every kind of register entry, on both databases.

Carriers: ``a`` secret, scope the policy department (alice, dave, erin); ``b``
confidential, scope bob alone; ``t`` top secret, scope alice. Every workflow runs once on
Tuesday 2026-11-24 (Shanghai) so each register of November has rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.domain.period import SecrecyPeriod
from tracker.services import (
    borrowing,
    carry_out,
    classification,
    copying,
    custody,
    destruction,
    inventory,
)
from tracker.services.base import Services
from tracker.services.receive import store_in_safe
from tracker.services.registers.base import RegisterQuery

__all__ = ["Office", "clock", "november", "office", "snapshot", "svc"]

NOVEMBER = RegisterQuery(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def november() -> RegisterQuery:
    return NOVEMBER


@dataclass
class Office:
    svc: Services
    a: Carrier
    b: Carrier
    t: Carrier
    gone: Carrier
    copies: list[str]


def _stored(svc: Services, level: Level, title: str, **kw: object) -> Carrier:
    c = receive_one(svc, level, title=title, **kw)
    store_in_safe(svc, "carol", c.serial)
    return c


@pytest.fixture
def office(svc: Services, clock: ManualClock) -> Office:
    a = _stored(svc, Level.SECRET, "关于甲项目的请示")
    b = _stored(
        svc,
        Level.CONFIDENTIAL,
        "乙单位人事安排",
        scope_departments=(),
        scope_people=("bob",),
        home_room="office-a",
        home_safe="safe-a",
    )
    t = _stored(
        svc, Level.TOP_SECRET, "丙工程绝密方案", scope_departments=(), scope_people=("alice",)
    )
    gone = _stored(svc, Level.SECRET, "过期的丁通知")
    # a borrow, returned two days late
    req = borrowing.request_borrow(svc, "alice", a.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    clock.advance(timedelta(days=2))
    borrowing.return_carrier(svc, "carol", a.serial)
    # a circulation to two readers; the second not yet issued
    circ = borrowing.start_circulation(svc, "carol", a.serial, ["alice", "erin"], "reading")
    borrowing.approve_circulation(svc, "ann", circ.id)
    borrowing.issue_next(svc, "carol", circ.id)
    clock.advance(timedelta(hours=1))
    borrowing.return_carrier(svc, "carol", a.serial)
    # two copies of a
    cr = copying.request_copy(svc, "carol", a.serial, 2, "分发甲项目各处")
    copying.approve_copy(svc, "ann", cr.id)
    copies = copying.make_copies(svc, "carol", cr.id)
    # t carried out with two escorts
    now = clock.now()
    co = carry_out.request_carry_out(
        svc,
        "oscar",
        [t.serial],
        "alice",
        ["e1", "e2"],
        "上级机关",
        "送审丙工程",
        now,
        now + timedelta(hours=4),
        vehicle="京A-12345",
    )
    carry_out.approve_carry_out(svc, "ann", co.id)
    # gone destroyed, watched by two
    d = destruction.request_destruction(
        svc, "carol", [gone.serial], "secure", "碎纸机粉碎", "已过保存期"
    )
    destruction.approve_destruction(svc, "ann", d.id)
    destruction.witness(svc, "oscar", d.id)
    destruction.witness(svc, "andy", d.id)
    destruction.execute_destruction(svc, "carol", d.id)
    # an inventory of the secure room's safe: a found, one copy missing, b unexpected
    inv = inventory.start_inventory(svc, "carol", places=["safe-s1"])
    inventory.submit_scans(svc, "carol", inv.id, [a.serial, copies[1], b.serial])
    inventory.close_inventory(svc, "carol", inv.id)
    # erin, leaving her post, hands the carrier she holds to alice
    req = borrowing.request_borrow(svc, "erin", a.serial, "erin", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    custody.handover(svc, "carol", "erin", "alice", [a.serial])
    # a level change and an early declassification
    classification.reclassify(
        svc, "ann", a.serial, Level.SECRET, SecrecyPeriod.years(5), "依据定密通知调整期限"
    )
    classification.declassify(svc, "ann", b.serial, "事项已公开")
    return Office(svc, a, b, t, gone, copies)
