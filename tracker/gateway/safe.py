"""Safe logic: a safe reader's field tells whether a carrier is in the safe.

Per (safe, EPC) the tag becomes present when any of the safe's read points makes it
present (``k`` reads within ``window``) and absent when every point has been silent for
its ``absent_after``. Safes are steel boxes that read unevenly: give them a longer
``absent_after`` than doors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from drivers.reads import TagRead
from tracker.config import Smoothing
from tracker.domain.errors import ConfigError
from tracker.domain.site import SafeConfig
from tracker.gateway.events import SafeChange
from tracker.gateway.smoothing import PointTrack

logger = logging.getLogger(__name__)

_SCAN_EVERY = 0.1


class _InSafe:
    __slots__ = ("points", "present")

    def __init__(self) -> None:
        self.points: dict[str, PointTrack] = {}
        self.present = False


class SafeLogic:
    """The state machine of one safe; feed reads and ticks, get :class:`SafeChange`.
    The safe's read points are its readers; ``per_point`` gives a read point's smoothing,
    ``smoothing`` the rest. EPCs for which ``is_badge`` is true are ignored."""

    def __init__(
        self,
        safe: SafeConfig,
        *,
        smoothing: Smoothing | None = None,
        per_point: Mapping[str, Smoothing] | None = None,
        is_badge: Callable[[str], bool] | None = None,
    ) -> None:
        self.safe = safe.place.id
        self._points = frozenset(safe.readers)
        if not self._points:
            raise ConfigError(f"safe {self.safe}: needs at least one read point")
        self._smoothing = smoothing or Smoothing()
        self._per_point = dict(per_point or {})
        self._is_badge = is_badge or (lambda _epc: False)
        self._tags: dict[str, _InSafe] = {}
        self._now = float("-inf")
        self._last_scan = float("-inf")

    @property
    def read_points(self) -> frozenset[str]:
        """The read points of this safe."""
        return self._points

    def present(self) -> frozenset[str]:
        """EPCs currently judged to be in the safe."""
        return frozenset(epc for epc, t in self._tags.items() if t.present)

    def on_tag(self, read: TagRead) -> list[SafeChange]:
        """A UHF read; reads from other read points are ignored."""
        if read.read_point not in self._points or self._is_badge(read.epc):
            return []
        out = self._advance(read.at, from_read=True)
        state = self._tags.get(read.epc)
        if state is None:
            state = self._tags[read.epc] = _InSafe()
        track = state.points.get(read.read_point)
        if track is None:
            cfg = self._per_point.get(read.read_point, self._smoothing)
            track = state.points[read.read_point] = PointTrack(cfg)
        if track.add(read.at, read.rssi) and not state.present:
            state.present = True
            out.append(SafeChange(self.safe, read.epc, True, read.at, read.at))
        return out

    def tick(self, now: float) -> list[SafeChange]:
        """Let time pass; reports carriers that have left the field."""
        return self._advance(now)

    def _advance(self, t: float, *, from_read: bool = False) -> list[SafeChange]:
        now = self._now = max(self._now, t)
        out: list[SafeChange] = []
        if from_read and now - self._last_scan < _SCAN_EVERY:
            return out  # a full safe is read hundreds of times a second: scan at 10 Hz
        self._last_scan = now
        for epc, state in list(self._tags.items()):
            if not all(p.expired(now) for p in state.points.values()):
                continue
            del self._tags[epc]
            if state.present:
                last = max(p.last for p in state.points.values())
                gone = max(p.last + p.cfg.absent_after for p in state.points.values())
                out.append(SafeChange(self.safe, epc, False, gone, last))
        return out
