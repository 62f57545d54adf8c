"""The site file: a TOML description of one site's places, doors, readers, cameras,
printers, working calendar and policies. :func:`load_site` validates it and names the
file and the key of every problem it finds, so an installer can fix them all at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker import protocols
from tracker.config import sections
from tracker.config.checks import ID, Problems, array, enum, level, positive, ref, refs, table
from tracker.config.desks import parse_desks
from tracker.config.devices import CameraConfig, PrinterConfig, ReaderConfig, SiteConfig, Smoothing
from tracker.config.outputs import parse_alarms, parse_outputs, parse_policy
from tracker.config.urls import check_device_url, check_printer_url
from tracker.domain.errors import ConfigError
from tracker.domain.model import Door, Place, PlaceKind, RoomKind
from tracker.domain.site import DoorConfig, SafeConfig

Claim = Callable[[str, int, Any], str | None]


def load_site(path: str | Path) -> SiteConfig:
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


def stored_site(text: str, source: str = "<database>") -> SiteConfig:
    """Parse the site text kept in the database (``tracker site load`` stores it)."""
    return parse_site(tomllib.loads(text), source)


def parse_site(data: Mapping[str, Any], source: str = "<site>") -> SiteConfig:
    """Validate the parsed TOML ``data`` of a site file."""
    probs = Problems(source)
    site_tab = table(data, "site", probs)
    site_id = str(site_tab.get("id", "site"))
    site_name = str(site_tab.get("name", site_id))
    ids: dict[str, str] = {}  # every place / door / device id -> the key that defined it

    def claim(kind: str, index: int, ident: Any) -> str | None:
        key = f"{kind}[{index}].id"
        if not isinstance(ident, str) or not ID.match(ident):
            probs.add(key, f"id {ident!r} must be 1-64 letters, digits, '-', '_' or '.'")
            return None
        if ident in ids:
            probs.add(key, f"duplicate id {ident!r} (already used by {ids[ident]})")
            return None
        ids[ident] = key
        return ident

    places: list[Place] = [Place(site_id, PlaceKind.SITE, site_name)]
    ids[site_id] = "site.id"

    for i, b in enumerate(array(data, "buildings", probs)):
        bid = claim("buildings", i, b.get("id"))
        if bid:
            places.append(Place(bid, PlaceKind.BUILDING, str(b.get("name", bid)), site_id))
    building_ids = {p.id for p in places if p.kind is PlaceKind.BUILDING}
    rooms = _rooms(data, probs, claim, site_id, building_ids)
    places.extend(rooms.values())

    readers = _readers(data, probs, claim)
    cameras = _cameras(data, probs, claim)
    points = {p for rd in readers for p in rd.read_points}
    known = _Known(probs, claim, rooms, points, {c.id for c in cameras})
    safes = _safes(data, known)
    places.extend(s.place for s in safes)
    doors = _doors(data, known)
    reads = {p: protocols.get(rd.protocol).reads for rd in readers for p in rd.read_points}
    desks = parse_desks(data, probs, claim, rooms, reads)

    printers = _printers(data, probs, claim)
    outputs = parse_outputs(data, probs, claim)
    alarms = parse_alarms(data, probs, outputs, {d.door.id: d.door.exit for d in doors})
    alarm_policy = parse_policy(data, probs)
    calendar = sections.calendar(table(data, "calendar", probs), probs)
    policy = sections.policy(table(data, "policy", probs), site_tab, probs)
    labels = sections.labels(table(data, "labels", probs), {p.id for p in printers}, probs)
    notifications = sections.notifications(table(data, "notifications", probs), probs)
    probs.raise_if_any()
    return SiteConfig(
        id=site_id,
        name=site_name,
        places=tuple(places),
        doors=tuple(doors),
        safes=tuple(safes),
        readers=tuple(readers),
        cameras=tuple(cameras),
        printers=tuple(printers),
        outputs=tuple(outputs),
        alarms=tuple(alarms),
        alarm_policy=alarm_policy,
        calendar=calendar,
        policy=policy,
        labels=labels,
        notifications=notifications,
        source=source,
        desks=tuple(desks),
    )


def _rooms(
    data: Mapping[str, Any], probs: Problems, claim: Claim, site_id: str, building_ids: set[str]
) -> dict[str, Place]:
    rooms: dict[str, Place] = {}
    for i, r in enumerate(array(data, "rooms", probs)):
        rid = claim("rooms", i, r.get("id"))
        kind = enum(RoomKind, r.get("kind", "office"), f"rooms[{i}].kind", probs)
        building = r.get("building")
        if kind is not RoomKind.OUTSIDE and building not in building_ids:
            probs.add(f"rooms[{i}].building", f"unknown building {building!r}")
        max_level = level(r.get("max_level"), f"rooms[{i}].max_level", probs)
        if kind is RoomKind.OUTSIDE and max_level is not None:
            probs.add(f"rooms[{i}].max_level", "the outside allows no level; leave it out")
        if rid and kind:
            parent = building if kind is not RoomKind.OUTSIDE else site_id
            rooms[rid] = Place(
                rid, PlaceKind.ROOM, str(r.get("name", rid)), parent, max_level, kind
            )
    return rooms


@dataclass(frozen=True)
class _Known:
    """What safes and doors refer to: rooms, the readers' read points, cameras."""

    probs: Problems
    claim: Claim
    rooms: Mapping[str, Place]
    points: set[str]
    cameras: set[str]


def _safes(data: Mapping[str, Any], known: _Known) -> list[SafeConfig]:
    probs, claim, rooms = known.probs, known.claim, known.rooms
    points, camera_ids = known.points, known.cameras
    safes: list[SafeConfig] = []
    for i, s in enumerate(array(data, "safes", probs)):
        sid = claim("safes", i, s.get("id"))
        room_id = s.get("room")
        home = rooms.get(room_id) if isinstance(room_id, str) else None
        if home is None:
            probs.add(f"safes[{i}].room", f"unknown room {room_id!r}")
        lvl = level(s.get("max_level"), f"safes[{i}].max_level", probs)
        top = home.max_level if home is not None else None
        if lvl is not None and top is not None and lvl > top:
            probs.add(
                f"safes[{i}].max_level",
                f"{lvl.value} is above its room's highest level {top.value}",
            )
        srd = refs(s.get("readers", []), points, f"safes[{i}].readers", "reader", probs)
        cam = ref(s.get("camera"), camera_ids, f"safes[{i}].camera", "camera", probs)
        if sid and home is not None:
            name = str(s.get("name", sid))
            place = Place(sid, PlaceKind.SAFE, name, home.id, lvl or home.max_level, None)
            safes.append(SafeConfig(place, srd, cam))
    return safes


def _doors(data: Mapping[str, Any], known: _Known) -> list[DoorConfig]:
    probs, claim, rooms = known.probs, known.claim, known.rooms
    points, camera_ids = known.points, known.cameras
    doors: list[DoorConfig] = []
    for i, d in enumerate(array(data, "doors", probs)):
        did = claim("doors", i, d.get("id"))
        sides: list[Any] = []
        for side in ("inner", "outer"):
            val = d.get(side)
            if val not in rooms:
                probs.add(f"doors[{i}].{side}", f"unknown room {val!r}")
            sides.append(val)
        if sides[0] == sides[1] and sides[0] is not None:
            probs.add(f"doors[{i}]", "inner and outer are the same room")
        key = f"doors[{i}]"
        inner_r, outer_r, badge_r = (
            refs(d.get(f"{zone}_readers", []), points, f"{key}.{zone}_readers", "reader", probs)
            for zone in ("inner", "outer", "badge")
        )
        cam = ref(d.get("camera"), camera_ids, f"{key}.camera", "camera", probs)
        if did and sides[0] in rooms and sides[1] in rooms:
            outer_room = rooms[sides[1]]
            exit_door = bool(d.get("exit", outer_room.room_kind is RoomKind.OUTSIDE))
            door = Door(did, str(d.get("name", did)), sides[0], sides[1], exit_door)
            doors.append(DoorConfig(door, inner_r, outer_r, badge_r, cam))
    return doors


#: Keys of a ``[[readers]]`` table every protocol shares; the rest are the protocol's own.
READER_KEYS = frozenset(
    {"id", "protocol", "url", "heartbeat", "smoothing", "baudrate", "rssi_offset"}
)


def _readers(data: Mapping[str, Any], probs: Problems, claim: Claim) -> list[ReaderConfig]:
    out: list[ReaderConfig] = []
    known = protocols.names()
    points: dict[str, str] = {}  # read point -> the reader that reports it
    for i, r in enumerate(array(data, "readers", probs)):
        key = f"readers[{i}]"
        rid = claim("readers", i, r.get("id"))
        name = r.get("protocol")
        proto = protocols.get(name) if isinstance(name, str) and name in known else None
        if proto is None:
            probs.add(
                f"{key}.protocol",
                f"unknown protocol {name!r} (expected one of {', '.join(known)})",
            )
        url = str(r.get("url", ""))
        why = (proto.check_url if proto is not None else check_device_url)(url)
        if why:
            probs.add(f"{key}.url", f"malformed URL {url!r}: {why}")
        smoothing = _smoothing(r.get("smoothing", {}), f"{key}.smoothing", probs)
        heartbeat = positive(r.get("heartbeat", 30), f"{key}.heartbeat", probs)
        baudrate = r.get("baudrate")
        if baudrate is not None and (not isinstance(baudrate, int) or baudrate <= 0):
            probs.add(f"{key}.baudrate", f"must be a whole number of bits/s, not {baudrate!r}")
            baudrate = None
        offset = r.get("rssi_offset", 0)
        if isinstance(offset, bool) or not isinstance(offset, int | float) or abs(offset) > 60:
            probs.add(
                f"{key}.rssi_offset", f"must be a number of dB from -60 to 60, not {offset!r}"
            )
            offset = 0
        if not (rid and proto is not None and not why):
            continue
        cfg = ReaderConfig(
            id=rid,
            protocol=proto.name,
            url=url,
            heartbeat=heartbeat,
            smoothing=smoothing,
            baudrate=baudrate,
            rssi_offset=float(offset),
        )
        if proto.configure is not None:
            extra = {k: v for k, v in r.items() if k not in READER_KEYS}
            cfg = proto.configure(cfg, extra, _problem_at(probs, key))
        for point in cfg.read_points:
            if point in points and points[point] != rid:
                probs.add(key, f"read point {point!r} is already reported by {points[point]!r}")
            points[point] = rid
        out.append(cfg)
    return out


def _problem_at(probs: Problems, key: str) -> Callable[[str, str], None]:
    def problem(sub: str, message: str) -> None:
        probs.add(f"{key}.{sub}", message)

    return problem


def _smoothing(value: Any, key: str, probs: Problems) -> Smoothing:
    if not isinstance(value, Mapping):
        return Smoothing()
    try:
        return Smoothing(
            int(value.get("k", 2)),
            float(value.get("window", 1.0)),
            float(value.get("absent_after", 2.0)),
        )
    except (TypeError, ValueError, ConfigError):
        probs.add(key, "k >= 1, window > 0, absent_after > 0")
        return Smoothing()


def _cameras(data: Mapping[str, Any], probs: Problems, claim: Claim) -> list[CameraConfig]:
    out = []
    for i, c in enumerate(array(data, "cameras", probs)):
        cid = claim("cameras", i, c.get("id"))
        source = str(c.get("source", ""))
        if not source:
            probs.add(f"cameras[{i}].source", "a camera needs a source (index, file or URL)")
        mode = c.get("mode", "toggle")
        if mode not in ("in", "out", "toggle"):
            probs.add(f"cameras[{i}].mode", f"unknown mode {mode!r} (in, out or toggle)")
        fps = positive(c.get("fps", 15), f"cameras[{i}].fps", probs)
        hb = positive(c.get("heartbeat", 30), f"cameras[{i}].heartbeat", probs)
        if cid and source:
            out.append(CameraConfig(id=cid, source=source, fps=fps, heartbeat=hb, mode=str(mode)))
    return out


def _printers(data: Mapping[str, Any], probs: Problems, claim: Claim) -> list[PrinterConfig]:
    out = []
    for i, p in enumerate(array(data, "printers", probs)):
        pid = claim("printers", i, p.get("id"))
        url = str(p.get("url", ""))
        why = check_printer_url(url)
        if why:
            probs.add(f"printers[{i}].url", f"malformed URL {url!r} ({why})")
        fmt = p.get("format", "zpl")
        if fmt not in ("zpl", "pdf", "png"):
            probs.add(f"printers[{i}].format", f"unknown format {fmt!r} (zpl, pdf or png)")
        if pid:
            out.append(PrinterConfig(pid, url, str(fmt)))
    return out
