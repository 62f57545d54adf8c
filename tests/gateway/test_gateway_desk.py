"""Reading desks (R16): which carriers lie on the desk after smoothing, each presentation
of a badge reported once with them — from synthetic reads, and end to end from simulated
readers over real ptys through the real drivers."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.readers import BadgeReader, M100Reader
from drivers.reads import BadgeRead, TagRead
from drivers.transport import Backoff
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from tracker.domain.errors import ConfigError
from tracker.domain.site import DeskConfig
from tracker.gateway.desk import DeskLogic
from tracker.gateway.events import DeskBadge
from tracker.gateway.site import SiteLogic

EPC = "3034257BF400000000BC6038"
OTHER = "3034257BF400000000BC6039"
BADGE = "0100073EAB"
DESK = DeskConfig("desk-1", "阅文桌", "secure", ("desk-rfid",), ("desk-badge",))


def on_desk(epc: str, start: float, end: float, point: str = "desk-rfid") -> list[TagRead]:
    return [
        TagRead(epc, 0x3000, -45, point, start + 0.1 * i) for i in range(int((end - start) * 10))
    ]


def badge(at: float, seconds: float = 1.0, point: str = "desk-badge") -> list[BadgeRead]:
    return [BadgeRead(BADGE, point, at + 0.25 * i, "em4100") for i in range(int(seconds * 4))]


def play(logic: DeskLogic | SiteLogic, reads: list[TagRead | BadgeRead], until: float) -> list:  # type: ignore[type-arg]
    out = []
    t, i = 0.0, 0
    reads = sorted(reads, key=lambda r: r.at)
    while t <= until:
        while i < len(reads) and reads[i].at <= t:
            r = reads[i]
            if isinstance(logic, SiteLogic):
                out += logic.feed(r)
            else:
                out += logic.on_tag(r) if isinstance(r, TagRead) else logic.on_badge(r)
            i += 1
        out += logic.tick(t)
        t = round(t + 0.05, 6)
    return out


def test_a_badge_is_reported_once_per_presentation_with_what_lies_on_the_desk() -> None:
    reads = on_desk(EPC, 0.0, 20.0) + on_desk(OTHER, 8.0, 9.0) + badge(2.0) + badge(12.0)
    events = play(DeskLogic(DESK), reads, until=20.0)
    assert events == [
        DeskBadge("desk-1", BADGE, (EPC,), 2.0),
        DeskBadge("desk-1", BADGE, (EPC,), 12.0),  # the other one was picked up again
    ]


def test_reads_closer_than_the_hold_gap_are_one_presentation() -> None:
    reads = on_desk(EPC, 0.0, 10.0) + badge(1.0, 2.0) + badge(4.5, 1.0)
    events = play(DeskLogic(DESK), reads, until=10.0)
    assert [e.at for e in events] == [1.0]  # 1.0-2.75 held, 4.5 is 1.75 s later: the same
    events = play(DeskLogic(DESK, hold_gap=1.0), reads, until=10.0)
    assert [e.at for e in events] == [1.0, 4.5]


def test_an_empty_desk_and_other_read_points() -> None:
    reads = on_desk(EPC, 0.0, 5.0, point="elsewhere") + badge(2.0) + badge(6.0, point="door")
    assert play(DeskLogic(DESK), reads, until=8.0) == [DeskBadge("desk-1", BADGE, (), 2.0)]


def test_the_site_router_feeds_desks_and_refuses_one_twice() -> None:
    site = SiteLogic(desks=[DESK])
    assert site.read_points == {"desk-rfid", "desk-badge"}
    events = play(site, on_desk(EPC, 0.0, 4.0) + badge(1.0), until=4.0)
    assert events == [DeskBadge("desk-1", BADGE, (EPC,), 1.0)]
    with pytest.raises(ConfigError, match="desk desk-1 is configured twice"):
        SiteLogic(desks=[DESK, DESK])


class Desk:
    """A UHF pad and a badge reader simulated on ptys, read by the real drivers."""

    def __init__(self, root: Path) -> None:
        self.reads: queue.SimpleQueue[TagRead | BadgeRead] = queue.SimpleQueue()
        self.pad = M100Simulator(root / "desk-rfid", seed=5).start()
        self.badge = Rdm6300Simulator(root / "desk-badge", seed=6).start()
        fast = Backoff(0.02, 0.2)
        self.readers = [
            M100Reader(str(root / "desk-rfid"), "desk-rfid", self.reads.put, backoff=fast),
            BadgeReader(str(root / "desk-badge"), "desk-badge", self.reads.put, backoff=fast),
        ]
        for reader in self.readers:
            reader.start()
        self.logic = DeskLogic(DESK)

    def run_until_badge(self, timeout: float = 15.0) -> list[DeskBadge]:
        events: list[DeskBadge] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not events:
            try:
                read = self.reads.get(timeout=0.05)
            except queue.Empty:
                pass
            else:
                if isinstance(read, TagRead):
                    events += self.logic.on_tag(read)
                else:
                    events += self.logic.on_badge(read)
            events += self.logic.tick(time.monotonic())
        return events

    def close(self) -> None:
        for reader in self.readers:
            reader.close()
        self.pad.stop()
        self.badge.stop()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = Desk(tmp_path)
    yield d
    d.close()


def test_end_to_end_a_badge_at_the_desk_names_the_carrier_lying_on_it(desk: Desk) -> None:
    deadline = time.monotonic() + 10
    while not desk.pad.polling and time.monotonic() < deadline:
        time.sleep(0.01)
    assert desk.pad.polling
    desk.pad.add_tag(EPC, -45)
    while time.monotonic() < deadline and desk.logic.present() != (EPC,):
        desk.run_until_badge(timeout=0.2)
    assert desk.logic.present() == (EPC,)
    desk.badge.present(BADGE, 1.0)
    (event,) = desk.run_until_badge()
    assert (event.desk, event.badge, event.epcs) == ("desk-1", BADGE, (EPC,))
