"""The RFID simulators speak the protocol byte-exactly, over a real pty at a stable path.

These tests play the host by hand (os.open on the link, raw bytes) so the simulators
are checked against the golden frames of PROTOCOLS.md, not against our own driver.
"""

from __future__ import annotations

import os
import select
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.m100 import M100Framer, TagNotification
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from tracker.domain.errors import InvalidInput

SINGLE_INVENTORY = bytes.fromhex("BB 00 22 00 00 22 7E")
MULTI_POLL = bytes.fromhex("BB 00 27 00 03 22 27 10 83 7E")
STOP = bytes.fromhex("BB 00 28 00 00 28 7E")
STOP_RESPONSE = bytes.fromhex("BB 01 28 00 01 00 2A 7E")
NO_TAG = bytes.fromhex("BB 01 FF 00 01 15 16 7E")
EPC = "30751FEB705C5904E3D50D70"


class Host:
    """The host end: the link opened like a serial port."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def read_for(self, seconds: float) -> bytes:
        out = bytearray()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    out += os.read(self.fd, 4096)
                except OSError:
                    break
        return bytes(out)

    def read_exactly(self, n: int, timeout: float = 5.0) -> bytes:
        out = bytearray()
        deadline = time.monotonic() + timeout
        while len(out) < n and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                out += os.read(self.fd, n - len(out))
        return bytes(out)

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "by-id" / "usb-YRM100-if00"


@pytest.fixture
def m100(link: Path) -> Iterator[tuple[M100Simulator, Host]]:
    sim = M100Simulator(link, seed=5, rssi_noise=0).start()
    host = Host(link)
    yield sim, host
    host.close()
    sim.stop()


def test_link_is_a_symlink_to_a_pty(m100: tuple[M100Simulator, Host], link: Path) -> None:
    assert link.is_symlink()
    assert os.readlink(link).startswith("/dev/pts/")


def test_single_inventory_without_tags_answers_no_tag(m100: tuple[M100Simulator, Host]) -> None:
    _, host = m100
    host.send(SINGLE_INVENTORY)
    assert host.read_exactly(len(NO_TAG)) == NO_TAG


def test_single_inventory_with_tags_answers_one_notification_each(
    m100: tuple[M100Simulator, Host],
) -> None:
    sim, host = m100
    sim.add_tag(EPC, -55)
    sim.add_tag("E2000000000000000000BADE", -60)
    host.send(SINGLE_INVENTORY)
    data = host.read_for(0.3)
    notes = M100Framer().feed(data)
    assert {(n.epc_hex, n.rssi) for n in notes if isinstance(n, TagNotification)} == {
        (EPC, -55),
        ("E2000000000000000000BADE", -60),
    }
    assert len(data) == 2 * 24


def test_multi_poll_until_stop(m100: tuple[M100Simulator, Host]) -> None:
    sim, host = m100
    sim.add_tag(EPC, -55)
    host.send(MULTI_POLL)
    data = host.read_for(0.5)
    notes = M100Framer().feed(data)
    # one per 30 ms ± 10 ms round: about 12-25 in half a second (fewer on a loaded machine)
    assert 4 <= len(notes) <= 30
    assert all(isinstance(n, TagNotification) and n.epc_hex == EPC for n in notes)
    host.send(STOP)
    tail = host.read_for(0.3)
    assert tail.endswith(STOP_RESPONSE)
    assert host.read_for(0.2) == b""  # silent after stop
    assert sim.commands == ["MultiPollCommand", "StopCommand"]


def test_multi_poll_count_runs_out(m100: tuple[M100Simulator, Host]) -> None:
    sim, host = m100
    sim.add_tag(EPC)
    host.send(bytes.fromhex("BB 00 27 00 03 22 00 03 4F 7E"))  # 3 rounds
    notes = M100Framer().feed(host.read_for(0.5))
    assert len(notes) == 3
    assert not sim.polling


def test_multi_poll_over_an_empty_field_still_counts_its_rounds(
    m100: tuple[M100Simulator, Host],
) -> None:
    # The simulator sleeps through rounds that find nothing (issue 16 goal 8); they run
    # out all the same.
    sim, host = m100
    host.send(bytes.fromhex("BB 00 27 00 03 22 00 03 4F 7E"))  # 3 rounds
    assert host.read_for(0.5) == b""
    assert not sim.polling


def test_tags_coming_into_a_quiet_field_are_reported(m100: tuple[M100Simulator, Host]) -> None:
    sim, host = m100
    other = "E2000000000000000000BADE"
    host.send(MULTI_POLL)
    assert host.read_for(0.3) == b""  # nothing in the field: nothing said
    sim.add_tag(EPC, -55)
    notes = M100Framer().feed(host.read_for(0.3))
    assert notes and all(isinstance(n, TagNotification) and n.epc_hex == EPC for n in notes)
    sim.remove_tag(EPC)
    host.read_for(0.1)  # a round under way when it left
    sim.pass_tag(other, 0.3, delay=0.4)  # carried past a little later
    notes = M100Framer().feed(host.read_for(1.0))
    assert notes and all(isinstance(n, TagNotification) and n.epc_hex == other for n in notes)
    assert sim.polling


def test_stop_when_idle_still_answers(m100: tuple[M100Simulator, Host]) -> None:
    _, host = m100
    host.send(STOP[:3])
    time.sleep(0.05)
    host.send(STOP[3:])  # commands framed on the stream too
    assert host.read_exactly(len(STOP_RESPONSE)) == STOP_RESPONSE


def test_pass_tag_sweeps_rssi(m100: tuple[M100Simulator, Host]) -> None:
    sim, _ = m100
    t0 = time.monotonic()
    sim.pass_tag(EPC, 1.0, now=t0)
    assert sim.tags_in_field(t0 + 0.5) == [EPC]
    assert sim.tags_in_field(t0 + 1.01) == []
    tag = sim._tags[bytes.fromhex(EPC)]
    assert [tag.rssi_at(t0 + f) for f in (0.0, 0.25, 0.5, 0.75, 0.999)] == [-75, -60, -45, -60, -75]


def test_unplug_and_replug_at_the_same_path(m100: tuple[M100Simulator, Host], link: Path) -> None:
    sim, host = m100
    sim.unplug(0.2)
    deadline = time.monotonic() + 5
    while sim.plugged and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not link.exists()  # like /dev/serial/by-id when the cable is pulled
    # The old pty is gone: readable, but EOF or EIO — what pyserial reports as
    # "device reports readiness to read but returned no data".
    assert select.select([host.fd], [], [], 1.0)[0]
    try:
        data = os.read(host.fd, 1)
    except OSError:
        data = b""
    assert data == b""
    assert sim.wait_plugged(5)
    assert link.is_symlink()
    again = Host(link)
    try:
        again.send(SINGLE_INVENTORY)
        assert again.read_exactly(len(NO_TAG)) == NO_TAG
    finally:
        again.close()
    assert sim.counters.unplugs == 1


def test_noise_and_injected_bytes_reach_the_host(m100: tuple[M100Simulator, Host]) -> None:
    sim, host = m100
    sim.noise(50)
    sim.inject(b"\xbb\x02")
    assert len(host.read_for(0.2)) == 52
    assert sim.counters.noise_bytes == 50


def test_bad_epc_is_refused(m100: tuple[M100Simulator, Host]) -> None:
    sim, _ = m100
    for bad in ("XYZ", "ABC", ""):
        with pytest.raises(InvalidInput):
            sim.add_tag(bad)


@pytest.mark.parametrize(
    ("mode", "golden"),
    [
        ("em4100", bytes.fromhex("02 30 31 30 30 30 37 33 45 41 37 39 46 03")),
        ("em4100-decimal", b"0000474791\r\n"),
    ],
)
def test_badge_reader_sends_golden_frames_while_presented(
    link: Path, mode: str, golden: bytes
) -> None:
    sim = Rdm6300Simulator(link, mode=mode).start()
    host = Host(link)
    try:
        sim.present("0100073EA7", 0.7)
        data = host.read_for(1.0)
        repeats = data.count(golden)
        assert data == golden * repeats
        assert 2 <= repeats <= 8  # every 100-200 ms for 0.7 s
    finally:
        host.close()
        sim.stop()


def test_no_file_descriptors_leak(tmp_path: Path) -> None:
    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_fds()
    for i in range(5):
        sim = M100Simulator(tmp_path / f"dev{i}").start()
        sim.unplug(0.0)
        time.sleep(0.05)
        sim.stop()
        badge = Rdm6300Simulator(tmp_path / f"badge{i}").start()
        badge.stop()
    assert open_fds() == before
    assert list(tmp_path.iterdir()) == []
