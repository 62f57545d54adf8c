"""The site file: a TOML description of one site's places, doors, readers, cameras,
printers, working calendar and policies. ``load_site`` validates it and names the
file and the key of every problem it finds, so an installer can fix them all at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.domain.calendar import WEEKDAYS, WorkingCalendar
from tracker.domain.errors import ConfigError, InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import Door, Place, PlaceKind, RoomKind

READER_PROTOCOLS = ("m100", "em4100", "em4100-decimal")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_URL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "sim")


@dataclass(frozen=True)
class Smoothing:
    """Read smoothing of one reader: present after ``k`` reads within ``window`` seconds,
    absent after ``absent_after`` seconds without reads."""

    k: int = 2
    window: float = 1.0
    absent_after: float = 2.0


@dataclass(frozen=True)
class ReaderConfig:
    """A serial RFID or badge reader."""

    id: str
    protocol: str
    url: str
    heartbeat: float = 30.0  # seconds of silence before "reader offline"
    smoothing: Smoothing = Smoothing()


@dataclass(frozen=True)
class CameraConfig:
    """A barcode camera: a device index, a file, a folder or a stream URL."""

    id: str
    source: str
    fps: float = 15.0
    heartbeat: float = 30.0
    mode: str = "toggle"  # at a safe: in / out / toggle


@dataclass(frozen=True)
class PrinterConfig:
    """A label printer: ``tcp://host:9100`` (ZPL), ``file:///dir``, ``cups://QUEUE``."""

    id: str
    url: str
    format: str = "zpl"  # zpl / pdf / png


@dataclass(frozen=True)
class DoorConfig:
    """A door and the hardware that watches it."""

    door: Door
    inner_readers: tuple[str, ...] = ()
    outer_readers: tuple[str, ...] = ()
    badge_readers: tuple[str, ...] = ()
    camera: str | None = None


@dataclass(frozen=True)
class SafeConfig:
    """A safe and the reader / camera that watches it."""

    place: Place
    readers: tuple[str, ...] = ()
    camera: str | None = None


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
    """A whole validated site."""

    id: str
    name: str
    places: tuple[Place, ...]
    doors: tuple[DoorConfig, ...]
    safes: tuple[SafeConfig, ...]
    readers: tuple[ReaderConfig, ...]
    cameras: tuple[CameraConfig, ...]
    printers: tuple[PrinterConfig, ...]
    calendar: WorkingCalendar
    policy: Policy
    labels: LabelConfig
    notifications: NotificationConfig = NotificationConfig()
    source: str = ""

    def place(self, place_id: str) -> Place:
        """The place with ``place_id``; KeyError when unknown."""
        for p in self.places:
            if p.id == place_id:
                return p
        raise KeyError(place_id)

    def reader(self, reader_id: str) -> ReaderConfig:
        """The reader with ``reader_id``; KeyError when unknown."""
        for r in self.readers:
            if r.id == reader_id:
                return r
        raise KeyError(reader_id)

    def room_of(self, place_id: str) -> Place:
        """The room a place belongs to (the place itself for a room, the parent for a safe)."""
        p = self.place(place_id)
        return self.place(p.parent) if p.kind is PlaceKind.SAFE and p.parent else p


class _Problems:
    """Collects every problem found, then raises them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{self.source}: {key}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(
                "invalid site file:\n  " + "\n  ".join(self.items),
                zh="站点文件有误：\n  " + "\n  ".join(self.items),
            )


def load_site(path: str | Path) -> Site:
    """Read and validate a site file; raise ConfigError listing every problem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read site file {p}: {exc.strerror}", zh=f"无法读取站点文件 {p}：{exc.strerror}"
        ) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{p}: not valid TOML: {exc}", zh=f"{p}：不是有效的 TOML 文件：{exc}"
        ) from exc
    return parse_site(data, source=str(p))


def parse_site(data: Mapping[str, Any], source: str = "<site>") -> Site:
    """Validate the parsed TOML ``data`` of a site file."""
    probs = _Problems(source)
    site_tab = _table(data, "site", probs)
    site_id = str(site_tab.get("id", "site"))
    site_name = str(site_tab.get("name", site_id))
    ids: dict[str, str] = {}  # every place / door / device id -> the key that defined it

    def claim(kind: str, index: int, ident: Any) -> str | None:
        key = f"{kind}[{index}].id"
        if not isinstance(ident, str) or not _ID.match(ident):
            probs.add(key, f"id {ident!r} must be 1-64 letters, digits, '-', '_' or '.'")
            return None
        if ident in ids:
            probs.add(key, f"duplicate id {ident!r} (already used by {ids[ident]})")
            return None
        ids[ident] = key
        return ident

    places: list[Place] = [Place(site_id, PlaceKind.SITE, site_name)]
    ids[site_id] = "site.id"

    for i, b in enumerate(_array(data, "buildings", probs)):
        bid = claim("buildings", i, b.get("id"))
        if bid:
            places.append(Place(bid, PlaceKind.BUILDING, str(b.get("name", bid)), site_id))
    building_ids = {p.id for p in places if p.kind is PlaceKind.BUILDING}

    rooms: dict[str, Place] = {}
    for i, r in enumerate(_array(data, "rooms", probs)):
        rid = claim("rooms", i, r.get("id"))
        kind = _enum(RoomKind, r.get("kind", "office"), f"rooms[{i}].kind", probs)
        building = r.get("building")
        if kind is not RoomKind.OUTSIDE and building not in building_ids:
            probs.add(f"rooms[{i}].building", f"unknown building {building!r}")
        max_level = _level(r.get("max_level"), f"rooms[{i}].max_level", probs)
        if kind is RoomKind.OUTSIDE and max_level is not None:
            probs.add(f"rooms[{i}].max_level", "the outside allows no level; leave it out")
        if rid and kind:
            parent = building if kind is not RoomKind.OUTSIDE else site_id
            room = Place(rid, PlaceKind.ROOM, str(r.get("name", rid)), parent, max_level, kind)
            rooms[rid] = room
            places.append(room)

    readers = _readers(data, probs, claim)
    reader_ids = {rd.id for rd in readers}
    cameras = _cameras(data, probs, claim)
    camera_ids = {c.id for c in cameras}

    safes: list[SafeConfig] = []
    for i, s in enumerate(_array(data, "safes", probs)):
        sid = claim("safes", i, s.get("id"))
        room_id = s.get("room")
        home = rooms.get(room_id) if isinstance(room_id, str) else None
        if home is None:
            probs.add(f"safes[{i}].room", f"unknown room {room_id!r}")
        level = _level(s.get("max_level"), f"safes[{i}].max_level", probs)
        top = home.max_level if home is not None else None
        if level is not None and top is not None and level > top:
            probs.add(
                f"safes[{i}].max_level",
                f"{level.value} is above its room's highest level {top.value}",
            )
        srd = _refs(s.get("readers", []), reader_ids, f"safes[{i}].readers", "reader", probs)
        cam = _ref(s.get("camera"), camera_ids, f"safes[{i}].camera", "camera", probs)
        if sid and home is not None:
            place = Place(
                sid,
                PlaceKind.SAFE,
                str(s.get("name", sid)),
                home.id,
                level or home.max_level,
                None,
            )
            places.append(place)
            safes.append(SafeConfig(place, srd, cam))

    doors: list[DoorConfig] = []
    for i, d in enumerate(_array(data, "doors", probs)):
        did = claim("doors", i, d.get("id"))
        sides = []
        for side in ("inner", "outer"):
            val = d.get(side)
            if val not in rooms:
                probs.add(f"doors[{i}].{side}", f"unknown room {val!r}")
            sides.append(val)
        if sides[0] == sides[1] and sides[0] is not None:
            probs.add(f"doors[{i}]", "inner and outer are the same room")
        key = f"doors[{i}]"
        inner_r = _refs(
            d.get("inner_readers", []), reader_ids, f"{key}.inner_readers", "reader", probs
        )
        outer_r = _refs(
            d.get("outer_readers", []), reader_ids, f"{key}.outer_readers", "reader", probs
        )
        badge_r = _refs(
            d.get("badge_readers", []), reader_ids, f"{key}.badge_readers", "reader", probs
        )
        cam = _ref(d.get("camera"), camera_ids, f"{key}.camera", "camera", probs)
        if did and sides[0] in rooms and sides[1] in rooms:
            outer_room = rooms[sides[1]]
            exit_door = bool(d.get("exit", outer_room.room_kind is RoomKind.OUTSIDE))
            door = Door(did, str(d.get("name", did)), sides[0], sides[1], exit_door)
            doors.append(DoorConfig(door, inner_r, outer_r, badge_r, cam))

    printers = _printers(data, probs, claim)
    calendar = _calendar(_table(data, "calendar", probs), probs)
    policy = _policy(_table(data, "policy", probs), site_tab, probs)
    labels = _labels(_table(data, "labels", probs), {p.id for p in printers}, probs)
    notifications = _notifications(_table(data, "notifications", probs), probs)
    probs.raise_if_any()
    return Site(
        id=site_id,
        name=site_name,
        places=tuple(places),
        doors=tuple(doors),
        safes=tuple(safes),
        readers=tuple(readers),
        cameras=tuple(cameras),
        printers=tuple(printers),
        calendar=calendar,
        policy=policy,
        labels=labels,
        notifications=notifications,
        source=source,
    )


def _table(data: Mapping[str, Any], key: str, probs: _Problems) -> Mapping[str, Any]:
    val = data.get(key, {})
    if not isinstance(val, Mapping):
        probs.add(key, "must be a table")
        return {}
    return val


def _array(data: Mapping[str, Any], key: str, probs: _Problems) -> list[Mapping[str, Any]]:
    val = data.get(key, [])
    if not isinstance(val, list) or not all(isinstance(x, Mapping) for x in val):
        probs.add(key, f"must be an array of tables ([[{key}]])")
        return []
    return val


def _level(value: Any, key: str, probs: _Problems) -> Level | None:
    if value is None:
        return None
    try:
        return Level.parse(str(value), key)
    except InvalidInput:
        names = ", ".join(lv.value for lv in Level)
        probs.add(key, f"unknown level {value!r} (expected one of {names})")
        return None


def _enum(cls: Any, value: Any, key: str, probs: _Problems) -> Any:
    try:
        return cls(value)
    except ValueError:
        names = ", ".join(m.value for m in cls)
        probs.add(key, f"unknown value {value!r} (expected one of {names})")
        return None


def _ref(value: Any, known: set[str], key: str, what: str, probs: _Problems) -> str | None:
    if value is None:
        return None
    if value not in known:
        probs.add(key, f"unknown {what} {value!r}")
        return None
    return str(value)


def _refs(values: Any, known: set[str], key: str, what: str, probs: _Problems) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        probs.add(key, f"must be a list of {what} ids")
        return ()
    out = []
    for v in values:
        r = _ref(v, known, key, what, probs)
        if r:
            out.append(r)
    return tuple(out)


def check_device_url(url: str) -> str | None:
    """Return why ``url`` is not a usable serial device URL, or None when it is."""
    if not url:
        return "the URL is empty"
    if url.startswith("/"):
        return None
    m = re.match(r"^([a-z0-9+]+)://(.*)$", url)
    if not m:
        return "expected a device path (/dev/...) or scheme://host:port"
    scheme, rest = m.groups()
    if scheme not in _URL_SCHEMES:
        return f"unknown scheme {scheme!r} (expected one of {', '.join(_URL_SCHEMES)})"
    if scheme in ("socket", "rfc2217"):
        hm = re.match(r"^([^:/?#]+):(\d{1,5})(?:[/?].*)?$", rest)
        if not hm or not 0 < int(hm.group(2)) < 65536:
            return f"{scheme}:// needs host:port"
    return None


def _readers(data: Mapping[str, Any], probs: _Problems, claim: Any) -> list[ReaderConfig]:
    out = []
    for i, r in enumerate(_array(data, "readers", probs)):
        rid = claim("readers", i, r.get("id"))
        proto = r.get("protocol")
        if proto not in READER_PROTOCOLS:
            probs.add(
                f"readers[{i}].protocol",
                f"unknown protocol {proto!r} (expected one of {', '.join(READER_PROTOCOLS)})",
            )
        url = str(r.get("url", ""))
        why = check_device_url(url)
        if why:
            probs.add(f"readers[{i}].url", f"malformed URL {url!r}: {why}")
        sm = r.get("smoothing", {})
        smoothing = Smoothing()
        if isinstance(sm, Mapping):
            try:
                smoothing = Smoothing(
                    int(sm.get("k", 2)),
                    float(sm.get("window", 1.0)),
                    float(sm.get("absent_after", 2.0)),
                )
                if smoothing.k < 1 or smoothing.window <= 0 or smoothing.absent_after <= 0:
                    raise ValueError
            except (TypeError, ValueError):
                probs.add(f"readers[{i}].smoothing", "k >= 1, window > 0, absent_after > 0")
        heartbeat = _positive(r.get("heartbeat", 30), f"readers[{i}].heartbeat", probs)
        if rid and proto in READER_PROTOCOLS and not why:
            out.append(ReaderConfig(rid, str(proto), url, heartbeat, smoothing))
    return out


def _positive(value: Any, key: str, probs: _Problems) -> float:
    try:
        f = float(value)
        if f <= 0:
            raise ValueError
        return f
    except (TypeError, ValueError):
        probs.add(key, f"must be a positive number of seconds, not {value!r}")
        return 1.0


def _cameras(data: Mapping[str, Any], probs: _Problems, claim: Any) -> list[CameraConfig]:
    out = []
    for i, c in enumerate(_array(data, "cameras", probs)):
        cid = claim("cameras", i, c.get("id"))
        source = str(c.get("source", ""))
        if not source:
            probs.add(f"cameras[{i}].source", "a camera needs a source (index, file or URL)")
        mode = c.get("mode", "toggle")
        if mode not in ("in", "out", "toggle"):
            probs.add(f"cameras[{i}].mode", f"unknown mode {mode!r} (in, out or toggle)")
        fps = _positive(c.get("fps", 15), f"cameras[{i}].fps", probs)
        hb = _positive(c.get("heartbeat", 30), f"cameras[{i}].heartbeat", probs)
        if cid and source:
            out.append(CameraConfig(cid, source, fps, hb, str(mode)))
    return out


def _printers(data: Mapping[str, Any], probs: _Problems, claim: Any) -> list[PrinterConfig]:
    out = []
    for i, p in enumerate(_array(data, "printers", probs)):
        pid = claim("printers", i, p.get("id"))
        url = str(p.get("url", ""))
        if not re.match(r"^(tcp://[^:/]+:\d+|file://.+|cups://.+|sim)$", url):
            probs.add(
                f"printers[{i}].url",
                f"malformed URL {url!r} (tcp://host:9100, file:///dir, cups://QUEUE or sim)",
            )
        fmt = p.get("format", "zpl")
        if fmt not in ("zpl", "pdf", "png"):
            probs.add(f"printers[{i}].format", f"unknown format {fmt!r} (zpl, pdf or png)")
        if pid:
            out.append(PrinterConfig(pid, url, str(fmt)))
    return out


def _calendar(cal: Mapping[str, Any], probs: _Problems) -> WorkingCalendar:
    tz = str(cal.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        probs.add("calendar.timezone", f"unknown time zone {tz!r}")
        tz = "UTC"
    days = cal.get("workdays", ["mon", "tue", "wed", "thu", "fri"])
    workdays = set()
    for d in days if isinstance(days, list) else []:
        if d not in WEEKDAYS:
            probs.add("calendar.workdays", f"unknown weekday {d!r} (mon … sun)")
        else:
            workdays.add(WEEKDAYS.index(d))
    opens = _time(cal.get("opens", "08:30"), "calendar.opens", probs)
    closes = _time(cal.get("closes", "17:30"), "calendar.closes", probs)
    if opens >= closes:
        probs.add("calendar.closes", "close of business must be after opening time")
    return WorkingCalendar(
        timezone=tz,
        workdays=frozenset(workdays),
        opens=opens,
        closes=closes,
        holidays=frozenset(_dates(cal.get("holidays", []), "calendar.holidays", probs)),
        extra_workdays=frozenset(
            _dates(cal.get("extra_workdays", []), "calendar.extra_workdays", probs)
        ),
    )


def _time(value: Any, key: str, probs: _Problems) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        probs.add(key, f"not a time of day: {value!r} (write HH:MM)")
        return time(0, 0)


def _dates(values: Any, key: str, probs: _Problems) -> list[date]:
    out = []
    for v in values if isinstance(values, list) else [values]:
        if isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            probs.add(key, f"not a date: {v!r} (write YYYY-MM-DD)")
    return out


def _policy(pol: Mapping[str, Any], site_tab: Mapping[str, Any], probs: _Problems) -> Policy:
    base = Policy()
    prefix = str(site_tab.get("serial_prefix", base.serial_prefix))
    if not re.fullmatch(r"[A-Z]{1,6}", prefix):
        probs.add("site.serial_prefix", f"{prefix!r} must be 1-6 capital letters")
    months = dict(base.inventory_months)
    inv = pol.get("inventory_months", {})
    if isinstance(inv, Mapping):
        for k, v in inv.items():
            if k not in months:
                probs.add(f"policy.inventory_months.{k}", "unknown level")
            elif not isinstance(v, int) or v < 1:
                probs.add(f"policy.inventory_months.{k}", "must be a whole number of months >= 1")
            else:
                months[k] = v
    if months["top_secret"] > 1:
        probs.add("policy.inventory_months.top_secret", "R9: top secret is counted monthly")
    return Policy(
        transit_seconds=_positive(pol.get("transit_seconds", 120), "policy.transit_seconds", probs),
        circulation_max_days=int(pol.get("circulation_max_days", 31)),
        declassification_notice_days=int(pol.get("declassification_notice_days", 30)),
        inventory_months=months,
        serial_prefix=prefix,
        leak_report_hours=float(pol.get("leak_report_hours", 24)),
        escorts_for_top_secret=int(pol.get("escorts_for_top_secret", 2)),
        overdue_reminder_minutes=_positive(
            pol.get("overdue_reminder_minutes", 60), "policy.overdue_reminder_minutes", probs
        ),
        overdue_check_minutes=_positive(
            pol.get("overdue_check_minutes", 5), "policy.overdue_check_minutes", probs
        ),
        watch_seconds=_positive(pol.get("watch_seconds", 30), "policy.watch_seconds", probs),
    )


def _labels(lab: Mapping[str, Any], printer_ids: set[str], probs: _Problems) -> LabelConfig:
    prefix = str(lab.get("gs1_company_prefix", "0614141"))
    if not re.fullmatch(r"\d{6,12}", prefix):
        probs.add("labels.gs1_company_prefix", f"{prefix!r} must be 6-12 digits")
    filt = lab.get("epc_filter", 0)
    if not isinstance(filt, int) or not 0 <= filt <= 7:
        probs.add("labels.epc_filter", f"{filt!r} must be 0-7")
        filt = 0
    scheme = str(lab.get("epc_scheme", "giai-96"))
    if scheme not in ("giai-96", "giai-202"):
        probs.add("labels.epc_scheme", f"unknown scheme {scheme!r} (giai-96 or giai-202)")
    printer = lab.get("printer")
    if printer is not None and printer not in printer_ids:
        probs.add("labels.printer", f"unknown printer {printer!r}")
    size = []
    for key, default in (("width_mm", 60.0), ("height_mm", 30.0)):
        v = lab.get(key, default)
        if not isinstance(v, int | float) or not 10 <= v <= 300:
            probs.add(f"labels.{key}", f"{v!r} must be between 10 and 300 mm")
            v = default
        size.append(float(v))
    return LabelConfig(size[0], size[1], prefix, filt, scheme, printer)


_ALERT_TYPES = (
    "unauthorized_removal",
    "escort_missing",
    "overdue_borrow",
    "not_locked_away",
    "unknown_tag",
    "wrong_holder",
    "inventory_mismatch",
    "reader_offline",
    "declassification_due",
    "inventory_due",
    "loss_reported",
    "shielded_tag",
)
_ROLES = ("custodian", "officer", "approver", "staff", "borrower", "audience")


def _notifications(tab: Mapping[str, Any], probs: _Problems) -> NotificationConfig:
    base = NotificationConfig()
    lang = str(tab.get("language", "zh"))
    if lang not in ("zh", "en"):
        probs.add("notifications.language", f"{lang!r} must be zh or en")
    smtp = str(tab.get("smtp_url", ""))
    if smtp and not re.match(r"^smtps?://[^:/]+(:\d+)?/?$", smtp):
        probs.add("notifications.smtp_url", f"malformed URL {smtp!r} (smtp://host:port)")
    hooks = []
    for i, h in enumerate(_array(tab, "webhooks", probs)):
        hid, url = str(h.get("id", "")), str(h.get("url", ""))
        if not _ID.match(hid):
            probs.add(f"notifications.webhooks[{i}].id", f"invalid id {hid!r}")
        if not re.match(r"^https?://", url):
            probs.add(f"notifications.webhooks[{i}].url", f"malformed URL {url!r}")
        env = str(h.get("secret_env", ""))
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", env):
            probs.add(
                f"notifications.webhooks[{i}].secret_env",
                "name the environment variable holding the signing secret",
            )
        hooks.append(Webhook(hid, url, env))
    hook_ids = {h.id for h in hooks}
    routes = []
    for i, r in enumerate(_array(tab, "routes", probs)):
        key = f"notifications.routes[{i}]"
        types = r.get("types", ["*"])
        types = [types] if isinstance(types, str) else types
        for t in types:
            if t != "*" and t not in _ALERT_TYPES:
                probs.add(f"{key}.types", f"unknown alert type {t!r}")
        sev = str(r.get("min_severity", "info"))
        if sev not in ("info", "warning", "critical"):
            probs.add(f"{key}.min_severity", f"{sev!r} must be info, warning or critical")
            sev = "info"
        to = r.get("to", [])
        for t in to:
            kind, _, ident = str(t).partition(":")
            ok = (
                (not ident and kind in _ROLES)
                or (kind == "person" and ident)
                or (kind == "webhook" and ident in hook_ids)
            )
            if not ok:
                probs.add(f"{key}.to", f"unknown recipient {t!r}")
        routes.append(Route(frozenset(map(str, types)), sev, tuple(map(str, to))))
    attempts = tab.get("max_attempts", base.max_attempts)
    if not isinstance(attempts, int) or attempts < 1:
        probs.add("notifications.max_attempts", "must be a whole number >= 1")
        attempts = base.max_attempts
    return NotificationConfig(
        language=lang,
        email_from=str(tab.get("email_from", base.email_from)),
        smtp_url=smtp,
        webhooks=tuple(hooks),
        routes=tuple(routes) or base.routes,
        max_attempts=attempts,
    )
