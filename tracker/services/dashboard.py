"""What the console's dashboard shows, each figure in one query: carriers by state and
level, overdue borrows, carriers not locked away, open alerts by severity, the doors'
and safes' readers with when each was last heard, the newest movements, and who holds
what right now."""

from __future__ import annotations

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
    Movement,
    Severity,
)
from tracker.services.base import Services
from tracker.services.heartbeat import HEARTBEAT

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


def figures(svc: Services) -> Figures:
    """The counts, from one consistent snapshot."""
    with svc.read() as uow:
        pairs = uow.carriers.count_by("state", "level")
        overdue = uow.borrows.count_overdue(svc.now())
        lock = uow.alerts.count(type=AlertType.NOT_LOCKED_AWAY, state=OPEN)
        alerts = uow.alerts.count_by("severity", state=OPEN)
    by_state = dict.fromkeys(CarrierState, 0)
    by_level = dict.fromkeys(Level, 0)
    for (state, level), n in pairs.items():
        by_state[state] += n
        by_level[level] += n
    by_severity = dict.fromkeys(Severity, 0)
    for (severity,), n in alerts.items():
        by_severity[severity] += n
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


def devices(svc: Services) -> list[DeviceStatus]:
    """Every reader and camera of the site's doors and safes, in site order. A device is
    offline while a reader-offline alert about it is open."""
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
    with svc.read() as uow:
        offline = {a.subject for a in uow.alerts.find(type=AlertType.READER_OFFLINE, state=OPEN)}
        heard = {dev: uow.settings.get(HEARTBEAT + dev) for dev, *_ in wanted}
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


def recent_movements(svc: Services, limit: int = 12) -> list[Movement]:
    """The newest movements, newest first."""
    with svc.read() as uow:
        return uow.movements.find(order_by="-at", limit=limit)


def held(svc: Services, limit: int = 100) -> list[Carrier]:
    """Carriers out of their safes in someone's hands (borrowed or carried out), by
    holder then serial."""
    with svc.read() as uow:
        return uow.carriers.find(state=AWAY, order_by=["holder", "serial"], limit=limit)


def pending_approvals(svc: Services) -> dict[str, int]:
    """Requests waiting for an approver, by kind."""
    with svc.read() as uow:
        return {
            "borrows": uow.borrows.count(state=BorrowState.REQUESTED),
            "carry_outs": uow.carry_outs.count(state=ApprovalState.REQUESTED),
            "copies": uow.copy_requests.count(state=ApprovalState.REQUESTED),
            "destructions": uow.destructions.count(state=ApprovalState.REQUESTED),
        }
