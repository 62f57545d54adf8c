"""Small builders for domain objects used across tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tracker.domain.levels import Clearance, Level
from tracker.domain.model import Carrier, KnowledgeScope, Medium, Person, Role
from tracker.domain.period import SecrecyPeriod

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Tuesday


def period_for(level: Level) -> SecrecyPeriod:
    """A valid period for ``level``."""
    return SecrecyPeriod.none() if level is Level.INTERNAL else SecrecyPeriod.years(5)


def carrier(serial: str = "JM-2026-000001", level: Level = Level.SECRET, **kw: Any) -> Carrier:
    """A carrier homed in the secure room's first safe unless told otherwise."""
    base: dict[str, Any] = {
        "serial": serial,
        "title": "关于某项目的请示",
        "medium": Medium.PAPER,
        "level": level,
        "period": period_for(level),
        "classified_on": date(2026, 1, 5),
        "issuing_authority": "某部办公厅",
        "received_on": date(2026, 1, 6),
        "scope": KnowledgeScope(frozenset({"alice"}), frozenset({"policy"})),
        "home_room": "secure",
        "home_safe": "safe-s1",
        "location": "safe-s1",
    }
    base.update(kw)
    return Carrier(**base)


def person(
    pid: str = "alice",
    clearance: Clearance = Clearance.CORE,
    role: Role = Role.STAFF,
    department: str = "policy",
    **kw: Any,
) -> Person:
    """A person in the policy department."""
    return Person(pid, pid.title(), department, clearance, role, **kw)
