"""The configuration adapter: the site file (TOML) parsed and validated into a
:class:`SiteConfig` — the domain's :class:`~tracker.domain.site.Site` with the hardware
that watches it (readers and their protocols and URLs, cameras, printers).

The domain keeps what the rules need (places, levels, doors and safes with the ids of
their readers, the calendar, the policies); everything about how a device is reached
lives here. Imports only the domain, the standard library and the reader-protocol
registry (:mod:`tracker.protocols`, which knows the protocol names, their URL checks and
their own site-file keys).
"""

from __future__ import annotations

from tracker.config.devices import (
    CameraConfig,
    PrinterConfig,
    ReaderConfig,
    SiteConfig,
    Smoothing,
    printer_for,
    printers_of,
)
from tracker.config.outputs import DoorAlarm, OutputConfig
from tracker.config.site_file import load_site, parse_site, stored_site
from tracker.config.urls import check_device_url
from tracker.domain.evidence import AlarmPolicy

__all__ = [
    "AlarmPolicy",
    "CameraConfig",
    "DoorAlarm",
    "OutputConfig",
    "PrinterConfig",
    "ReaderConfig",
    "SiteConfig",
    "Smoothing",
    "check_device_url",
    "load_site",
    "parse_site",
    "printer_for",
    "printers_of",
    "stored_site",
]
