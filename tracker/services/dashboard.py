"""What the console's dashboard shows, each figure in one query: carriers by state and
level, overdue borrows, carriers not locked away, open alerts by severity, the doors'
and safes' readers with when each was last heard, the newest movements, and who holds
what right now.

Each function reads in its own read-only unit of work, or in the one it is given: the
page passes one, so that the whole dashboard is one snapshot and one transaction (on
PostgreSQL every transaction is a round trip of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from tracker.domain.levels import Level
from tracker.domain.model import (
    AlertState,
    AlertType,
    ApprovalState,
    BorrowState,
    Carrier,
    CarrierState,
    CirculationState,
    Movement,
    Severity,
)
from tracker.services.base import Services
from tracker.services.heartbeat import HEARTBEAT
from tracker.services.ports import UnitOfWork

OPEN = [AlertState.OPEN, AlertState.ACKNOWLEDGED]
AWAY = [CarrierState.OUT, CarrierState.IN_TRANSIT]


@dataclass(frozen=True)
class Figures:
    """The dashboard's counts."""

    by_state: dict[CarrierState, int]
    by_level: dict[Level, int]
    overdue: int
    not_locked_away: int
    alerts: dict[Severity, int]  # open or acknowledged alerts by severity

    @property
    def total(self) -> int:
        """Every carrier on the register."""
        return sum(self.by_state.values())

    @property
    def open_alerts(self) -> int:
        """Open or acknowledged alerts of any severity."""
        return sum(self.alerts.values())


@contextmanager
def _reading(svc: Services, uow: UnitOfWork | None) -> Iterator[UnitOfWork]:
    """``uow`` when given, else a read-only unit of work of its own."""
    if uow is not None:
        yield uow
        return
    with svc.read() as own:
        yield own


def figures(svc: Services, uow: UnitOfWork | None = None) -> Figures:
    """The counts, from one consistent snapshot: three queries (carriers by state and
    level, overdue borrows, open alerts by severity and type)."""
    with _reading(svc, uow) as u:
        pairs = u.carriers.count_by("state", "level")
        overdue = u.borrows.count_overdue(svc.now())
        alerts = u.alerts.count_by("severity", "type", state=OPEN)
    by_state = dict.fromkeys(CarrierState, 0)
    by_level = dict.fromkeys(Level, 0)
    for (state, level), n in pairs.items():
        by_state[state] += n
        by_level[level] += n
    by_severity = dict.fromkeys(Severity, 0)
    lock = 0
    for (severity, kind), n in alerts.items():
        by_severity[severity] += n
        if kind is AlertType.NOT_LOCKED_AWAY:
            lock += n
    return Figures(by_state, by_level, overdue, lock, by_severity)


@dataclass(frozen=True)
class DeviceStatus:
    """A reader or camera: where it is, whether it is online, when it was last heard."""

    id: str
    kind: str  # uhf / badge / camera
    place: str  # the door or safe id
    place_name: str
    online: bool
    last_heard: datetime | None


def devices(svc: Services, uow: UnitOfWork | None = None) -> list[DeviceStatus]:
    """Every reader and camera of the site's doors and safes, in site order. A device is
    offline while a reader-offline alert about it is open. Two queries: the open
    reader-offline alerts, and every device's heartbeat at once."""
    site = svc.site
    wanted: list[tuple[str, str, str, str]] = []
    for d in site.doors:
        wanted += [(r, "uhf", d.door.id, d.door.name) for r in (*d.inner_readers, *d.outer_readers)]
        wanted += [(r, "badge", d.door.id, d.door.name) for r in d.badge_readers]
        if d.camera:
            wanted.append((d.camera, "camera", d.door.id, d.door.name))
    for s in site.safes:
        wanted += [(r, "uhf", s.place.id, s.place.name) for r in s.readers]
        if s.camera:
            wanted.append((s.camera, "camera", s.place.id, s.place.name))
    with _reading(svc, uow) as u:
        offline = {a.subject for a in u.alerts.find(type=AlertType.READER_OFFLINE, state=OPEN)}
        stored = u.settings.get_many(HEARTBEAT + dev for dev, *_ in wanted)
    heard = {dev: stored.get(HEARTBEAT + dev) for dev, *_ in wanted}
    return [
        DeviceStatus(
            dev,
            kind,
            place,
            name,
            dev not in offline,
            datetime.fromisoformat(text) if (text := heard[dev]) else None,
        )
        for dev, kind, place, name in wanted
    ]


def recent_movements(
    svc: Services, limit: int = 12, uow: UnitOfWork | None = None
) -> list[Movement]:
    """The newest movements, newest first."""
    with _reading(svc, uow) as u:
        return u.movements.find(order_by="-at", limit=limit)


def held(svc: Services, limit: int = 100, uow: UnitOfWork | None = None) -> list[Carrier]:
    """Carriers out of their safes in someone's hands (borrowed or carried out), by
    holder then serial."""
    with _reading(svc, uow) as u:
        return u.carriers.by_holder(AWAY, limit)


def pending_approvals(svc: Services, uow: UnitOfWork | None = None) -> dict[str, int]:
    """Requests waiting for an approver, by kind."""
    with _reading(svc, uow) as u:
        return {
            "borrows": u.borrows.count(state=BorrowState.REQUESTED),
            "circulations": u.circulations.count(state=CirculationState.REQUESTED),
            "carry_outs": u.carry_outs.count(state=ApprovalState.REQUESTED),
            "copies": u.copy_requests.count(state=ApprovalState.REQUESTED),
            "destructions": u.destructions.count(state=ApprovalState.REQUESTED),
            "level_changes": u.level_changes.count(state=ApprovalState.REQUESTED),
        }
