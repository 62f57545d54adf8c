"""The new reader families at a door, through the site file, the simulated office and the
real gateway: a four-port LLRP reader serving both zones of one door, a UHFReader18 pair,
an LLRP reader that goes silent (offline), and each reader's RSSI offset applied before
the door logic picks the zone whose peak came first."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from drivers.reads import TagRead
from simulators.llrp import LLRPSimulator
from simulators.office import SimulatedOffice
from tracker.bootstrap import open_reader
from tracker.config import parse_site
from tracker.domain.model import Door
from tracker.domain.site import DoorConfig
from tracker.gateway.events import Crossing
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions
from tracker.gateway.site import SiteLogic
from tracker.services.movement import Observation

EPC = "3034257BF400000000BC6038"

ROOMS = """
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

LLRP_DOOR = """
[[doors]]
id = "door-1"
inner = "inside"
outer = "hall"
inner_readers = ["portal.in"]
outer_readers = ["portal.out"]
[[readers]]
id = "portal"
protocol = "llrp"
url = "llrp://192.0.2.10:5084"
heartbeat = 1.0
keepalive = 0.2
antennas = { 1 = "portal.in", 2 = "portal.in", 3 = "portal.out", 4 = "portal.out" }
"""

CHAFON_DOOR = """
[[doors]]
id = "door-1"
inner = "inside"
outer = "hall"
inner_readers = ["cf-in"]
outer_readers = ["cf-out"]
[[readers]]
id = "cf-in"
protocol = "uhfreader18"
url = "/dev/serial/by-id/usb-cf-in"
[[readers]]
id = "cf-out"
protocol = "uhfreader18"
url = "/dev/serial/by-id/usb-cf-out"
"""


class ListSink:
    def __init__(self) -> None:
        self.got: list[Observation] = []
        self._lock = threading.Lock()

    def send(self, batch: Sequence[Observation]) -> None:
        with self._lock:
            self.got.extend(batch)

    def of(self, kind: str) -> list[Observation]:
        with self._lock:
            return [o for o in self.got if o.kind == kind]


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def run_door(text: str, tmp_path: Path, direction: str, ready: list[str]) -> ListSink:
    site = parse_site(tomllib.loads(ROOMS + text), "lab.toml")
    office = SimulatedOffice(site, tmp_path / "by-id").start()
    sink = ListSink()
    gateway = Gateway(
        office.site, sink, Outbox(), open_reader, GatewayOptions("gw", heartbeat_every=0.2)
    )
    try:
        gateway.start()
        assert office.ready(ready)
        office.carry("door-1", direction, (EPC,))
        assert wait_for(lambda: bool(sink.of("crossing")))
    finally:
        gateway.stop(drain=0.5)
        office.stop()
    return sink


def test_one_llrp_reader_serves_both_zones_of_a_door(tmp_path: Path) -> None:
    sink = run_door(LLRP_DOOR, tmp_path, "in", ["portal"])
    (crossing,) = sink.of("crossing")
    assert (crossing.code, crossing.door, crossing.direction) == (EPC, "door-1", "in")
    assert {o.reader for o in sink.of("heartbeat")} == {"portal"}


def test_a_uhfreader18_pair_at_a_door(tmp_path: Path) -> None:
    sink = run_door(CHAFON_DOOR, tmp_path, "out", ["cf-in", "cf-out"])
    (crossing,) = sink.of("crossing")
    assert (crossing.code, crossing.direction) == (EPC, "out")


M100_DOOR = """
[[doors]]
id = "door-1"
inner = "inside"
outer = "hall"
inner_readers = ["m-in"]
outer_readers = ["m-out"]
[[readers]]
id = "m-in"
protocol = "m100"
url = "/dev/serial/by-id/usb-m-in"
heartbeat = 1.0
[[readers]]
id = "m-out"
protocol = "m100"
url = "/dev/serial/by-id/usb-m-out"
heartbeat = 1.0
"""


def _silence(sim: object, silent: bool) -> None:
    """The reader stops answering (TCP or the serial line stays up) — or answers again."""
    if isinstance(sim, LLRPSimulator):
        sim.hang(silent)
    else:
        sim.silent = silent  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("door", "reader"),
    [
        (LLRP_DOOR, "portal"),
        (M100_DOOR, "m-out"),
        (CHAFON_DOOR.replace('usb-cf-out"', 'usb-cf-out"\nheartbeat = 1.0'), "cf-out"),
    ],
    ids=["llrp", "m100", "uhfreader18"],
)
def test_a_silent_reader_goes_offline_and_comes_back(
    tmp_path: Path, door: str, reader: str
) -> None:
    site = parse_site(tomllib.loads(ROOMS + door), "lab.toml")
    office = SimulatedOffice(site, tmp_path / "by-id").start()
    sink = ListSink()
    gateway = Gateway(
        office.site, sink, Outbox(), open_reader, GatewayOptions("gw", heartbeat_every=0.2)
    )
    try:
        gateway.start()
        assert office.ready([reader])
        time.sleep(1.2)  # past the reader's first heartbeat: it is up, not coming up
        _silence(office.reader(reader), True)
        assert wait_for(
            lambda: [(o.reader, o.online) for o in sink.of("reader")] == [(reader, False)]
        )
        _silence(office.reader(reader), False)
        assert wait_for(lambda: (reader, True) in [(o.reader, o.online) for o in sink.of("reader")])
    finally:
        gateway.stop(drain=0.5)
        office.stop()


# --- the RSSI offset ----------------------------------------------------------------------


def sweep(point: str, t0: float, rssi: int, n: int = 10) -> list[TagRead]:
    return [TagRead(EPC, 0x3000, rssi, point, t0 + i * 0.04) for i in range(n)]


def crossing_with(offsets: dict[str, float]) -> Crossing:
    """The inner zone is watched by two boards: ``i1`` (its chip sees the tag early, but
    through a coupler that loses 17 dB more) and ``i2`` (late). The outer zone peaks
    between them."""
    door = DoorConfig(Door("door-1", "door 1", "inside", "hall"), ("i1", "i2"), ("o",))
    logic = SiteLogic([door], rssi_offsets=offsets)
    reads = sweep("i1", 0.0, -60) + sweep("o", 0.5, -55) + sweep("i2", 1.0, -50)
    events = []
    for read in sorted(reads, key=lambda r: r.at):
        events += logic.feed(read)
    for step in range(100):
        events += logic.tick(1.5 + step * 0.1)
    (crossing,) = [e for e in events if isinstance(e, Crossing)]
    return crossing


def test_rssi_offset_is_applied_before_the_zones_are_compared() -> None:
    # Raw chip RSSI: the inner zone peaks late (i2), after the outer: carried in.
    assert crossing_with({}).direction == "in"
    # With i1's coupler accounted for, i1 was the stronger: the tag came from inside.
    assert crossing_with({"i1": 17.0}).direction == "out"
