"""``tracker serve --simulate``: the service with its whole office simulated.

Every reader of the site gets a simulator on a real pseudo-terminal, every safe and door
camera a camera someone can show labels to, the label printer a ZPL printer simulator on
a socket; the real drivers and gateway read them into the service. People for a demo are
registered with fresh random passwords, printed once. ``tracker sim …`` drives the
simulated people through the control socket.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from drivers.camera import (
    CaptureLoop,
    DoorScanner,
    SafeScanner,
    ShieldCorrelator,
    make_decoder,
)
from simulators.camera_show import ShowCamera
from simulators.control import ControlServer
from simulators.office import SimulatedOffice
from simulators.printer import PrinterSimulator
from tracker.bootstrap import open_reader
from tracker.config import PrinterConfig, SiteConfig
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import BadgeKind, CarrierState, Medium, Role
from tracker.domain.period import SecrecyPeriod
from tracker.gateway.cameras import CameraWorker
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
from tracker.gateway.sinks import ServiceSink
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


@dataclass
class SimulatedSite:
    """The running simulated hardware of a served site."""

    office: SimulatedOffice
    printer: PrinterSimulator
    gateway: Gateway
    control: ControlServer
    cameras: dict[str, ShowCamera] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the gateway, the simulators and the control socket."""
        self.control.stop()
        self.gateway.stop()
        self.office.stop()
        self.printer.stop()


def ensure_cast(svc: Services, hasher: Hasher) -> dict[str, str]:
    """Register the demo people (once) and give each a fresh random password."""
    creds = {}
    for pid, name, dept, clearance, role, badge in CAST:
        with svc.read() as uow:
            known = uow.people.get(pid) is not None
            has_badge = uow.badges.get(badge) is not None
            has_user = uow.users.get(pid) is not None
        if not known:
            people.add_person(svc, "cli:simulate", pid, name, dept, clearance, role)
        if not has_badge:
            people.add_badge(svc, "cli:simulate", pid, badge, BadgeKind.EM4100)
        password = secrets.token_urlsafe(12)
        if has_user:
            accounts.set_password(svc, "cli:simulate", pid, password, hasher)
        else:
            accounts.create_user(svc, "cli:simulate", pid, pid, password, hasher)
        creds[pid] = password
    return creds


def start(svc: Services, site: SiteConfig, workdir: Path, hasher: Hasher) -> SimulatedSite:
    """Simulate the hardware of ``site`` and connect it; ``svc.site`` is replaced by the
    simulated one (readers on pty links, the printer on a local socket)."""
    office = SimulatedOffice(site, workdir / "by-id").start()
    printer = PrinterSimulator().start()
    site = office.site
    printers = tuple(
        PrinterConfig(p.id, printer.url, "zpl") if p.format == "zpl" else p for p in site.printers
    ) or (PrinterConfig("desk", printer.url, "zpl"),)
    svc.site = replace(site, printers=printers)
    to_time = clock_time(svc.clock)
    gateway = Gateway(
        svc.site,
        ServiceSink(svc, "device:simulated-gateway"),
        Outbox(workdir / "outbox.sqlite"),
        open_reader,
        GatewayOptions("simulated-gateway"),
        to_time=to_time,
    ).start()
    cameras: dict[str, ShowCamera] = {}
    for sc in svc.site.safes:
        if sc.camera:
            cam = ShowCamera(sc.camera)
            cameras[sc.camera] = cam
            worker = CameraWorker(
                sc.camera,
                CaptureLoop(cam, camera=sc.camera, fps=5),
                make_decoder(),
                SafeScanner(sc.camera, sc.place.id, "toggle"),
                gateway.submit,
                to_time,
                known=_known(svc, sc.place.id),
            )
            gateway.attach_camera(worker, heartbeat=30.0)
    for dc in svc.site.doors:
        if dc.camera:
            cam = ShowCamera(dc.camera)
            cameras[dc.camera] = cam
            worker = CameraWorker(
                dc.camera,
                CaptureLoop(cam, camera=dc.camera, fps=5),
                make_decoder(),
                DoorScanner(dc.camera, dc.door.id),
                gateway.submit,
                to_time,
                correlator=ShieldCorrelator(window=5.0, identities=_epc_of(svc)),
            )
            gateway.attach_camera(worker, heartbeat=30.0, door=dc.door.id)
    control = ControlServer(office, workdir / "sim.sock", cameras).start()
    creds = ensure_cast(svc, hasher)
    sim = SimulatedSite(office, printer, gateway, control, cameras, creds)
    sim.samples = seed_samples(svc, office)
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


def _known(svc: Services, safe: str) -> Callable[[str], str | None]:
    def known(code: str) -> str | None:
        with svc.read() as uow:
            c = uow.carriers.get(code)
        if c is None:
            return None
        return "in" if c.state is CarrierState.IN_SAFE and c.location == safe else "out"

    return known


def _epc_of(svc: Services) -> Callable[[str], list[str]]:
    def identities(code: str) -> list[str]:
        with svc.read() as uow:
            c = uow.carriers.get(code)
        return [c.epc] if c is not None and c.epc else [code]

    return identities
