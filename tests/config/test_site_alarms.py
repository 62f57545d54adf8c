"""The site file's alarm outputs: [[outputs]], [doors.alarm] and [alarms], and every
mistake named with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tracker.config import parse_site
from tracker.domain.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"

ALARMS = """
[alarms]
table_max_age = 600
stills = 2
evidence_days = 90

[[outputs]]
id = "relay-secure"
protocol = "modbus"
url = "/dev/serial/by-id/usb-rs485"
channels = 4
unit = 3

[[outputs]]
id = "relay-exit"
protocol = "lcus"
url = "/dev/serial/by-id/usb-1a86_USB_Serial"
"""


def site_with(extra: str, door_alarm: str) -> dict:  # type: ignore[type-arg]
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8") + extra)
    data["doors"][0]["alarm"] = tomllib.loads(door_alarm)
    return data


def test_outputs_and_a_door_alarm_are_read() -> None:
    site = parse_site(
        site_with(
            ALARMS,
            'output = "relay-secure"\nlight = [1, 2]\nbuzzer = 3\npattern = "flashing"\n'
            "buzzer_seconds = 5\noff_after = 0\n",
        )
    )
    (modbus, lcus) = site.outputs
    assert modbus.protocol == "modbus" and modbus.channels == 4 and modbus.options["unit"] == 3
    assert lcus.protocol == "lcus" and lcus.channels == 1
    alarm = site.alarm("door-secure")
    assert alarm is not None and alarm.light == (1, 2) and alarm.buzzer == 3
    assert alarm.off_after == 0 and alarm.unknown_tags is False  # not an exit door
    assert site.alarm_policy.table_max_age == 600 and site.alarm_policy.stills == 2


def test_every_mistake_is_named_with_its_key() -> None:
    bad = ALARMS.replace('protocol = "lcus"', 'protocol = "x10"').replace("unit = 3", "unit = 0")
    with pytest.raises(ConfigError) as err:
        parse_site(
            site_with(
                bad + "\n", 'output = "relay-secure"\nlight = 5\npattern = "disco"\nvolume = 3\n'
            )
        )
    text = str(err.value)
    assert "outputs[1].protocol: unknown protocol 'x10'" in text
    assert "outputs[0].unit" in text
    assert "doors[0].alarm: relay 5 is not on relay-secure (relays 1-4)" in text
    assert "doors[0].alarm.pattern: unknown pattern 'disco'" in text
    assert "doors[0].alarm.volume: unknown key" in text


def test_an_alarm_on_an_unknown_output_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"doors\[0\]\.alarm\.output: unknown output 'nope'"):
        parse_site(site_with(ALARMS, 'output = "nope"\n'))
