"""A whole simulated office: a simulator for every reader of a site — the one its
protocol's registration names (:mod:`tracker.protocols`) — on a real pseudo-terminal
(linked like ``/dev/serial/by-id`` names under one folder), and helpers that play people
carrying carriers through doors and putting them into safes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from simulators.device import BadgeField, TagField
from tracker import protocols
from tracker.config import ReaderConfig, SiteConfig
from tracker.protocols import SimulatedReader

logger = logging.getLogger(__name__)


class SimulatedOffice:
    """Simulators for the readers of ``site``, with links in ``folder``."""

    def __init__(self, site: SiteConfig, folder: str | Path, *, seed: int = 7) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sims: dict[str, SimulatedReader] = {}
        #: Read points served by antennas of a multi-antenna reader → their fields.
        self.points: dict[str, list[TagField]] = {}
        readers = []
        for i, r in enumerate(site.readers):
            # Keep the installer's device name, so a site file maps onto the simulators by
            # swapping the folder (``/dev/serial/by-id/`` → ``folder``).
            name = Path(r.url).name if r.url.startswith("/") else f"usb-sim-{r.id}"
            sim = protocols.get(r.protocol).simulate(self.folder / name, seed=seed + i)
            self.sims[r.id] = sim
            readers.append(replace(r, url=sim.url))
            for number, point in dict(r.options.get("antennas", {})).items():
                antenna = getattr(sim, "antenna", None)
                if antenna is not None:
                    self.points.setdefault(point, []).append(antenna(number))
        #: The site with every reader's URL pointing at its simulator.
        self.site = replace(site, readers=tuple(readers))
        self._doors = {d.door.id: d for d in site.doors}
        self._safes = {s.place.id: s for s in site.safes}
        self._desks = {d.id: d for d in site.desks}

    def start(self) -> SimulatedOffice:
        """Start every simulator."""
        for sim in self.sims.values():
            sim.start()
        return self

    def stop(self) -> None:
        """Stop every simulator and remove the links."""
        for sim in self.sims.values():
            sim.stop()

    def reader(self, reader_id: str) -> SimulatedReader:
        """The simulator standing in for ``reader_id``."""
        return self.sims[reader_id]

    def uhf(self, reader_id: str) -> TagField:
        """The field of the UHF reader ``reader_id`` — or of the read point
        ``reader_id``, the antennas of a multi-antenna reader that report as it."""
        if reader_id in self.points:
            return _Antennas(self.points[reader_id])
        sim = self.sims[reader_id]
        if not isinstance(sim, TagField):
            raise TypeError(f"reader {reader_id} is not a UHF reader")
        return sim

    def badge_reader(self, reader_id: str) -> BadgeField:
        """The field of the badge reader ``reader_id``."""
        sim = self.sims[reader_id]
        if not isinstance(sim, BadgeField):
            raise TypeError(f"reader {reader_id} is not a badge reader")
        return sim

    def config(self, reader_id: str) -> ReaderConfig:
        """The (simulated) configuration of ``reader_id``."""
        return next(r for r in self.site.readers if r.id == reader_id)

    def carry(
        self,
        door: str,
        direction: str,
        tags: tuple[str, ...],
        badges: tuple[str, ...] = (),
        *,
        zone_seconds: float = 1.0,
        gap: float = 0.6,
        delay: float = 0.0,
    ) -> float:
        """Someone walks through ``door`` (``in`` = outside → inside) with ``tags`` on
        them, showing ``badges``; returns when (monotonic) the far zone sees them last."""
        d = self._doors[door]
        first, second = (
            (d.outer_readers, d.inner_readers)
            if direction == "in"
            else (d.inner_readers, d.outer_readers)
        )
        now = time.monotonic()
        for tag in tags:
            for r in first:
                self.uhf(r).pass_tag(tag, zone_seconds, delay=delay, now=now)
            for r in second:
                self.uhf(r).pass_tag(tag, zone_seconds, delay=delay + gap, now=now)
        for b in badges:
            for r in d.badge_readers:
                self.badge_reader(r).present(b, zone_seconds + gap)
        return now + delay + gap + zone_seconds

    def put_in_safe(self, safe: str, tag: str, rssi: int = -50) -> None:
        """A carrier now lies in ``safe``."""
        for r in self._safes[safe].readers:
            self.uhf(r).add_tag(tag, rssi)

    def take_from_safe(self, safe: str, tag: str) -> None:
        """A carrier is taken out of ``safe``."""
        for r in self._safes[safe].readers:
            self.uhf(r).remove_tag(tag)

    def lay_on_desk(self, desk: str, tag: str, rssi: int = -45) -> None:
        """A carrier now lies on reading desk ``desk`` (R16)."""
        for r in self._desks[desk].readers:
            self.uhf(r).add_tag(tag, rssi)

    def take_from_desk(self, desk: str, tag: str) -> None:
        """A carrier is taken off reading desk ``desk``."""
        for r in self._desks[desk].readers:
            self.uhf(r).remove_tag(tag)

    def badge_at_desk(self, desk: str, badge: str, seconds: float = 1.0) -> None:
        """Someone holds their badge to reading desk ``desk`` for ``seconds``."""
        for r in self._desks[desk].badge_readers:
            self.badge_reader(r).present(badge, seconds)

    def ready(self, readers: Iterable[str] | None = None, timeout: float = 10.0) -> bool:
        """True once the UHF simulators of ``readers`` (all if None) have been told to
        poll by their drivers."""
        ids = set(self.sims) if readers is None else set(readers)
        sims = [s for r, s in self.sims.items() if r in ids and isinstance(s, TagField)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(s.polling for s in sims):
                return True
            time.sleep(0.02)
        return False


class _Antennas:
    """Several antennas of one reader that report as one read point, as one field."""

    def __init__(self, fields: list[TagField]) -> None:
        self.fields = fields

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        for f in self.fields:
            f.add_tag(epc, rssi)

    def remove_tag(self, epc: str) -> None:
        for f in self.fields:
            f.remove_tag(epc)

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        for f in self.fields:
            f.pass_tag(epc, duration, delay=delay, now=now)

    @property
    def polling(self) -> bool:
        return all(f.polling for f in self.fields)
