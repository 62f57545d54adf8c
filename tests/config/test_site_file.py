"""The site file: the example loads; every kind of mistake is named with file and key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tracker.config import check_device_url, load_site, parse_site
from tracker.domain.errors import ConfigError
from tracker.domain.levels import Level
from tracker.domain.model import RoomKind

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"


def example() -> dict:  # type: ignore[type-arg]
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_example_site_has_the_promised_rooms_doors_and_exit() -> None:
    site = load_site(EXAMPLE)
    kinds = {p.id: p.room_kind for p in site.places}
    assert kinds["secure"] is RoomKind.SECURE and site.place("secure").max_level is Level.TOP_SECRET
    assert kinds["reading"] is RoomKind.READING
    assert [k for k in kinds.values() if k is RoomKind.OFFICE] == [RoomKind.OFFICE] * 2
    assert kinds["corridor"] is RoomKind.PASSAGE
    exits = [d for d in site.doors if d.door.exit]
    assert [d.door.outer for d in exits] == ["outside"]
    assert all(d.inner_readers and d.outer_readers for d in site.doors)
    assert site.room_of("safe-s1").id == "secure"


def problems(data: dict) -> str:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as e:
        parse_site(data, "site.toml")
    return str(e.value)


def test_unknown_room_in_a_door_is_named() -> None:
    data = example()
    data["doors"][0]["outer"] = "attic"
    assert "site.toml: doors[0].outer: unknown room 'attic'" in problems(data)


def test_duplicate_id_is_named_with_both_places() -> None:
    data = example()
    data["safes"][1]["id"] = "safe-s1"
    msg = problems(data)
    assert "safes[1].id: duplicate id 'safe-s1' (already used by safes[0].id)" in msg


def test_malformed_url_is_named() -> None:
    data = example()
    data["readers"][2]["url"] = "socket://no-port"
    assert "readers[2].url: malformed URL 'socket://no-port'" in problems(data)


def test_unknown_level_name_is_named() -> None:
    data = example()
    data["rooms"][1]["max_level"] = "ultra_secret"
    assert "rooms[1].max_level: unknown level 'ultra_secret'" in problems(data)


def test_every_problem_is_reported_at_once() -> None:
    data = example()
    data["rooms"][0]["max_level"] = "bogus"
    data["readers"][0]["protocol"] = "wiegand"
    data["calendar"]["timezone"] = "Mars/Olympus"
    msg = problems(data)
    assert "rooms[0].max_level" in msg and "readers[0].protocol" in msg
    assert "calendar.timezone" in msg


def test_r9_top_secret_inventory_cannot_be_less_often_than_monthly() -> None:
    data = example()
    data["policy"]["inventory_months"]["top_secret"] = 3
    assert "R9" in problems(data)


def test_unreadable_or_non_toml_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read site file"):
        load_site(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\nid=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_site(bad)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("/dev/ttyUSB0", True),
        ("/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0", True),
        ("socket://127.0.0.1:4001", True),
        ("rfc2217://reader.local:2217", True),
        ("socket://host", False),
        ("ttyUSB0", False),
        ("http://x:1", False),
    ],
)
def test_device_urls(url: str, ok: bool) -> None:
    assert (check_device_url(url) is None) == ok
