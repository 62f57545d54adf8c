"""Door alarms at the gateway: the decision on a carrier's first outer-zone read, and the
stack light and buzzer it drives.

:class:`Portal` is called by the door logic on the first read of a carrier in a door's
outer zone (:class:`~tracker.gateway.door.DoorLogic` ``on_outer``), before the crossing
is decided. It asks the gateway's authorization table (:mod:`tracker.gateway.table`)
whether the carrier may be on that side now — no network, no database, no waiting for
the RSSI peaks — and if not, sounds the door's alarm at once and sends an ``alarm``
observation (with the door camera's stills, when the door has one) through the outbox.
The crossing is still decided and recorded as before. A carrier let out by a carry-out
whose escorts must be read with it (top secret leaving the building, R6) is checked
again when its crossing is decided, against the badges read with it.

:class:`AlarmController` runs the patterns: the light steady or flashing, the buzzer for
its seconds, everything off when the alarm is silenced (its alert acknowledged) or after
the door's ``off_after``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tracker.config import DoorAlarm
from tracker.domain.authz import Window
from tracker.gateway.events import Crossing
from tracker.gateway.table import TableStore
from tracker.protocols.outputs import OutputHandle
from tracker.services.movement import Observation

logger = logging.getLogger(__name__)


@dataclass
class _Sounding:
    alarm: DoorAlarm
    ids: set[str]
    started: float
    light: bool = True
    buzzer: bool = True
    flipped: float = 0.0


class AlarmController:
    """The alarm patterns of some doors on their relay boards (module docstring)."""

    def __init__(self, alarms: Iterable[DoorAlarm], outputs: Mapping[str, OutputHandle]) -> None:
        self.alarms = {a.door: a for a in alarms}
        self.outputs = outputs
        self._on: dict[str, _Sounding] = {}
        self._lock = threading.Lock()
        self.history: list[tuple[float, str, str, str]] = []  # (at, door, "on"/"off", why)

    def sounding(self, door: str) -> bool:
        """True while ``door``'s alarm is on."""
        with self._lock:
            return door in self._on

    def sound(self, door: str, alarm_id: str, now: float) -> bool:
        """Turn ``door``'s alarm on (or add ``alarm_id`` to the one already on); False
        when the door has no alarm."""
        a = self.alarms.get(door)
        if a is None:
            return False
        with self._lock:
            on = self._on.get(door)
            if on is not None:
                on.ids.add(alarm_id)
                return True
            self._on[door] = _Sounding(a, {alarm_id}, now, flipped=now)
            self.history.append((now, door, "on", alarm_id))
        self._relays(a, a.channels, True)
        return True

    def silence(self, door: str, alarm_ids: Iterable[str], why: str = "silenced") -> bool:
        """Forget ``alarm_ids`` at ``door``; the alarm goes off when none is left."""
        with self._lock:
            on = self._on.get(door)
            if on is None:
                return False
            on.ids.difference_update(alarm_ids)
            if on.ids:
                return False
            del self._on[door]
            self.history.append((time.monotonic(), door, "off", why))
        self._relays(on.alarm, on.alarm.channels, False)
        return True

    def off(self, door: str, why: str = "off") -> None:
        """Turn ``door``'s alarm off whatever sounded it."""
        with self._lock:
            on = self._on.get(door)
            ids = set(on.ids) if on is not None else set()
        self.silence(door, ids, why)

    def tick(self, now: float) -> None:
        """Run the patterns: flash the light, stop the buzzer, time the alarm out."""
        with self._lock:
            sounding = list(self._on.items())
        for door, on in sounding:
            a = on.alarm
            if a.off_after and now - on.started >= a.off_after:
                self.off(door, "timed out")
                continue
            buzz_over = a.buzzer_seconds and now - on.started >= a.buzzer_seconds
            if a.buzzer is not None and on.buzzer and buzz_over:
                on.buzzer = False
                self._relays(a, (a.buzzer,), False)
            if a.pattern == "flashing" and now - on.flipped >= a.flash_seconds:
                on.light, on.flipped = not on.light, now
                self._relays(a, a.light, on.light)

    def all_off(self) -> None:
        """Every alarm off (the gateway is stopping)."""
        for door in list(self._on):
            self.off(door, "gateway stopped")

    def _relays(self, a: DoorAlarm, channels: Iterable[int], on: bool) -> None:
        board = self.outputs.get(a.output)
        if board is None:
            return
        for c in channels:
            board.set(c, on)


@dataclass
class _Pass:
    at: float
    window: Window | None = None
    alarm: str | None = None


@dataclass
class Portal:
    """The alarm decisions of a gateway's doors (module docstring). ``submit`` queues
    observations; ``evidence(door, at, obs)``, when given, sends the alarm observation
    itself once it has added the door camera's stills (and returns False when the door
    has no camera)."""

    alarms: Mapping[str, DoorAlarm]
    store: TableStore
    controller: AlarmController
    submit: Callable[[list[Observation]], None]
    to_time: Callable[[float], datetime]
    gateway_id: str = "gateway"
    evidence: Callable[[str, float, Observation], bool] | None = None
    hold: float = 10.0  # a carrier lingering at the door does not sound it again sooner
    decisions: list[tuple[float, str, str, str]] = field(default_factory=list)
    _passes: dict[tuple[str, str], _Pass] = field(default_factory=dict)

    def on_outer(self, door: str, epc: str, at: float) -> None:
        """The first outer-zone read of ``epc`` at ``door`` (monotonic ``at``)."""
        a = self.alarms.get(door)
        if a is None:
            return
        key = (door, epc)
        seen = self._passes.get(key)
        if seen is not None and seen.alarm is not None and at - seen.at < self.hold:
            return
        d = self.store.decide(door, epc, self.to_time(at), unknown_alarms=a.unknown_tags)
        self.decisions.append((at, door, epc, d.reason))
        if len(self._passes) > 10_000:
            self._passes.clear()  # bounded memory; a lost escort window only re-checks later
        self._passes[key] = _Pass(at, d.window)
        if d.alarm:
            self._sound(a, epc, at, ())

    def on_crossing(self, ev: Crossing) -> None:
        """A decided crossing: a carry-out that needs escorts needs their badges."""
        p = self._passes.get((ev.door, ev.epc))
        a = self.alarms.get(ev.door)
        if p is None or a is None or p.window is None or ev.direction != "out":
            return
        w = p.window
        read = {b.upper() for b in ev.badges} & set(w.escorts)
        if len(read) < w.escorts_needed:
            self._sound(a, ev.epc, ev.at, ev.badges)

    def _sound(self, a: DoorAlarm, epc: str, at: float, badges: tuple[str, ...]) -> None:
        alarm_id = f"{self.gateway_id}:alarm:{uuid.uuid4().hex}"
        self.controller.sound(a.door, alarm_id, at)
        p = self._passes.setdefault((a.door, epc), _Pass(at))
        p.alarm = alarm_id
        obs = Observation(
            alarm_id,
            "alarm",
            self.to_time(at),
            code=epc,
            door=a.door,
            badges=badges,
            reader=a.output,
            table_version=self.store.version,
        )
        logger.warning("door %s: alarm for %s (table v%s)", a.door, epc, self.store.version)
        if self.evidence is None or not self.evidence(a.door, at, obs):
            self.submit([obs])
