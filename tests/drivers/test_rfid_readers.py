"""Reader drivers against their simulators over real pseudo-terminals.

"Exactly once": the simulators send a known, finite set of distinct frames (plus
whatever damage the faults add around them); the driver must deliver each of them once
and nothing else, through noise, damaged frames, byte-at-a-time writes and unplugs.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.readers import BadgeReader, M100Reader
from drivers.reads import BadgeRead, TagRead
from drivers.transport import Backoff
from simulators.device import Faults
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator

FAST = Backoff(0.02, 0.2)


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def epcs(prefix: int, n: int) -> list[str]:
    return [f"3034257BF4{prefix:04X}{i:010X}" for i in range(n)]


class Collector:
    """Thread-safe list of reads."""

    def __init__(self) -> None:
        self.items: list[TagRead | BadgeRead] = []
        self._lock = threading.Lock()

    def __call__(self, read: TagRead | BadgeRead) -> None:
        with self._lock:
            self.items.append(read)

    def ids(self) -> list[str]:
        with self._lock:
            return [r.epc if isinstance(r, TagRead) else r.badge for r in self.items]


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "serial" / "by-id" / "usb-Simulated_RFID-if00-port0"


FAULTS = {
    "clean": Faults(),
    "byte_at_a_time": Faults(byte_at_a_time=True, byte_delay=0.0002),
    "noise": Faults(noise_prob=0.7, noise_max=30),
    "bad_frames": Faults(truncate_prob=0.4, corrupt_prob=0.4),
    "everything": Faults(
        noise_prob=0.5,
        noise_max=20,
        truncate_prob=0.3,
        corrupt_prob=0.3,
        pause_prob=0.1,
        pause_max=0.03,
        byte_at_a_time=True,
    ),
}


@pytest.fixture
def m100_pair(
    link: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[M100Simulator, M100Reader, Collector]]:
    faults = FAULTS[getattr(request, "param", "clean")]
    sim = M100Simulator(link, faults=faults, seed=42).start()
    got = Collector()
    reader = M100Reader(str(link), "door-1-outer", got, backoff=FAST)
    reader.start()
    try:
        assert wait_for(lambda: sim.polling), "the driver never started multi-poll"
        yield sim, reader, got
    finally:
        reader.close()
        sim.stop()


@pytest.mark.parametrize("m100_pair", list(FAULTS), indirect=True)
def test_m100_every_valid_frame_exactly_once(
    m100_pair: tuple[M100Simulator, M100Reader, Collector],
) -> None:
    sim, reader, got = m100_pair
    expected = epcs(1, 40)
    for epc in expected:
        sim.emit_once(epc, rssi=-60)
    assert wait_for(lambda: len(got.ids()) >= len(expected) and sim.pending_once == 0)
    time.sleep(0.4)  # let anything extra arrive (it must not)
    assert Counter(got.ids()) == Counter(expected)
    stats = reader.stats()
    assert stats.reads == len(expected)
    if sim.faults.corrupt_prob or sim.faults.truncate_prob:
        assert sim.counters.bad_frames > 0
        assert stats.dropped, "damaged frames were sent but none was counted as dropped"
    if sim.faults.noise_prob:
        assert sim.counters.noise_bytes > 0


def test_m100_unplug_and_replug_at_the_same_path(
    m100_pair: tuple[M100Simulator, M100Reader, Collector],
) -> None:
    sim, reader, got = m100_pair
    first, second = epcs(2, 20), epcs(3, 20)
    for epc in first:
        sim.emit_once(epc)
    assert wait_for(lambda: len(got.ids()) >= 20)
    sim.unplug(0.3)
    assert wait_for(lambda: not sim.plugged)
    for epc in second:  # held by the "device" until a host starts multi-poll again
        sim.emit_once(epc)
    assert wait_for(lambda: len(got.ids()) >= 40)
    time.sleep(0.3)
    assert Counter(got.ids()) == Counter(first + second)
    stats = reader.stats()
    assert stats.reconnects >= 1 and stats.connected
    assert sim.commands.count("MultiPollCommand") >= 2  # restarted after the reconnect


def test_m100_unplug_for_longer_than_the_backoff_cap(link: Path) -> None:
    sim = M100Simulator(link, seed=1).start()
    got = Collector()
    reader = M100Reader(str(link), "p", got, backoff=Backoff(0.02, 0.1))
    reader.start()
    try:
        sim.add_tag("3034257BF400000000BC6038")
        assert wait_for(lambda: len(got.ids()) > 3)
        for _ in range(3):
            sim.unplug(0.5)
            assert wait_for(lambda: not sim.plugged)
            before = len(got.ids())
            assert wait_for(lambda b=before: len(got.ids()) > b + 3)  # type: ignore[misc]
        assert reader.stats().reconnects >= 3
        assert set(got.ids()) == {"3034257BF400000000BC6038"}
    finally:
        reader.close()
        sim.stop()


def test_m100_stop_on_close(m100_pair: tuple[M100Simulator, M100Reader, Collector]) -> None:
    sim, reader, _ = m100_pair
    reader.close()
    assert reader.stop_confirmed  # BB 01 28 00 01 00 2A 7E came back
    assert sim.commands[-1] == "StopCommand"
    assert not sim.polling


def test_m100_pass_tag_rssi_rises_and_falls(
    m100_pair: tuple[M100Simulator, M100Reader, Collector],
) -> None:
    sim, _, got = m100_pair
    sim.pass_tag("3034257BF400000000BC6038", 1.0)
    assert wait_for(lambda: not sim.tags_in_field(time.monotonic()) and len(got.items) > 10)
    rssi = [r.rssi for r in got.items if isinstance(r, TagRead)]
    third = len(rssi) // 3
    middle = max(rssi[third : 2 * third])
    assert middle >= -50
    assert max(rssi[:3]) <= -65 and max(rssi[-3:]) <= -65
    assert middle - min(rssi) >= 20
    reads = [r for r in got.items if isinstance(r, TagRead)]
    assert all(r.read_point == "door-1-outer" and r.pc == 0x3000 for r in reads)
    assert all(a.at <= b.at for a, b in itertools.pairwise(reads))


def test_m100_keepalive_when_no_tag_is_in_the_field(link: Path) -> None:
    sim = M100Simulator(link).start()
    reader = M100Reader(str(link), "p", lambda r: None, keepalive=0.2, backoff=FAST)
    reader.start()
    try:
        assert wait_for(lambda: reader.stats().last_heard is not None)
        # The set-up answers are heard first; the keepalive probe follows them.
        assert wait_for(lambda: "StopCommand" in sim.commands)
        assert wait_for(lambda: sim.polling)  # and polling again right after the probe
    finally:
        reader.close()
        sim.stop()


def test_m100_callback_errors_do_not_stop_reading(link: Path) -> None:
    sim = M100Simulator(link).start()
    calls: list[TagRead] = []

    def on_read(read: TagRead) -> None:
        calls.append(read)
        if len(calls) == 1:
            raise ValueError("consumer bug")

    reader = M100Reader(str(link), "p", on_read, backoff=FAST)
    reader.start()
    try:
        assert wait_for(lambda: sim.polling)
        for epc in epcs(4, 5):
            sim.emit_once(epc)
        assert wait_for(lambda: len(calls) == 5)
    finally:
        reader.close()
        sim.stop()


BADGES = [f"01{i:08X}" for i in range(0x3EA0, 0x3EA0 + 25)]


@pytest.mark.parametrize("mode", ["em4100", "em4100-decimal"])
@pytest.mark.parametrize("faults", ["clean", "byte_at_a_time", "noise", "bad_frames", "everything"])
def test_badge_reader_every_valid_frame_exactly_once(link: Path, mode: str, faults: str) -> None:
    f = FAULTS[faults]
    sim = Rdm6300Simulator(link, mode=mode, faults=Faults(**vars(f)), seed=7).start()
    if f.byte_at_a_time:
        sim.faults.byte_delay = 0.0001
    got = Collector()
    reader = BadgeReader(str(link), "door-1-badge", got, protocol=mode, backoff=FAST)
    reader.start()
    try:
        assert reader.wait_connected(10)
        for badge in BADGES:
            sim.send_once(badge)
        want = BADGES if mode == "em4100" else [b[2:] for b in BADGES]
        assert wait_for(lambda: len(got.ids()) >= len(want) and sim.pending_once == 0)
        time.sleep(0.5)
        assert Counter(got.ids()) == Counter(want)
        if f.corrupt_prob:
            assert reader.stats().dropped
    finally:
        reader.close()
        sim.stop()


def test_badge_reader_unplug_and_replug(link: Path) -> None:
    sim = Rdm6300Simulator(link, seed=3).start()
    got = Collector()
    reader = BadgeReader(str(link), "b", got, backoff=FAST)
    reader.start()
    try:
        assert reader.wait_connected(10)
        for badge in BADGES[:10]:
            sim.send_once(badge)
        assert wait_for(lambda: len(got.ids()) == 10)
        sim.unplug(0.3)
        assert wait_for(lambda: reader.stats().reconnects >= 1 and reader.stats().connected)
        for badge in BADGES[10:]:
            sim.send_once(badge)
        assert wait_for(lambda: len(got.ids()) == len(BADGES))
        time.sleep(0.3)
        assert Counter(got.ids()) == Counter(BADGES)
    finally:
        reader.close()
        sim.stop()


def test_a_presented_badge_repeats_while_held(link: Path) -> None:
    sim = Rdm6300Simulator(link).start()
    got = Collector()
    reader = BadgeReader(str(link), "b", got, backoff=FAST)
    reader.start()
    try:
        assert reader.wait_connected(10)
        sim.present("0100073EA7", 1.0)
        assert wait_for(lambda: len(got.ids()) >= 4)
        time.sleep(1.3)
        n = len(got.ids())
        assert 4 <= n <= 12  # every 100-200 ms for one second
        assert set(got.ids()) == {"0100073EA7"}
        time.sleep(0.4)
        assert len(got.ids()) == n  # taken away: silence
        assert reader.stats().last_heard is not None
    finally:
        reader.close()
        sim.stop()
