"""The hardware of a site: readers, cameras and printers, and how each is reached.

:class:`SiteConfig` is the domain's :class:`~tracker.domain.site.Site` with every
device's full configuration attached; the services read it as a ``Site`` (ids,
heartbeats, doors, safes), the gateway, the simulators and the label printing read the
rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tracker.config.outputs import DoorAlarm, OutputConfig
from tracker.domain.errors import ConfigError
from tracker.domain.evidence import AlarmPolicy
from tracker.domain.site import Sensor, Site


@dataclass(frozen=True)
class Smoothing:
    """Read smoothing of one read point: a tag is present after ``k`` reads within
    ``window`` seconds, absent after ``absent_after`` seconds without a read."""

    k: int = 2
    window: float = 1.0
    absent_after: float = 2.0

    def __post_init__(self) -> None:
        if self.k < 1 or self.window <= 0 or self.absent_after <= 0:
            raise ConfigError(
                f"invalid smoothing {self}: need k >= 1, window > 0, absent_after > 0",
                zh=f"读取平滑参数无效 {self}：须 k >= 1、window > 0、absent_after > 0",
            )


@dataclass(frozen=True, kw_only=True)
class ReaderConfig(Sensor):
    """An RFID or badge reader: its protocol (a name in :mod:`tracker.protocols`), the
    URL of its line, its smoothing and line speed, and the keys its protocol adds."""

    protocol: str
    url: str
    smoothing: Smoothing = Smoothing()
    baudrate: int | None = None  # None: the protocol's usual speed
    #: dB added to every RSSI the reader reports before the door logic compares zones
    #: (its coupler's loss minus its antenna's gain, so that two readers compare fairly).
    rssi_offset: float = 0.0
    #: Protocol-specific settings from the site file, checked by the protocol's registration.
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    #: Read points other than the reader itself (e.g. one per antenna); empty: the reader
    #: is its own single read point.
    points: tuple[str, ...] = ()

    @property
    def read_points(self) -> tuple[str, ...]:
        """The read points this reader reports reads under."""
        return self.points or (self.id,)


@dataclass(frozen=True, kw_only=True)
class CameraConfig(Sensor):
    """A barcode camera: a device index, a file, a folder or a stream URL."""

    source: str
    fps: float = 15.0
    mode: str = "toggle"  # at a safe: in / out / toggle


@dataclass(frozen=True)
class PrinterConfig:
    """A label printer: ``tcp://host:9100`` (ZPL), ``file:///dir``, ``cups://QUEUE``."""

    id: str
    url: str
    format: str = "zpl"  # zpl / pdf / png


@dataclass(frozen=True)
class SiteConfig(Site):
    """A site with its hardware: what the site file describes."""

    readers: tuple[ReaderConfig, ...]
    cameras: tuple[CameraConfig, ...]
    printers: tuple[PrinterConfig, ...] = ()
    outputs: tuple[OutputConfig, ...] = ()  # relay boards of door alarms
    alarms: tuple[DoorAlarm, ...] = ()  # the doors that have an alarm
    alarm_policy: AlarmPolicy = field(default_factory=AlarmPolicy)

    def alarm(self, door: str) -> DoorAlarm | None:
        """The alarm of ``door``, if it has one."""
        return next((a for a in self.alarms if a.door == door), None)

    def reader(self, reader_id: str) -> ReaderConfig:
        """The reader with ``reader_id``; KeyError when unknown."""
        for r in self.readers:
            if r.id == reader_id:
                return r
        raise KeyError(reader_id)

    def smoothing(self) -> dict[str, Smoothing]:
        """The smoothing of every read point of every reader."""
        return {p: r.smoothing for r in self.readers for p in r.read_points}

    def rssi_offsets(self) -> dict[str, float]:
        """The RSSI offset of every read point whose reader has one."""
        return {p: r.rssi_offset for r in self.readers if r.rssi_offset for p in r.read_points}


def printers_of(site: Site) -> tuple[PrinterConfig, ...]:
    """The site's printers (none when the site carries no hardware configuration)."""
    return site.printers if isinstance(site, SiteConfig) else ()


def printer_for(site: Site, wanted: str | None = None) -> PrinterConfig | None:
    """The printer ``wanted`` (default: the site's label printer), or None when the site
    has no such printer (or no hardware configuration at all)."""
    name = wanted or site.labels.printer
    return next((p for p in printers_of(site) if p.id == name), None)
