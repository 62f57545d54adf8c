"""The site as the rules see it: places and their levels, doors and safes with the ids of
the readers and cameras that watch them, the working calendar, the policies, label and
EPC settings, and who is told about which alerts.

How the hardware is reached (reader protocols, device URLs, read smoothing, camera
sources, printers) is configuration, not domain: see :mod:`tracker.config`, which
parses the site file into a :class:`tracker.config.SiteConfig` — this :class:`Site`
with its devices attached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.model import Door, Place, PlaceKind


@dataclass(frozen=True)
class Sensor:
    """A reader or camera of the site, as the rules see it: its id (the read point named
    in observations) and how many seconds it may be silent before it counts as offline.
    The configuration adapter's reader and camera types extend it with how to reach it."""

    id: str
    heartbeat: float = 30.0


@dataclass(frozen=True)
class DoorConfig:
    """A door and the ids of the readers and camera that watch it: the UHF readers of its
    inner and outer zones, its badge readers. The gateway's door logic and the device
    scope of a gateway are both read from it."""

    door: Door
    inner_readers: tuple[str, ...] = ()
    outer_readers: tuple[str, ...] = ()
    badge_readers: tuple[str, ...] = ()
    camera: str | None = None


@dataclass(frozen=True)
class SafeConfig:
    """A safe and the ids of the readers and camera that watch it."""

    place: Place
    readers: tuple[str, ...] = ()
    camera: str | None = None


@dataclass(frozen=True)
class DeskConfig:
    """A reading desk in the secure room (R16): its UHF readers see the carriers laid on
    it, its badge readers the reader's badge — a badge opens reading sessions for the
    top-secret carriers on the desk, the same badge again closes them."""

    id: str
    name: str
    room: str
    readers: tuple[str, ...] = ()
    badge_readers: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelConfig:
    """Label size and EPC identity settings."""

    width_mm: float = 60.0
    height_mm: float = 30.0
    gs1_company_prefix: str = "0614141"
    epc_filter: int = 0
    epc_scheme: str = "giai-96"
    printer: str | None = None


@dataclass(frozen=True)
class Policy:
    """Site policies the rules read."""

    transit_seconds: float = 120.0  # longest stay in a passage (R1)
    circulation_max_days: int = 31  # R4: circulation lasts at most a month
    declassification_notice_days: int = 30
    inventory_months: Mapping[str, int] = field(
        default_factory=lambda: {"top_secret": 1, "secret": 3, "confidential": 3, "internal": 6}
    )
    serial_prefix: str = "JM"
    leak_report_hours: float = 24.0  # R13: a leak from a computer is reported within 24 h
    escorts_for_top_secret: int = 2  # R6
    overdue_reminder_minutes: float = 60.0  # R4: a reminder, one step higher, this often
    overdue_check_minutes: float = 5.0  # how often the overdue run looks
    watch_seconds: float = 30.0  # how often silent readers and passage stays are checked
    handling_days: int = 3  # R18: working days to handle a top-secret receipt
    handling_remind_days: int = 1  # R18: reminders from this many working days before
    meeting_sweep_minutes: float = 15.0  # R17: a meeting room is swept this long after the end


@dataclass(frozen=True)
class Route:
    """Who is told about which alerts: alert types (``*`` for all) at or above a severity
    go to ``to`` — roles (``custodian``…), ``borrower``, ``person:<id>``, ``webhook:<id>``,
    or ``audience`` (the catalogue's default audience for the alert)."""

    types: frozenset[str]
    min_severity: str
    to: tuple[str, ...]

    def matches(self, alert_type: str, severity: str) -> bool:
        """True when this route covers an alert of ``alert_type`` and ``severity``."""
        order = ("info", "warning", "critical")
        type_ok = "*" in self.types or alert_type in self.types
        return type_ok and order.index(severity) >= order.index(self.min_severity)


@dataclass(frozen=True)
class Webhook:
    """A webhook receiver; its HMAC secret is read from the environment, never the file."""

    id: str
    url: str
    secret_env: str


@dataclass(frozen=True)
class NotificationConfig:
    """Channels and routes for alert notifications."""

    language: str = "zh"
    email_from: str = "tracker@localhost"
    smtp_url: str = ""  # smtp://host:port (or smtps://); empty = no email
    webhooks: tuple[Webhook, ...] = ()
    routes: tuple[Route, ...] = (Route(frozenset({"*"}), "info", ("audience",)),)
    max_attempts: int = 8


@dataclass(frozen=True)
class Site:
    """A whole validated site, as the services and rules read it (``readers`` and
    ``cameras`` as :class:`Sensor`; the configuration adapter's ``SiteConfig`` is this
    with every device's full configuration and the printers)."""

    id: str
    name: str
    places: tuple[Place, ...]
    doors: tuple[DoorConfig, ...]
    safes: tuple[SafeConfig, ...]
    readers: tuple[Sensor, ...]
    cameras: tuple[Sensor, ...]
    calendar: WorkingCalendar
    policy: Policy
    labels: LabelConfig
    notifications: NotificationConfig = NotificationConfig()
    source: str = ""
    desks: tuple[DeskConfig, ...] = ()  # reading desks (R16)

    def place(self, place_id: str) -> Place:
        """The place with ``place_id``; KeyError when unknown."""
        for p in self.places:
            if p.id == place_id:
                return p
        raise KeyError(place_id)

    def room_of(self, place_id: str) -> Place:
        """The room a place belongs to (the place itself for a room, the parent for a safe)."""
        p = self.place(place_id)
        return self.place(p.parent) if p.kind is PlaceKind.SAFE and p.parent else p
