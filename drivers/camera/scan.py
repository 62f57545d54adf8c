"""What a scan means at a safe or a door — pure logic, no database, no I/O.

Times are float seconds on one monotonic clock (the same clock as the RFID reads).
Codes are the texts read from labels (a carrier's serial); mapping them to carriers is
the caller's job, and a code that is not ours is passed through like any other (the
caller reports it as an ``unknown tag``) — nothing here raises on a foreign code.

**Safe.** A camera at a safe records a carrier put in or taken out. The safe's mode
decides: ``in`` or ``out`` for a safe with one camera per direction, or ``toggle`` for a
single camera, where the action is the opposite of where the carrier was:

1. if the caller says where the carrier is (``known="in"``: in this safe, ``"out"``:
   not in it), the scan moves it to the other side — the register is the truth;
2. otherwise the opposite of the last action this scanner recorded for the code;
3. otherwise ``first_action`` (default ``in``: a carrier shown to a safe for the first
   time is being put away).

Repeated reads are deduplicated first (:mod:`drivers.camera.dedup`), so holding a label
in front of the camera is one scan, not a flicker of in/out.

**Door.** A scan at a door is evidence next to the RFID portal. A carrier the camera saw
with no RFID sighting at that door within ±``window`` seconds may have a shielded tag:
:func:`find_shielded` (a batch) and :class:`ShieldCorrelator` (live) report it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from drivers.camera.decode import Code
from drivers.camera.dedup import Deduplicator
from tracker.domain.errors import ConfigError, TrackerError

logger = logging.getLogger(__name__)

Action = Literal["in", "out"]
SafeMode = Literal["in", "out", "toggle"]
SAFE_MODES = ("in", "out", "toggle")


@dataclass(frozen=True)
class SafeScan:
    """A carrier put into (``in``) or taken out of (``out``) a safe, seen by its camera."""

    camera: str
    safe: str
    code: str
    action: Action
    at: float
    format: str = ""


@dataclass(frozen=True)
class DoorScan:
    """A carrier's label seen by the camera at a door."""

    camera: str
    door: str
    code: str
    at: float
    format: str = ""


@dataclass(frozen=True)
class RfidSighting:
    """An RFID read at a door, after the caller mapped read point → door; ``tag`` is the
    identity the caller matches against scanned codes (serial, or EPC via ``identities``)."""

    door: str
    tag: str
    at: float


@dataclass(frozen=True)
class ShieldedSuspect:
    """A code seen by a door camera with no RFID sighting nearby: possibly a shielded tag."""

    door: str
    code: str
    at: float
    camera: str = ""


def _flip(action: Action) -> Action:
    return "out" if action == "in" else "in"


class SafeScanner:
    """Turns decoded codes at one safe's camera into :class:`SafeScan` events."""

    def __init__(
        self,
        camera: str,
        safe: str,
        mode: str = "toggle",
        *,
        window: float = 2.0,
        first_action: str = "in",
    ) -> None:
        if mode not in SAFE_MODES:
            raise ConfigError(
                f"safe {safe}: camera mode must be one of {', '.join(SAFE_MODES)}, got {mode!r}",
                zh=f"保险柜 {safe}：摄像头模式须为 in、out 或 toggle，而不是 {mode!r}",
            )
        if first_action not in ("in", "out"):
            raise ConfigError(
                f"safe {safe}: first_action must be 'in' or 'out', got {first_action!r}",
                zh=f"保险柜 {safe}：first_action 须为 in 或 out",
            )
        self.camera = camera
        self.safe = safe
        self.mode = mode
        self.first_action: Action = "in" if first_action == "in" else "out"
        self.dedup = Deduplicator(window)
        self._last: dict[str, Action] = {}

    def action_for(self, code: str, known: Action | None = None) -> Action:
        """The action a (deduplicated) scan of ``code`` records; see the module rule."""
        if self.mode == "in":
            return "in"
        if self.mode == "out":
            return "out"
        if known is not None:
            return _flip(known)
        last = self._last.get(code)
        return _flip(last) if last is not None else self.first_action

    def scan(self, code: Code, at: float, *, known: Action | None = None) -> SafeScan | None:
        """One read; a :class:`SafeScan` if it is a new scan, None if it repeats one."""
        if not self.dedup.accept(code, at):
            return None
        action = self.action_for(code.text, known)
        self._last[code.text] = action
        return SafeScan(self.camera, self.safe, code.text, action, at, code.format)

    def feed(
        self,
        codes: Iterable[Code],
        at: float,
        known: Callable[[str], Action | None] | None = None,
    ) -> list[SafeScan]:
        """The scans of one frame's codes; ``known(code)`` asks the register where it is."""
        out = []
        for code in self.dedup.filter(codes, at):
            state = _ask(known, code.text)
            action = self.action_for(code.text, state)
            self._last[code.text] = action
            out.append(SafeScan(self.camera, self.safe, code.text, action, at, code.format))
        return out


def _ask(known: Callable[[str], Action | None] | None, code: str) -> Action | None:
    if known is None:
        return None
    try:
        state = known(code)
    except (LookupError, TrackerError) as exc:  # e.g. NotFound for a code that is not ours
        logger.info("where %r is is unknown (%s); using the scanner's memory", code, exc)
        return None
    return state if state in ("in", "out") else None


class DoorScanner:
    """Turns decoded codes at one door's camera into :class:`DoorScan` events."""

    def __init__(self, camera: str, door: str, *, window: float = 2.0) -> None:
        self.camera = camera
        self.door = door
        self.dedup = Deduplicator(window)

    def feed(self, codes: Iterable[Code], at: float) -> list[DoorScan]:
        """The new scans among one frame's codes."""
        return [
            DoorScan(self.camera, self.door, c.text, at, c.format)
            for c in self.dedup.filter(codes, at)
        ]


def _identity(code: str) -> Iterable[str]:
    return (code,)


def _identities(identities: Callable[[str], Iterable[str]], code: str) -> set[str]:
    try:
        return {code, *identities(code)}
    except (LookupError, TrackerError) as exc:  # a foreign code has no EPC: text alone
        logger.debug("no identities for code %r: %s", code, exc)
        return {code}


def find_shielded(
    scans: Iterable[DoorScan],
    sightings: Iterable[RfidSighting | tuple[str, str, float]],
    *,
    window: float = 5.0,
    identities: Callable[[str], Iterable[str]] = _identity,
) -> list[ShieldedSuspect]:
    """Door scans with no RFID sighting of the same carrier at the same door within
    ±``window`` seconds, in scan order.

    ``identities(code)`` names what the RFID side may report for that code (e.g. the
    serial and the carrier's EPC); by default a sighting matches when its tag equals
    the code.
    """
    by_door: dict[str, list[RfidSighting]] = {}
    for s in sightings:
        sighting = s if isinstance(s, RfidSighting) else RfidSighting(*s)
        by_door.setdefault(sighting.door, []).append(sighting)
    suspects = []
    for scan in sorted(scans, key=lambda s: s.at):
        names = _identities(identities, scan.code)
        seen = any(
            s.tag in names and abs(s.at - scan.at) <= window for s in by_door.get(scan.door, ())
        )
        if not seen:
            suspects.append(ShieldedSuspect(scan.door, scan.code, scan.at, scan.camera))
    return suspects


class ShieldCorrelator:
    """The live form of :func:`find_shielded`: feed scans and sightings as they come and
    :meth:`poll` with the clock; a scan is judged once ``window`` seconds have passed
    after it (a sighting may come later than the scan)."""

    def __init__(
        self, *, window: float = 5.0, identities: Callable[[str], Iterable[str]] = _identity
    ) -> None:
        self.window = window
        self.identities = identities
        self._pending: list[DoorScan] = []
        self._sightings: list[RfidSighting] = []

    def add_scan(self, scan: DoorScan) -> None:
        """A door camera scan to be judged."""
        self._pending.append(scan)

    def add_sighting(self, door: str, tag: str, at: float) -> None:
        """An RFID sighting at ``door`` (caller maps read point → door, EPC → tag)."""
        self._sightings.append(RfidSighting(door, tag, at))

    def poll(self, now: float) -> list[ShieldedSuspect]:
        """Suspects among scans whose window has closed by ``now``; forgets them."""
        due = [s for s in self._pending if now - s.at > self.window]
        if not due:
            return []
        self._pending = [s for s in self._pending if now - s.at <= self.window]
        suspects = find_shielded(
            due, self._sightings, window=self.window, identities=self.identities
        )
        oldest = min((s.at for s in self._pending), default=now)
        self._sightings = [s for s in self._sightings if s.at >= oldest - self.window]
        return suspects
