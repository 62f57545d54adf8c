"""The [[readers]] lines of the LLRP, M100 and UHFReader18 protocols and the RSSI offset
every reader may have: what a valid line gives the driver, and what a wrong one says."""

from __future__ import annotations

import tomllib

import pytest

from tracker.config import parse_site
from tracker.domain.errors import ConfigError

BASE = """
[site]
id = "lab"
[[buildings]]
id = "b"
[[rooms]]
id = "inside"
building = "b"
max_level = "secret"
[[rooms]]
id = "hall"
building = "b"
kind = "passage"
max_level = "internal"
"""

PORTAL = """
[[doors]]
id = "door-1"
inner = "inside"
outer = "hall"
inner_readers = ["portal.in"]
outer_readers = ["portal.out"]
[[readers]]
id = "portal"
protocol = "llrp"
url = "llrp://192.0.2.10"
heartbeat = 15
antennas = { 1 = "portal.in", 2 = "portal.in", 3 = "portal.out", 4 = "portal.out" }
keepalive = 3
"""


def site(text: str):  # type: ignore[no-untyped-def]
    return parse_site(tomllib.loads(BASE + text), "site.toml")


def problems(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        site(text)
    return str(e.value)


def test_one_four_port_llrp_reader_serves_both_zones_of_a_door() -> None:
    s = site(PORTAL)
    (reader,) = s.readers
    assert reader.points == ("portal.in", "portal.out")
    assert dict(reader.options["antennas"]) == {
        1: "portal.in",
        2: "portal.in",
        3: "portal.out",
        4: "portal.out",
    }
    assert reader.options["keepalive"] == 3.0
    (door,) = s.doors
    assert (door.inner_readers, door.outer_readers) == (("portal.in",), ("portal.out",))
    assert set(s.smoothing()) == {"portal.in", "portal.out"}


def test_llrp_defaults_port_and_keepalive() -> None:
    text = PORTAL.replace("keepalive = 3\n", "").replace('"llrp://192.0.2.10"', '"llrp://r1:5084"')
    (reader,) = site(text).readers
    assert reader.options["keepalive"] == 5.0  # min(5, heartbeat / 3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"llrp://192.0.2.10"', '"/dev/ttyUSB0"'), "readers[0].url: malformed URL '/dev/ttyUSB0'"),
        (('"llrp://192.0.2.10"', '"llrp://host:99999"'), "expected llrp://host[:port]"),
        (("1 = ", "0 = "), "readers[0].antennas.0: an antenna is a port number from 1 to 64"),
        (('2 = "portal.in"', '2 = "bad name!"'), "readers[0].antennas.2: read point 'bad name!'"),
        (("keepalive = 3", "keepalive = 20"), "readers[0].keepalive: 20 s must be shorter than"),
        (("keepalive = 3", "power = 3"), "readers[0].power: unknown key for protocol 'llrp'"),
        (
            ('outer_readers = ["portal.out"]', 'outer_readers = ["portal.up"]'),
            "doors[0].outer_readers: unknown reader 'portal.up'",
        ),
    ],
)
def test_bad_llrp_lines_are_named(change: tuple[str, str], message: str) -> None:
    assert message in problems(PORTAL.replace(*change))


def test_two_readers_may_not_report_the_same_point() -> None:
    other = PORTAL.split("[[readers]]")[1].replace('id = "portal"', 'id = "portal-2"')
    assert "read point 'portal.in' is already reported by 'portal'" in problems(
        PORTAL + "[[readers]]" + other
    )


M100 = """
[[readers]]
id = "m1"
protocol = "m100"
url = "/dev/serial/by-id/usb-m100"
region = "cn920"
tx_power = 26
rssi_offset = 17
"""


def test_m100_region_power_and_rssi_offset() -> None:
    (reader,) = site(M100).readers
    assert dict(reader.options) == {"region": 0x01, "tx_power": 26.0}
    assert reader.rssi_offset == 17.0
    assert site(M100).rssi_offsets() == {"m1": 17.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"cn920"', '"mars"'), "readers[0].region: unknown region 'mars' (one of cn920"),
        (("tx_power = 26", "tx_power = 99"), "readers[0].tx_power: must be a number from 0 to 33"),
        (("rssi_offset = 17", 'rssi_offset = "x"'), "readers[0].rssi_offset: must be a number"),
        (("rssi_offset = 17", "rssi_offset = 90"), "readers[0].rssi_offset: must be a number"),
    ],
)
def test_bad_m100_lines_are_named(change: tuple[str, str], message: str) -> None:
    assert message in problems(M100.replace(*change))


def test_uhfreader18_address_and_default_baud() -> None:
    text = """
[[readers]]
id = "cf"
protocol = "uhfreader18"
url = "/dev/serial/by-id/usb-cf"
address = 3
"""
    (reader,) = site(text).readers
    assert reader.options["address"] == 3 and reader.baudrate is None
    assert "readers[0].address: must be a whole number from 0 to 255" in problems(
        text.replace("address = 3", "address = 300")
    )
