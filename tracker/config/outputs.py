"""Alarm outputs in the site file: relay boards (``[[outputs]]``), the alarm of a door
(``[doors.alarm]`` under its ``[[doors]]`` table) and the site's alarm settings
(``[alarms]``).

An output is a relay board reached by URL and spoken to in a protocol registered in
:mod:`tracker.protocols.outputs` (``lcus``: the CH340 USB relay modules; ``modbus``: a
Modbus RTU coil board). A door's alarm names the board and the relay channels of its
stack light and buzzer, the light's pattern, how long the buzzer sounds and when the
alarm goes off by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tracker.config.checks import Problems, array, positive, table
from tracker.config.urls import check_device_url
from tracker.domain.evidence import AlarmPolicy

PATTERNS = ("steady", "flashing")


@dataclass(frozen=True, kw_only=True)
class OutputConfig:
    """A relay board: its protocol (a name in :mod:`tracker.protocols.outputs`), the URL
    of its line, how many relays it has and how long it may fail to answer before it is
    offline (a write-only board is judged by its line alone)."""

    id: str
    protocol: str
    url: str
    baudrate: int | None = None  # None: the protocol's usual speed
    channels: int = 1
    heartbeat: float = 10.0
    #: Protocol-specific settings (Modbus: ``unit``, ``coil_base``).
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class DoorAlarm:
    """The sound-and-light alarm (声光报警) of one door.

    ``light`` are the relay channels of the stack light, lit ``steady`` or ``flashing``
    (on and off every ``flash_seconds``); ``buzzer`` the buzzer's channel, sounding for
    ``buzzer_seconds`` (0: as long as the light). The alarm goes off when its alert is
    acknowledged or after ``off_after`` seconds (0: only when acknowledged).
    ``unknown_tags``: an unregistered tag at the outer zone alarms too.
    """

    door: str
    output: str
    light: tuple[int, ...] = (1,)
    buzzer: int | None = None
    pattern: str = "flashing"
    flash_seconds: float = 0.5
    buzzer_seconds: float = 10.0
    off_after: float = 300.0
    unknown_tags: bool = False

    @property
    def channels(self) -> tuple[int, ...]:
        """Every relay channel the alarm drives."""
        return self.light + ((self.buzzer,) if self.buzzer is not None else ())


Claim = Callable[[str, int, Any], str | None]

#: Keys of an ``[[outputs]]`` table every protocol shares; the rest are the protocol's own.
OUTPUT_KEYS = frozenset({"id", "protocol", "url", "baudrate", "channels", "heartbeat"})


def parse_outputs(data: Mapping[str, Any], probs: Problems, claim: Claim) -> list[OutputConfig]:
    """The ``[[outputs]]`` tables."""
    from tracker.protocols import outputs as registry

    out: list[OutputConfig] = []
    known = registry.names()
    for i, o in enumerate(array(data, "outputs", probs)):
        key = f"outputs[{i}]"
        oid = claim("outputs", i, o.get("id"))
        name = o.get("protocol")
        proto = registry.get(name) if isinstance(name, str) and name in known else None
        if proto is None:
            probs.add(
                f"{key}.protocol", f"unknown protocol {name!r} (expected one of {', '.join(known)})"
            )
        url = str(o.get("url", ""))
        why = check_device_url(url)
        if why:
            probs.add(f"{key}.url", f"malformed URL {url!r}: {why}")
        channels = o.get("channels", 1)
        top = proto.max_channels if proto is not None else 256
        if not isinstance(channels, int) or not 1 <= channels <= top:
            probs.add(f"{key}.channels", f"must be a whole number of relays, 1-{top}")
            channels = 1
        baudrate = o.get("baudrate")
        if baudrate is not None and (not isinstance(baudrate, int) or baudrate <= 0):
            probs.add(f"{key}.baudrate", f"must be a whole number of bits/s, not {baudrate!r}")
            baudrate = None
        heartbeat = positive(o.get("heartbeat", 10), f"{key}.heartbeat", probs)
        if not (oid and proto is not None and not why):
            continue
        cfg = OutputConfig(
            id=oid,
            protocol=proto.name,
            url=url,
            baudrate=baudrate,
            channels=channels,
            heartbeat=heartbeat,
        )
        extra = {k: v for k, v in o.items() if k not in OUTPUT_KEYS}
        cfg = proto.configure(cfg, extra, _problem_at(probs, key))
        out.append(cfg)
    return out


def parse_alarms(
    data: Mapping[str, Any],
    probs: Problems,
    outputs: list[OutputConfig],
    exits: Mapping[str, bool],
) -> list[DoorAlarm]:
    """The ``alarm`` table of each ``[[doors]]`` entry; ``exits`` maps door ids to
    whether the door leads out of the building (the default for ``unknown_tags``)."""
    by_id = {o.id: o for o in outputs}
    doors = data.get("doors", [])
    alarms: list[DoorAlarm] = []
    used: dict[tuple[str, int], str] = {}
    for i, d in enumerate(doors if isinstance(doors, list) else []):
        if not isinstance(d, Mapping) or "alarm" not in d:
            continue
        key = f"doors[{i}].alarm"
        a = d["alarm"]
        door = d.get("id")
        if not isinstance(a, Mapping):
            probs.add(key, "must be a table ([doors.alarm])")
            continue
        unknown = set(a) - {
            "output",
            "light",
            "buzzer",
            "pattern",
            "flash_seconds",
            "buzzer_seconds",
            "off_after",
            "unknown_tags",
        }
        for k in sorted(unknown):
            probs.add(f"{key}.{k}", "unknown key")
        board = by_id.get(str(a.get("output")))
        if board is None:
            probs.add(f"{key}.output", f"unknown output {a.get('output')!r}")
        light = a.get("light", [1])
        light = [light] if isinstance(light, int) else light
        buzzer = a.get("buzzer")
        channels = [*light, *([buzzer] if buzzer is not None else [])]
        if not isinstance(light, list) or not all(isinstance(c, int) for c in channels):
            probs.add(key, "light and buzzer are relay numbers (1, 2, …)")
            continue
        for c in channels:
            if board is not None and not 1 <= c <= board.channels:
                probs.add(key, f"relay {c} is not on {board.id} (relays 1-{board.channels})")
            elif board is not None and (board.id, c) in used:
                probs.add(key, f"relay {c} of {board.id} is already used by {used[board.id, c]}")
            elif board is not None:
                used[board.id, c] = str(door)
        pattern = a.get("pattern", "flashing")
        if pattern not in PATTERNS:
            probs.add(f"{key}.pattern", f"unknown pattern {pattern!r} (steady or flashing)")
        flash = positive(a.get("flash_seconds", 0.5), f"{key}.flash_seconds", probs)
        buzz = _seconds(a.get("buzzer_seconds", 10), f"{key}.buzzer_seconds", probs)
        off_after = _seconds(a.get("off_after", 300), f"{key}.off_after", probs)
        unknown_tags = a.get("unknown_tags", exits.get(str(door), False))
        if not isinstance(unknown_tags, bool):
            probs.add(f"{key}.unknown_tags", "must be true or false")
            unknown_tags = False
        if board is None or door not in exits:
            continue
        alarms.append(
            DoorAlarm(
                str(door),
                board.id,
                tuple(light),
                buzzer,
                str(pattern),
                flash,
                buzz,
                off_after,
                unknown_tags,
            )
        )
    return alarms


def parse_policy(data: Mapping[str, Any], probs: Problems) -> AlarmPolicy:
    """The ``[alarms]`` table."""
    tab = table(data, "alarms", probs)
    base = AlarmPolicy()
    stills = tab.get("stills", base.stills)
    if not isinstance(stills, int) or not 0 <= stills <= 5:
        probs.add("alarms.stills", "must be 0-5 stills an alarm")
        stills = base.stills
    days = tab.get("evidence_days", base.evidence_days)
    if not isinstance(days, int) or days < 0:
        probs.add("alarms.evidence_days", "must be a whole number of days (0: keep for ever)")
        days = base.evidence_days
    return AlarmPolicy(
        positive(tab.get("table_max_age", base.table_max_age), "alarms.table_max_age", probs),
        stills,
        positive(tab.get("still_spacing", base.still_spacing), "alarms.still_spacing", probs),
        days,
    )


def _problem_at(probs: Problems, key: str) -> Callable[[str, str], None]:
    def problem(sub: str, message: str) -> None:
        probs.add(f"{key}.{sub}", message)

    return problem


def _seconds(value: Any, key: str, probs: Problems) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        probs.add(key, f"must be a number of seconds >= 0, not {value!r}")
        return 0.0
    return float(value)
