"""All doors and safes of a site behind one entry point that routes reads by read point.

The caller (a gateway process) feeds every read from every reader and ticks regularly;
events come back in the order they became final.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from drivers.reads import BadgeRead, TagRead
from tracker.domain.errors import ConfigError
from tracker.gateway.door import DoorConfig, DoorLogic
from tracker.gateway.events import GatewayEvent, Zone
from tracker.gateway.safe import SafeConfig, SafeLogic

logger = logging.getLogger(__name__)


class SiteLogic:
    """Doors and safes together.

    ``is_badge(epc)``: which UHF EPCs are badges. ``known_side(door, epc)``: on which
    side of ``door`` a carrier currently is, if the caller knows (see
    :class:`~tracker.gateway.door.DoorLogic`).
    """

    def __init__(
        self,
        doors: Iterable[DoorConfig] = (),
        safes: Iterable[SafeConfig] = (),
        *,
        is_badge: Callable[[str], bool] | None = None,
        known_side: Callable[[str, str], Zone | None] | None = None,
    ) -> None:
        self.doors: dict[str, DoorLogic] = {}
        self.safes: dict[str, SafeLogic] = {}
        self._routes: dict[str, list[DoorLogic | SafeLogic]] = {}
        for cfg in doors:
            if cfg.door in self.doors:
                raise ConfigError(f"door {cfg.door} is configured twice")
            side = None
            if known_side is not None:
                side = _bind(known_side, cfg.door)
            logic = DoorLogic(cfg, is_badge=is_badge, known_side=side)
            self.doors[cfg.door] = logic
            for point in logic.read_points:
                self._routes.setdefault(point, []).append(logic)
        for scfg in safes:
            if scfg.safe in self.safes:
                raise ConfigError(f"safe {scfg.safe} is configured twice")
            safe = SafeLogic(scfg, is_badge=is_badge)
            self.safes[scfg.safe] = safe
            for point in safe.read_points:
                self._routes.setdefault(point, []).append(safe)

    @property
    def read_points(self) -> frozenset[str]:
        """Every read point some door or safe listens to."""
        return frozenset(self._routes)

    def feed(self, read: TagRead | BadgeRead) -> list[GatewayEvent]:
        """Route one read to the doors and safes that listen to its read point."""
        out: list[GatewayEvent] = []
        for logic in self._routes.get(read.read_point, ()):
            if isinstance(read, TagRead):
                out.extend(logic.on_tag(read))
            elif isinstance(logic, DoorLogic):
                out.extend(logic.on_badge(read))
        return out

    def tick(self, now: float) -> list[GatewayEvent]:
        """Let time pass everywhere."""
        out: list[GatewayEvent] = []
        for door in self.doors.values():
            out.extend(door.tick(now))
        for safe in self.safes.values():
            out.extend(safe.tick(now))
        return out


def _bind(fn: Callable[[str, str], Zone | None], door: str) -> Callable[[str], Zone | None]:
    def side(epc: str) -> Zone | None:
        return fn(door, epc)

    return side
