"""Reading desks in the site file (R16): parsed with their readers, and every mistake
named with its key — a desk outside the secure room, readers that are not there or read
the wrong thing. An event's digest is unchanged by the fields desks added."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import load_site
from tracker.domain.errors import ConfigError
from tracker.domain.site import DeskConfig
from tracker.services.ingest import digest
from tracker.services.movement import Observation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.toml"
DESK = """[[desks]]
id = "desk-secure"
name = "机要室阅文桌"
room = "secure"
readers = ["desk-secure-rfid"]
badge_readers = ["desk-secure-badge"]
"""


def test_the_example_has_a_reading_desk_in_the_secure_room() -> None:
    site = load_site(EXAMPLE)
    assert site.desks == (
        DeskConfig(
            "desk-secure", "机要室阅文桌", "secure", ("desk-secure-rfid",), ("desk-secure-badge",)
        ),
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            'room = "secure"',
            'room = "reading"',
        ),
        ('room = "secure"', 'room = "attic"'),
        ('readers = ["desk-secure-rfid"]', 'readers = ["nowhere"]'),
        ('readers = ["desk-secure-rfid"]', 'readers = ["desk-secure-badge"]'),
        ('badge_readers = ["desk-secure-badge"]', "badge_readers = []"),
        ('id = "desk-secure"', 'id = "door-secure"'),
    ],
)
def test_every_mistake_is_named(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert DESK in text
    f = tmp_path / "site.toml"
    f.write_text(text.replace(DESK, DESK.replace(change, problem)), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(f)
    message = str(caught.value)
    expected = {
        'room = "reading"': "desks[0].room: R16: top secret is read in the secure room",
        'room = "attic"': "desks[0].room: unknown room 'attic'",
        'readers = ["nowhere"]': "desks[0].readers: unknown reader 'nowhere'",
        'readers = ["desk-secure-badge"]': "desks[0].readers: 'desk-secure-badge' reads badges",
        "badge_readers = []": "desks[0].badge_readers: a reading desk needs at least one",
        'id = "door-secure"': "desks[0].id: duplicate id 'door-secure'",
    }[problem]
    assert expected in message, message


def test_an_events_digest_is_unchanged_by_the_desk_fields() -> None:
    # Computed before issue 15 added `desk` and `codes` to observations: a gateway
    # resending an event across the upgrade is still the same event.
    o = Observation(
        "e1",
        "crossing",
        datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        code="ABC",
        door="door-secure",
        direction="out",
        badges=("0100073EAB",),
    )
    assert digest(o) == "0b716bdd687d944b50cb9426df6cdd3ae749728edf2de6b725dace969d3f5d71"
    desk = Observation("e2", "desk", o.at, desk="desk-secure", badges=("X",), codes=("A",))
    assert digest(desk) != digest(Observation("e2", "desk", o.at, badges=("X",)))
