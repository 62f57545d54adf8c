"""``tracker serve --simulate``: the service with its whole office simulated.

The office itself — every reader, camera and printer of the site simulated, the real
drivers and gateway reading them — is built by :func:`tracker.bootstrap.simulate_site`,
as for ``tracker demo``. Here: the demo cast (registered with fresh random passwords,
printed once) and a few sample carriers. ``tracker sim …`` drives the simulated people
through the control socket.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Protocol

from simulators.office import SimulatedOffice
from tracker.bootstrap import SimulatedSite, simulate_site
from tracker.config import SiteConfig
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import BadgeKind, Medium, Role
from tracker.domain.period import SecrecyPeriod
from tracker.services import accounts, people
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, ReceiveItem, receive

logger = logging.getLogger(__name__)

#: The demo cast: id, name, department, clearance, role, EM4100 badge.
CAST = [
    ("carol", "王机要", "office", Clearance.CORE, Role.CUSTODIAN, "0100073EA7"),
    ("oscar", "赵保密", "office", Clearance.CORE, Role.OFFICER, "0100073EA8"),
    ("ann", "钱领导", "leaders", Clearance.CORE, Role.APPROVER, "0100073EA9"),
    ("alice", "李核心", "policy", Clearance.CORE, Role.STAFF, "0100073EAB"),
    ("erin", "郑重要", "policy", Clearance.IMPORTANT, Role.STAFF, "0100073EAE"),
    ("bob", "周重要", "finance", Clearance.IMPORTANT, Role.STAFF, "0100073EAC"),
]


class Hasher(Protocol):
    """Hashes passwords (the API's argon2 hasher)."""

    def hash(self, password: str) -> str: ...

    def verify(self, hashed: str, password: str) -> bool: ...


def ensure_cast(svc: Services, hasher: Hasher, actor: str = "cli:simulate") -> dict[str, str]:
    """Register the demo people (once) and give each a fresh random password."""
    creds = {}
    for pid, name, dept, clearance, role, badge in CAST:
        with svc.read() as uow:
            known = uow.people.get(pid) is not None
            has_badge = uow.badges.get(badge) is not None
            has_user = uow.users.get(pid) is not None
        if not known:
            people.add_person(svc, actor, pid, name, dept, clearance, role)
        if not has_badge:
            people.add_badge(svc, actor, pid, badge, BadgeKind.EM4100)
        password = secrets.token_urlsafe(12)
        if has_user:
            accounts.set_password(svc, actor, pid, password, hasher)
        else:
            accounts.create_user(svc, actor, pid, pid, password, hasher)
        creds[pid] = password
    return creds


def start(svc: Services, site: SiteConfig, workdir: Path, hasher: Hasher) -> SimulatedSite:
    """``tracker serve --simulate``: simulate the hardware of ``site`` into ``svc``
    (:func:`tracker.bootstrap.simulate_site`; ``svc.site`` becomes the simulated site),
    register the cast with fresh passwords and, on an empty register, sample carriers."""
    sim = simulate_site(svc, site, workdir)
    sim.credentials = ensure_cast(svc, hasher)
    sim.samples = seed_samples(svc, sim.office)
    return sim


SAMPLES = [
    # title, level, period, home room, home safe
    ("示例：年度工作要点", Level.SECRET, "10y", "secure", "safe-s1"),
    ("示例：项目论证报告", Level.TOP_SECRET, "20y", "secure", "safe-s1"),
    ("示例：会议纪要", Level.CONFIDENTIAL, "5y", "office-a", "safe-a"),
    ("示例：内部通讯录", Level.CONFIDENTIAL, "6m", "office-a", "safe-a"),
]


def seed_samples(svc: Services, office: SimulatedOffice) -> list[str]:
    """On an empty register, receive a few sample carriers and lay them in their safes, so
    there is something to carry about; returns their serials (none if any carrier exists
    or the site has no such rooms)."""
    with svc.read() as uow:
        if uow.carriers.count() or not all(uow.places.get(s[4]) for s in SAMPLES):
            return []
    today = svc.site.calendar.local_date(svc.now())
    items = [
        ReceiveItem(
            title=title,
            medium=Medium.PAPER,
            level=level,
            period=SecrecyPeriod.parse(period),
            classified_on=today,
            issuing_authority="示例机关",
            home_room=room,
            home_safe=safe,
            copy_number=1,
            total_copies=1,
            scope_departments=("policy",),
        )
        for title, level, period, room, safe in SAMPLES
    ]
    got = receive(svc, "carol", ReceiveBatch(items, len(items), "示例来文单位"))
    for c in got:
        if c.home_safe and c.epc:
            office.put_in_safe(c.home_safe, c.epc)
    return [c.serial for c in got]
