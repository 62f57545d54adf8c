"""End to end: simulated readers on both sides of a door and a badge reader, over real
ptys → real drivers → door logic → a Crossing with the right direction and badge."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.readers import BadgeReader, M100Reader
from drivers.reads import BadgeRead, TagRead
from drivers.transport import Backoff
from simulators.device import Faults
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from tracker.domain import model
from tracker.domain.site import DoorConfig
from tracker.gateway.door import DoorLogic
from tracker.gateway.events import Crossing, DoorEvent, PersonCrossing

CARRIER = "3034257BF400000000BC6038"
BADGE = "0100073EA7"


class Door:
    """Three simulated readers at one door and the drivers reading them."""

    def __init__(self, root: Path, faults: Faults | None = None) -> None:
        self.reads: queue.SimpleQueue[TagRead | BadgeRead] = queue.SimpleQueue()
        self.outer = M100Simulator(root / "door1-outer", seed=1, faults=faults).start()
        self.inner = M100Simulator(root / "door1-inner", seed=2, faults=faults).start()
        self.badge = Rdm6300Simulator(root / "door1-badge", seed=3).start()
        fast = Backoff(0.02, 0.2)
        self.readers = [
            M100Reader(str(root / "door1-outer"), "d1-out", self.reads.put, backoff=fast),
            M100Reader(str(root / "door1-inner"), "d1-in", self.reads.put, backoff=fast),
            BadgeReader(str(root / "door1-badge"), "d1-badge", self.reads.put, backoff=fast),
        ]
        for reader in self.readers:
            reader.start()
        door = model.Door("door-1", "door 1", "inside", "outside")
        self.logic = DoorLogic(DoorConfig(door, ("d1-in",), ("d1-out",), ("d1-badge",)))

    def ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.outer.polling and self.inner.polling and self.readers[2].stats().connected:
                return True
            time.sleep(0.01)
        return False

    def run_until(self, kind: type, timeout: float = 15.0) -> list[DoorEvent]:
        """Feed reads and 50 ms ticks into the door logic until an event of ``kind``."""
        events: list[DoorEvent] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
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
            if any(isinstance(e, kind) for e in events):
                return events
        return events

    def close(self) -> None:
        for reader in self.readers:
            reader.close()
        for sim in (self.outer, self.inner, self.badge):
            sim.stop()


@pytest.fixture
def door(tmp_path: Path) -> Iterator[Door]:
    d = Door(tmp_path)
    assert d.ready()
    yield d
    d.close()


def test_carried_in_with_a_badge(door: Door) -> None:
    door.badge.present(BADGE, 0.4)
    door.outer.pass_tag(CARRIER, 1.0, delay=0.3)
    door.inner.pass_tag(CARRIER, 1.0, delay=0.9)
    events = door.run_until(Crossing)
    crossings = [e for e in events if isinstance(e, Crossing)]
    assert len(crossings) == 1
    crossing = crossings[0]
    assert (crossing.door, crossing.epc, crossing.direction) == ("door-1", CARRIER, "in")
    assert crossing.badges == (BADGE,)
    assert crossing.evidence == "both_zones"


def test_carried_out_then_a_person_alone(door: Door) -> None:
    door.inner.pass_tag(CARRIER, 1.0)
    door.outer.pass_tag(CARRIER, 1.0, delay=0.6)
    events = door.run_until(Crossing)
    assert [(e.direction, e.badges) for e in events if isinstance(e, Crossing)] == [("out", ())]
    door.badge.present(BADGE, 0.3)
    events = door.run_until(PersonCrossing)
    persons = [e for e in events if isinstance(e, PersonCrossing)]
    assert [(p.badge, p.source) for p in persons] == [(BADGE, "badge_reader")]


def test_through_noisy_lines(tmp_path: Path) -> None:
    d = Door(tmp_path, Faults(noise_prob=0.5, corrupt_prob=0.3, truncate_prob=0.3))
    try:
        assert d.ready()
        d.outer.pass_tag(CARRIER, 1.0)
        d.inner.pass_tag(CARRIER, 1.0, delay=0.6)
        events = d.run_until(Crossing)
        assert [(e.epc, e.direction) for e in events if isinstance(e, Crossing)] == [
            (CARRIER, "in")
        ]
        assert all(r.stats().dropped for r in d.readers[:2])
    finally:
        d.close()
