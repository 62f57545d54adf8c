"""The gateway process: readers at doors and safes → door and safe logic → observations
→ a durable outbox → the custody service (in process or over HTTP).

Three threads do the work: the logic thread drains reads from the drivers' threads and
ticks the door and safe logic every ``tick`` seconds; the health thread reports every
reader's heartbeat and its going offline or coming back; the sender thread drains the
outbox to the sink, retrying with capped backoff while the service is unreachable. A
fourth, the spool's, writes observations to the outbox, so no door waits for the disk.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drivers.reads import BadgeRead, TagRead
from tracker import protocols
from tracker.config import OutputConfig, SiteConfig
from tracker.domain.clock import Clock
from tracker.domain.errors import InvalidInput, TrackerError, TransientError
from tracker.domain.model import MovementSource
from tracker.gateway.alarm import AlarmController, Portal
from tracker.gateway.cameras import CameraWorker
from tracker.gateway.events import (
    Crossing,
    DeskBadge,
    DoorSighting,
    GatewayEvent,
    SafeChange,
    Zone,
)
from tracker.gateway.events import to_wall_clock as real_wall_clock
from tracker.gateway.evidence import RingBuffer, StillTaker
from tracker.gateway.outbox import Outbox, Spool
from tracker.gateway.sinks import Sink
from tracker.gateway.site import SiteLogic
from tracker.gateway.table import TableSource, TableStore
from tracker.protocols import OpenReader, ReaderHandle
from tracker.protocols import outputs as output_protocols
from tracker.protocols.outputs import OutputHandle
from tracker.services.authz import FeedMessage, Silence
from tracker.services.movement import Observation

logger = logging.getLogger(__name__)

Read = TagRead | BadgeRead


@dataclass
class GatewayOptions:
    """Tuning of one gateway."""

    gateway_id: str = "gateway"
    doors: frozenset[str] | None = None  # None: every door and safe of the site
    tick: float = 0.1
    batch: int = 100
    heartbeat_every: float = 10.0
    retry_min: float = 0.5
    retry_max: float = 30.0
    safes: frozenset[str] | None = None
    #: The process hands the interpreter lock round at least this often (s; CPython's
    #: default is 5 ms), so a read waits little behind CPU-bound threads — the services
    #: when they run in the gateway's process: the alarm benchmark's p99 from first read
    #: to relay fell from ~100 ms to ~20 ms. Process-wide; only ever lowered. None: leave.
    switch_interval: float | None = 0.001
    desks: frozenset[str] | None = None  # reading desks (R16); as for safes


def clock_time(clock: Clock, speed: float = 1.0) -> Callable[[float], datetime]:
    """Map a monotonic reading time onto ``clock`` (the service's clock, which may be a
    test's manual clock or the demo's fast one running ``speed`` times real time)."""

    def to_time(at: float) -> datetime:
        return clock.now() - timedelta(seconds=(time.monotonic() - at) * speed)

    return to_time


def logic_for(
    site: SiteConfig,
    doors: frozenset[str] | None = None,
    safes: frozenset[str] | None = None,
    *,
    is_badge: Callable[[str], bool] | None = None,
    known_side: Callable[[str, str], Zone | None] | None = None,
    on_outer: Callable[[str, str, float], None] | None = None,
    desks: frozenset[str] | None = None,
) -> SiteLogic:
    """The door, safe and reading-desk logic for the chosen ones of ``site``."""
    return SiteLogic(
        [dc for dc in site.doors if doors is None or dc.door.id in doors],
        [sc for sc in site.safes if sc.readers and (safes is None or sc.place.id in safes)],
        per_point=site.smoothing(),
        rssi_offsets=site.rssi_offsets(),
        is_badge=is_badge,
        known_side=known_side,
        on_outer=on_outer,
        desks=[d for d in site.desks if desks is None or d.id in desks],
    )


class Gateway:
    """Runs the readers of some doors and safes and reports what they see."""

    def __init__(
        self,
        site: SiteConfig,
        sink: Sink,
        outbox: Outbox,
        open_reader: OpenReader,
        options: GatewayOptions | None = None,
        *,
        to_time: Callable[[float], datetime] = real_wall_clock,
        is_badge: Callable[[str], bool] | None = None,
        known_side: Callable[[str, str], Zone | None] | None = None,
        open_output: Callable[[OutputConfig], OutputHandle] = output_protocols.open_output,
        table: TableStore | None = None,
        feed: TableSource | None = None,
        encode: Callable[[Any], bytes] | None = None,
    ) -> None:
        """``open_output`` opens the relay boards of the doors' alarms; ``table`` is the
        authorization table held (kept on disk by the caller's choice), ``feed`` where new
        versions and silences come from; ``encode`` makes JPEG stills of door-camera
        frames (no stills without it)."""
        self.site, self.sink, self.outbox = site, sink, outbox
        self.options = options or GatewayOptions()
        self.to_time = to_time
        safes = self.options.safes
        desks = self.options.desks
        if self.options.doors is not None:
            # A gateway for some doors runs no safes or desks unless told.
            safes = frozenset() if safes is None else safes
            desks = frozenset() if desks is None else desks
        self._setup_alarms(open_output, table, feed, encode)
        self.logic = logic_for(
            site,
            self.options.doors,
            safes,
            is_badge=is_badge,
            known_side=known_side,
            on_outer=self.portal.on_outer if self.portal.alarms else None,
            desks=desks,
        )
        wanted = self.logic.read_points
        self.readers_cfg = [r for r in site.readers if wanted.intersection(r.read_points)]
        # A reader whose driver probes it must keep answering; a listen-only one (a badge
        # reader talks only while a badge is held to it) is judged by its link alone.
        self._probed = {r.id: protocols.get(r.protocol).probes for r in self.readers_cfg}
        self._open_reader = open_reader
        self._reads: queue.SimpleQueue[Read] = queue.SimpleQueue()
        self._handles: dict[str, ReaderHandle] = {}
        self._healthy: dict[str, bool] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.spool = Spool(outbox, self._wake.set)  # the logic thread never waits for the disk
        self._threads: list[threading.Thread] = []
        self._started = time.monotonic()
        self.events: list[GatewayEvent] = []  # every event, for the CLI and tests
        self.observed = 0
        self.cameras: dict[str, tuple[CameraWorker, float, str | None]] = {}

    def _setup_alarms(
        self,
        open_output: Callable[[OutputConfig], OutputHandle],
        table: TableStore | None,
        feed: TableSource | None,
        encode: Callable[[Any], bytes] | None,
    ) -> None:
        wanted = self.options.doors
        alarms = [a for a in self.site.alarms if wanted is None or a.door in wanted]
        boards = {a.output for a in alarms}
        self.outputs_cfg = [o for o in self.site.outputs if o.id in boards]
        self.outputs: dict[str, OutputHandle] = {o.id: open_output(o) for o in self.outputs_cfg}
        self._answers = {o.id: output_protocols.get(o.protocol).answers for o in self.outputs_cfg}
        self._output_ok: dict[str, bool] = {}
        self.table = table or TableStore()
        self.feed = feed
        self._table_ok = True
        self.alarm = AlarmController(alarms, self.outputs)
        policy = self.site.alarm_policy
        self.rings: dict[str, RingBuffer] = {}
        takes = None
        if encode is not None and policy.stills:
            takes = StillTaker(
                self.rings, self.submit, encode, stills=policy.stills, spacing=policy.still_spacing
            )
        self.portal = Portal(
            {a.door: a for a in alarms},
            self.table,
            self.alarm,
            self.submit,
            self.to_time,
            self.options.gateway_id,
            evidence=takes,
        )

    def _on_feed(self, msg: FeedMessage) -> None:
        if isinstance(msg, Silence):
            if self.alarm.silence(msg.door, msg.alarms, msg.why):
                logger.info("door %s: alarm off (%s)", msg.door, msg.why)
        else:
            self.table.replace(msg)

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Gateway:
        """Open every reader and relay board and start the threads."""
        interval = self.options.switch_interval
        if interval is not None and sys.getswitchinterval() > interval:
            sys.setswitchinterval(interval)
        for board in self.outputs.values():
            board.start()
        if self.feed is not None:
            self.feed.start(self._on_feed)
        for cfg in self.readers_cfg:
            handle = self._open_reader(cfg, self._reads.put)
            handle.start()
            self._handles[cfg.id] = handle
            self._healthy[cfg.id] = True
        self._started = time.monotonic()
        self.spool.start()
        for name, target in (
            ("logic", self._logic_loop),
            ("health", self._health_loop),
            ("sender", self._sender_loop),
        ):
            t = threading.Thread(target=target, name=f"gw-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        logger.info("gateway %s: %d readers", self.options.gateway_id, len(self._handles))
        return self

    def attach_camera(
        self, worker: CameraWorker, heartbeat: float, door: str | None = None
    ) -> None:
        """Run a camera with this gateway; a door camera hears of the door's crossings."""
        self.cameras[worker.camera] = (worker, heartbeat, door)
        if door is not None and door in self.portal.alarms:
            worker.ring = self.rings[door] = RingBuffer(3.0)
        worker.start()

    def stop(self, drain: float = 2.0) -> None:
        """Stop the readers, give the sender ``drain`` seconds to empty the outbox, stop."""
        for worker, _, _ in self.cameras.values():
            worker.stop()
        if self.feed is not None:
            self.feed.stop()
        self.alarm.all_off()
        for h in self._handles.values():
            try:
                h.close()
            except TrackerError:
                logger.exception("closing a reader failed")
        deadline = time.monotonic() + drain
        while (self.outbox.counts()[0] or not self.spool.idle()) and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.05)
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(5)
        self.spool.stop()  # what the last rounds queued is on disk for the next start
        for board in self.outputs.values():
            board.close()
        self.table.save()

    # --- observations ----------------------------------------------------------------

    def _event_id(self, kind: str) -> str:
        return f"{self.options.gateway_id}:{kind}:{uuid.uuid4().hex}"

    def _observations(self, events: Iterable[GatewayEvent]) -> list[Observation]:
        out = []
        for ev in events:
            self.events.append(ev)
            if isinstance(ev, Crossing):
                self.portal.on_crossing(ev)
                for worker, _, door in self.cameras.values():
                    if door == ev.door:
                        worker.crossing(ev)
                out.append(
                    Observation(
                        self._event_id("x"),
                        "crossing",
                        self.to_time(ev.at),
                        code=ev.epc,
                        door=ev.door,
                        direction=ev.direction,
                        badges=tuple(ev.badges),
                        source=MovementSource.RFID,
                    )
                )
            elif isinstance(ev, SafeChange):
                out.append(
                    Observation(
                        self._event_id("s"),
                        "safe",
                        self.to_time(ev.at),
                        code=ev.epc,
                        safe=ev.safe,
                        present=ev.present,
                        source=MovementSource.SAFE,
                    )
                )
            elif isinstance(ev, DeskBadge):
                out.append(
                    Observation(
                        self._event_id("d"),
                        "desk",
                        self.to_time(ev.at),
                        desk=ev.desk,
                        badges=(ev.badge,),
                        codes=ev.epcs,
                    )
                )
            elif isinstance(ev, DoorSighting):
                logger.info("door %s: %s seen on the %s side only", ev.door, ev.epc, ev.zone)
        return out

    def submit(self, observations: list[Observation]) -> None:
        """Queue observations for the service (other sources, such as cameras, use this)."""
        if observations:
            self.spool.put(observations)
            self.observed += len(observations)

    def _logic_loop(self) -> None:
        while not self._stop.is_set():
            try:
                events: list[GatewayEvent] = []
                deadline = time.monotonic() + self.options.tick
                while True:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    try:
                        read = self._reads.get(timeout=timeout)
                    except queue.Empty:
                        break
                    events.extend(self.logic.feed(read))
                now = time.monotonic()
                events.extend(self.logic.tick(now))
                self.alarm.tick(now)
                self.submit(self._observations(events))
            except Exception:  # a bad read or a logic bug must not stop the doors
                logger.exception("gateway logic round failed")

    # --- health ----------------------------------------------------------------------

    def _health_loop(self) -> None:
        while not self._stop.wait(self.options.heartbeat_every):
            try:
                self.submit(self.health())
            except Exception:  # never let a stats call stop the heartbeats
                logger.exception("gateway health round failed")

    def health(self) -> list[Observation]:
        """Heartbeats of healthy readers, and offline / online transitions."""
        now_mono = time.monotonic()
        at = self.to_time(now_mono)
        out = []
        for cfg in self.readers_cfg:
            stats = self._handles[cfg.id].stats()
            quiet_since = stats.last_heard if stats.last_heard is not None else self._started
            probed = self._probed[cfg.id]
            healthy = stats.connected and (not probed or now_mono - quiet_since <= cfg.heartbeat)
            if not stats.connected and now_mono - self._started <= cfg.heartbeat:
                healthy = True  # still coming up
            was = self._healthy.get(cfg.id, True)
            if healthy:
                out.append(Observation(self._event_id("h"), "heartbeat", at, reader=cfg.id))
            if healthy != was:
                out.append(
                    Observation(self._event_id("r"), "reader", at, reader=cfg.id, online=healthy)
                )
                logger.warning("reader %s is %s", cfg.id, "back" if healthy else "offline")
            self._healthy[cfg.id] = healthy
        for camera, (worker, heartbeat, _) in self.cameras.items():
            last = worker.last_frame
            if last is not None and now_mono - last <= heartbeat:
                out.append(Observation(self._event_id("h"), "heartbeat", at, reader=camera))
        out.extend(self._output_health(now_mono, at))
        out.extend(self._table_health(at))
        return out

    def _output_health(self, now_mono: float, at: datetime) -> list[Observation]:
        """A relay board that answers must have answered within its heartbeat; a
        write-only one must still have its line."""
        out = []
        for cfg in self.outputs_cfg:
            st = self.outputs[cfg.id].stats()
            since = st.last_ok if st.last_ok is not None else self._started
            healthy = st.connected and (
                not self._answers[cfg.id] or now_mono - since <= cfg.heartbeat
            )
            if not healthy and now_mono - self._started <= cfg.heartbeat:
                healthy = True  # still coming up
            if healthy != self._output_ok.get(cfg.id, True):
                logger.warning("relay board %s is %s", cfg.id, "back" if healthy else "offline")
                out.append(
                    Observation(self._event_id("o"), "output", at, reader=cfg.id, online=healthy)
                )
            self._output_ok[cfg.id] = healthy
        return out

    @property
    def table_fresh(self) -> bool:
        """False while the table is older than the site's ``table_max_age``."""
        return self._table_ok

    def _table_health(self, at: datetime) -> list[Observation]:
        """Confirm the table while the feed is live; report it stale past the site's
        ``table_max_age`` and fresh again."""
        if not self.portal.alarms:
            return []
        if self.feed is not None and self.feed.current():
            self.table.confirm()
        age = self.table.age()
        fresh = age is not None and age <= self.site.alarm_policy.table_max_age
        if fresh == self._table_ok:
            return []
        self._table_ok = fresh
        logger.warning(
            "authorization table v%s is %s", self.table.version, "fresh" if fresh else "stale"
        )
        return [
            Observation(
                self._event_id("t"),
                "table",
                at,
                reader=self.options.gateway_id,
                online=fresh,
                table_version=self.table.version or 0,
                age=age if age is not None else 0.0,
            )
        ]

    # --- sending ---------------------------------------------------------------------

    def _sender_loop(self) -> None:
        delay = self.options.retry_min
        while not self._stop.is_set():
            pending = self.outbox.peek(self.options.batch)
            if not pending:
                # The spool wakes it after every write and stop() does; the timeout is
                # only a safety net.
                self._wake.wait(10.0)
                self._wake.clear()
                continue
            try:
                self._send(pending)
                delay = self.options.retry_min
            except TransientError as exc:
                logger.warning("service unavailable, retrying in %.1f s: %s", delay, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.options.retry_max)
            except Exception:  # keep the outbox draining whatever the sink does
                logger.exception("sending observations failed")
                self._stop.wait(delay)

    def _send(self, pending: list[tuple[int, Observation]]) -> None:
        try:
            self.sink.send([o for _, o in pending])
            self.outbox.ack([i for i, _ in pending])
        except InvalidInput as exc:
            if len(pending) == 1:
                logger.error("observation %s refused: %s", pending[0][1].event_id, exc)
                self.outbox.bury([pending[0][0]], str(exc))
                return
            half = len(pending) // 2  # find the refused items; send the others
            self._send(pending[:half])
            self._send(pending[half:])
