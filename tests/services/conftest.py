"""A service context on a real database (SQLite and PostgreSQL), with the example site
loaded and a cast of people, on a manual clock starting Tuesday 2026-11-24 10:00 in
Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.factories import T0
from tracker.config import load_site
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import BadgeKind, Carrier, Medium, Role
from tracker.domain.period import SecrecyPeriod
from tracker.services import people, site
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, ReceiveItem, receive
from tracker.store.point import PointReads
from tracker.store.tables import Base

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"

# id, name, department, clearance, role, badge
CAST = [
    ("carol", "王机要", "office", Clearance.CORE, Role.CUSTODIAN, "0100073EA7"),
    ("oscar", "赵保密", "office", Clearance.CORE, Role.OFFICER, "0100073EA8"),
    ("ann", "钱领导", "leaders", Clearance.CORE, Role.APPROVER, "0100073EA9"),
    ("andy", "孙领导", "leaders", Clearance.CORE, Role.APPROVER, "0100073EAA"),
    ("alice", "李核心", "policy", Clearance.CORE, Role.STAFF, "0100073EAB"),
    ("bob", "周重要", "finance", Clearance.IMPORTANT, Role.STAFF, "0100073EAC"),
    ("dave", "吴一般", "policy", Clearance.GENERAL, Role.STAFF, "0100073EAD"),
    ("erin", "郑重要", "policy", Clearance.IMPORTANT, Role.STAFF, "0100073EAE"),
    ("e1", "护送甲", "security", Clearance.CORE, Role.STAFF, "0100073EAF"),
    ("e2", "护送乙", "security", Clearance.CORE, Role.STAFF, "0100073EB0"),
]
# The three administrators (三员): id, name, department, clearance, role (no badges).
ADMINS = [
    ("sysadmin", "孙系统", "it", Clearance.IMPORTANT, Role.SYSTEM_ADMIN),
    ("secadmin", "钟安全", "security", Clearance.CORE, Role.SECURITY_ADMIN),
    ("auditor", "陶审计", "audit", Clearance.IMPORTANT, Role.SECURITY_AUDITOR),
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def svc(uow_factory: Callable[[], Any], clock: ManualClock, engine: Engine) -> Services:
    s = load_site(EXAMPLE)
    services = Services(
        uow_factory=uow_factory,
        clock=clock,
        site=s,
        read_factory=lambda: uow_factory(write=False),
        reads=PointReads(engine),  # as tracker.bootstrap.build wires it
    )
    site.apply_site(services, "cli:test", s, EXAMPLE.read_text(encoding="utf-8"))
    for pid, name, dept, clr, role, badge in CAST:
        people.add_person(services, "cli:test", pid, name, dept, clr, role)
        people.add_badge(services, "cli:test", pid, badge, BadgeKind.EM4100)
    for pid, name, dept, clr, role in ADMINS:
        people.add_person(services, "cli:test", pid, name, dept, clr, role)
    return services


def item(level: Level = Level.SECRET, **kw: Any) -> ReceiveItem:
    """A receivable item homed in the secure room's first safe, in policy's scope."""
    base: dict[str, Any] = {
        "title": "关于某项目的请示",
        "medium": Medium.PAPER,
        "level": level,
        "period": SecrecyPeriod.none() if level is Level.INTERNAL else SecrecyPeriod.years(10),
        "classified_on": date(2026, 11, 20),
        "issuing_authority": "某部办公厅",
        "home_room": "secure",
        "home_safe": "safe-s1",
        "copy_number": 1,
        "total_copies": 3,
        "pages": 12,
        "scope_departments": ("policy",),
    }
    base.update(kw)
    return ReceiveItem(**base)


def receive_one(svc: Services, level: Level = Level.SECRET, **kw: Any) -> Carrier:
    """Receive one carrier signed by custodian carol."""
    return receive(svc, "carol", ReceiveBatch([item(level, **kw)], 1, "某部机要局"))[0]


@pytest.fixture
def snapshot(engine: Engine) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, to prove a refused call changed nothing."""

    def take() -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows = conn.execute(select(table)).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
        return out

    return take
