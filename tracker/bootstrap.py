"""The one place that wires real or simulated parts together: database, ledger key,
site, clock and services; the reader drivers; and the whole simulated office. Every
entry point (CLI, API server, gateway, demo) starts here.

Drivers, simulators and cameras are imported inside the functions that start them, so a
command that needs none of them does not pay for their import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from drivers.reads import BadgeRead, TagRead
from tracker import protocols
from tracker.config import CameraConfig, ReaderConfig, SiteConfig, load_site, stored_site
from tracker.domain.clock import Clock, SystemClock
from tracker.domain.errors import ConfigError
from tracker.protocols import ReaderHandle
from tracker.services.base import Services
from tracker.services.bus import Bus, SharedBus
from tracker.services.site import SITE_SETTING, apply_site
from tracker.store.db import database_url, make_engine, safe_url
from tracker.store.keys import ledger_key
from tracker.store.locks import exclusive
from tracker.store.migrate import ensure_schema
from tracker.store.point import PointReads
from tracker.store.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from simulators.camera_show import ShowCamera
    from simulators.control import ControlServer
    from simulators.office import SimulatedOffice
    from simulators.printer import PrinterSimulator
    from tracker.gateway.runner import Gateway, GatewayOptions
    from tracker.gateway.sinks import Sink
    from tracker.protocols.outputs import SimulatedOutput

logger = logging.getLogger(__name__)


@dataclass
class App:
    """Everything an entry point needs: the engine, the service context and the site
    with its hardware (``services.site`` is the same site, read as the domain's)."""

    engine: Engine
    services: Services
    url: str
    site: SiteConfig


def open_store(
    url: str | None = None, *, migrate: bool = True, key_file: Path | None = None
) -> tuple[Engine, bytes, str]:
    """Connect to the database (migrating it on first start) and load the ledger key —
    from ``key_file`` when given, else from where the environment says
    (:mod:`tracker.store.keys`)."""
    url = url or database_url()
    engine = make_engine(url)
    if migrate:
        revision = ensure_schema(engine)
        logger.info("database %s at revision %s", safe_url(url), revision)
    return engine, ledger_key(engine, key_file), url


def build(
    *,
    url: str | None = None,
    site_file: str | Path | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    load: bool = True,
    key_file: Path | None = None,
) -> App:
    """Wire the services. With ``site_file`` the site comes from that file (and, when
    ``load`` is true, is loaded into the database); otherwise from the site last loaded.
    ``key_file``: see :func:`open_store`."""
    engine, key, url = open_store(url, migrate=migrate, key_file=key_file)

    def write() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, key)

    def read() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, key, write=False)

    path = Path(site_file) if site_file is not None else None
    site = load_site(path) if path is not None else _stored_site(read)
    services = Services(
        write,
        clock or SystemClock(),
        site,
        bus_for(engine),
        read,
        exclusive(engine),
        reads=PointReads(engine),
    )
    if path is not None and load:
        apply_site(services, "system", site, path.read_text(encoding="utf-8"))
    return App(engine, services, url, site)


def bus_for(engine: Engine) -> Bus:
    """The event bus for a database: on PostgreSQL the events of every process on it
    (workers, hosts, command line) reach every process's stream (:class:`SharedBus`
    over :mod:`tracker.store.stream`); SQLite serves one process (:class:`Bus`)."""
    if engine.dialect.name != "postgresql":
        return Bus()
    from tracker.store import stream

    return SharedBus(lambda heard: stream.listen(engine, heard))


def _stored_site(read: Callable[[], SqlUnitOfWork]) -> SiteConfig:
    with read() as uow:
        text = uow.settings.get(SITE_SETTING)
    if text is None:
        raise ConfigError(
            "no site is loaded yet: run `tracker site load FILE` first (see examples/site.toml)",
            zh="尚未加载站点：请先运行 `tracker site load 文件`（参见 examples/site.toml）",
        )
    return stored_site(text)


def open_reader(cfg: ReaderConfig, on_read: Callable[[TagRead | BadgeRead], None]) -> ReaderHandle:
    """The real driver for a reader of the site file, chosen by its protocol in the
    registry (:mod:`tracker.protocols`)."""
    return protocols.open_reader(cfg, on_read)


# --- the simulated office ------------------------------------------------------------


def attach_evidence_cameras(
    gateway: Gateway, capture: Callable[[CameraConfig], Any] | None = None
) -> list[str]:
    """Run the camera of every door whose alarm ``gateway`` sounds, keeping its last
    seconds of frames for the alarm's stills (the gateway must have been given an
    ``encode``); returns the cameras' ids. ``capture`` opens a camera (default: its
    ``source`` through :class:`drivers.camera.CaptureLoop`)."""
    from tracker.gateway.cameras import CameraWorker

    if capture is None:
        from drivers.camera import CaptureLoop

        def capture(cfg: CameraConfig) -> Any:
            return CaptureLoop(cfg.source, camera=cfg.id, fps=cfg.fps)

    cameras = {c.id: c for c in gateway.site.cameras}
    started = []
    for dc in gateway.site.doors:
        cfg = cameras.get(dc.camera or "")
        if cfg is None or dc.door.id not in gateway.portal.alarms:
            continue
        worker = CameraWorker(cfg.id, capture(cfg), None, None, gateway.submit, gateway.to_time)
        gateway.attach_camera(worker, cfg.heartbeat, dc.door.id)
        started.append(cfg.id)
    return started


@dataclass
class SimulatedSite:
    """The running simulated hardware of a site and the gateway reading it."""

    office: SimulatedOffice
    printer: PrinterSimulator
    gateway: Gateway
    control: ControlServer
    cameras: dict[str, ShowCamera] = field(default_factory=dict)
    outputs: dict[str, SimulatedOutput] = field(default_factory=dict)  # relay boards
    credentials: dict[str, str] = field(default_factory=dict)  # demo logins, if any
    samples: list[str] = field(default_factory=list)  # sample carriers, if any

    def stop(self) -> None:
        """Stop the control socket, the gateway (draining its outbox), the simulators."""
        self.control.stop()
        self.gateway.stop()
        self.office.stop()
        self.printer.stop()
        for board in self.outputs.values():
            board.stop()


def simulate_site(
    services: Services,
    site: SiteConfig,
    workdir: Path,
    *,
    sink: Sink | None = None,
    options: GatewayOptions | None = None,
) -> SimulatedSite:
    """Bring up ``site``'s hardware simulated and read it — the one way ``tracker serve
    --simulate`` and ``tracker demo`` build their office.

    Every reader gets the simulator its protocol registers (linked under
    ``workdir/by-id``), every safe and door camera a camera labels can be shown to, the
    site's ZPL printers (or a ``desk`` printer) the ZPL printer simulator; the real
    drivers and gateway read them into ``sink`` (default: ``services`` in this process)
    through the outbox ``workdir/outbox.sqlite``; ``tracker sim …`` drives the office
    through ``workdir/sim.sock``. ``services.site`` becomes the simulated site.
    """
    from drivers.camera import CaptureLoop, DoorScanner, SafeScanner, ShieldCorrelator, make_decoder
    from drivers.camera.stills import encode_jpeg
    from simulators.camera_show import ShowCamera
    from simulators.control import ControlServer
    from simulators.office import SimulatedOffice
    from simulators.printer import PrinterSimulator
    from tracker.config import PrinterConfig
    from tracker.gateway.cameras import CameraWorker
    from tracker.gateway.outbox import Outbox
    from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
    from tracker.gateway.sinks import ServiceSink
    from tracker.gateway.table import ServiceFeed, TableStore
    from tracker.protocols import outputs as output_protocols
    from tracker.services import authz

    office = SimulatedOffice(site, workdir / "by-id").start()
    boards: dict[str, SimulatedOutput] = {}
    for o in site.outputs:
        name = Path(o.url).name if o.url.startswith("/") else f"usb-sim-{o.id}"
        boards[o.id] = output_protocols.get(o.protocol).simulate(workdir / "by-id" / name, o)
        boards[o.id].start()
    printer = PrinterSimulator().start()
    printers = tuple(
        PrinterConfig(p.id, printer.url, "zpl") if p.format == "zpl" else p
        for p in office.site.printers
    ) or (PrinterConfig("desk", printer.url, "zpl"),)
    outputs = tuple(replace(o, url=boards[o.id].url) for o in office.site.outputs)
    simulated = replace(office.site, printers=printers, outputs=outputs)
    services.site = simulated
    to_time = clock_time(services.clock)
    gateway = Gateway(
        simulated,
        sink or ServiceSink(services, "device:simulated-gateway"),
        Outbox(workdir / "outbox.sqlite"),
        open_reader,
        options or GatewayOptions("simulated-gateway"),
        to_time=to_time,
        table=TableStore(workdir / "authz.json"),
        feed=ServiceFeed(authz.feed(services)),
        encode=encode_jpeg,
    ).start()
    cameras: dict[str, ShowCamera] = {}

    def camera(name: str, scanner: object, door: str | None = None, **how: Any) -> None:
        # A 5 fps camera, as fast as the capture takes frames (issue 16 goal 8).
        cam = cameras[name] = ShowCamera(name, fps=5)
        capture = CaptureLoop(cam, camera=name, fps=5)
        worker = CameraWorker(
            name, capture, make_decoder(), scanner, gateway.submit, to_time, **how
        )
        gateway.attach_camera(worker, heartbeat=30.0, door=door)

    for sc in simulated.safes:
        if sc.camera:
            scanner = SafeScanner(sc.camera, sc.place.id, "toggle")
            camera(sc.camera, scanner, known=_known(services, sc.place.id))
    for dc in simulated.doors:
        if dc.camera:
            shield = ShieldCorrelator(window=5.0, identities=_epc_of(services))
            camera(dc.camera, DoorScanner(dc.camera, dc.door.id), dc.door.id, correlator=shield)
    control = ControlServer(office, workdir / "sim.sock", cameras, boards).start()
    return SimulatedSite(office, printer, gateway, control, cameras, boards)


def _known(svc: Services, safe: str) -> Callable[[str], str | None]:
    """Whether a carrier is in ``safe`` per the register ("in" / "out"; None: unknown)."""
    from tracker.domain.model import CarrierState

    def known(code: str) -> str | None:
        with svc.read() as uow:
            c = uow.carriers.get(code)
        if c is None:
            return None
        return "in" if c.state is CarrierState.IN_SAFE and c.location == safe else "out"

    return known


def _epc_of(svc: Services) -> Callable[[str], list[str]]:
    """The EPCs a scanned code stands for (a carrier's tag, or the code itself)."""

    def identities(code: str) -> list[str]:
        with svc.read() as uow:
            c = uow.carriers.get(code)
        return [c.epc] if c is not None and c.epc else [code]

    return identities
