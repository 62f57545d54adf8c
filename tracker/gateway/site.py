"""All doors and safes of a site behind one entry point that routes reads by read point.

The caller (a gateway process) feeds every read from every reader and ticks regularly;
events come back in the order they became final.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from drivers.reads import BadgeRead, TagRead
from tracker.config import Smoothing
from tracker.domain.errors import ConfigError
from tracker.domain.site import DeskConfig, DoorConfig, SafeConfig
from tracker.gateway.desk import DeskLogic
from tracker.gateway.door import DoorLogic, DoorTuning
from tracker.gateway.events import GatewayEvent, Zone
from tracker.gateway.safe import SafeLogic

logger = logging.getLogger(__name__)


class SiteLogic:
    """Doors, safes and reading desks together.

    ``per_point`` maps read points to their reader's smoothing (the default for the
    rest); ``rssi_offsets`` maps read points to the dB added to their reads' RSSI before
    any door or safe sees them (a reader's ``rssi_offset``); ``tuning`` is every door's.
    ``is_badge(epc)``: which UHF EPCs are badges.
    ``known_side(door, epc)``: on which side of ``door`` a carrier currently is, if the
    caller knows (see :class:`~tracker.gateway.door.DoorLogic`). ``on_outer(door, epc,
    at)``: a carrier's first outer-zone read at a door (the alarm's hook).
    """

    def __init__(
        self,
        doors: Iterable[DoorConfig] = (),
        safes: Iterable[SafeConfig] = (),
        *,
        per_point: Mapping[str, Smoothing] | None = None,
        rssi_offsets: Mapping[str, float] | None = None,
        tuning: DoorTuning | None = None,
        is_badge: Callable[[str], bool] | None = None,
        known_side: Callable[[str, str], Zone | None] | None = None,
        on_outer: Callable[[str, str, float], None] | None = None,
        desks: Iterable[DeskConfig] = (),
    ) -> None:
        self.doors: dict[str, DoorLogic] = {}
        self.safes: dict[str, SafeLogic] = {}
        self.desks: dict[str, DeskLogic] = {}
        self._routes: dict[str, list[DoorLogic | SafeLogic | DeskLogic]] = {}
        self._offsets = {p: o for p, o in (rssi_offsets or {}).items() if o}
        for cfg in doors:
            door = cfg.door.id
            if door in self.doors:
                raise ConfigError(f"door {door} is configured twice")
            side = None
            if known_side is not None:
                side = _bind(known_side, door)
            logic = DoorLogic(
                cfg,
                per_point=per_point,
                tuning=tuning,
                is_badge=is_badge,
                known_side=side,
                on_outer=_bind_outer(on_outer, door) if on_outer is not None else None,
            )
            self.doors[door] = logic
            for point in logic.read_points:
                self._routes.setdefault(point, []).append(logic)
        for scfg in safes:
            if scfg.place.id in self.safes:
                raise ConfigError(f"safe {scfg.place.id} is configured twice")
            safe = SafeLogic(scfg, per_point=per_point, is_badge=is_badge)
            self.safes[safe.safe] = safe
            for point in safe.read_points:
                self._routes.setdefault(point, []).append(safe)
        for dcfg in desks:
            if dcfg.id in self.desks:
                raise ConfigError(f"desk {dcfg.id} is configured twice")
            desk = self.desks[dcfg.id] = DeskLogic(dcfg, per_point=per_point, is_badge=is_badge)
            for point in desk.read_points:
                self._routes.setdefault(point, []).append(desk)

    @property
    def read_points(self) -> frozenset[str]:
        """Every read point some door or safe listens to."""
        return frozenset(self._routes)

    def feed(self, read: TagRead | BadgeRead) -> list[GatewayEvent]:
        """Route one read to the doors and safes that listen to its read point."""
        out: list[GatewayEvent] = []
        offset = self._offsets.get(read.read_point)
        if offset is not None and isinstance(read, TagRead):
            read = replace(read, rssi=round(read.rssi + offset))
        for logic in self._routes.get(read.read_point, ()):
            if isinstance(read, TagRead):
                out.extend(logic.on_tag(read))
            elif isinstance(logic, DoorLogic | DeskLogic):
                out.extend(logic.on_badge(read))
        return out

    def tick(self, now: float) -> list[GatewayEvent]:
        """Let time pass everywhere."""
        out: list[GatewayEvent] = []
        for door in self.doors.values():
            out.extend(door.tick(now))
        for safe in self.safes.values():
            out.extend(safe.tick(now))
        for desk in self.desks.values():
            out.extend(desk.tick(now))
        return out


def _bind(fn: Callable[[str, str], Zone | None], door: str) -> Callable[[str], Zone | None]:
    def side(epc: str) -> Zone | None:
        return fn(door, epc)

    return side


def _bind_outer(fn: Callable[[str, str, float], None], door: str) -> Callable[[str, float], None]:
    def outer(epc: str, at: float) -> None:
        fn(door, epc, at)

    return outer
