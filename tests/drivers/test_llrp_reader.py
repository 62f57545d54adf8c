"""The LLRP driver against an independent emulator (llrpkit's, an Impinj-flavoured LLRP
1.0.1 reader) and against our own simulator for what an emulator does not do: a
dropped connection, a reader that stops sending keepalives, malformed messages, noise,
byte-at-a-time delivery, a reader off the network, a second client refused."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from llrpkit.emulator import EmulatedTag, LLRPEmulator

from drivers.errors import PortUnavailable
from drivers.llrp_params import VERSION_1_0_1, VERSION_1_1
from drivers.llrp_reader import LLRPReader
from drivers.reads import TagRead
from drivers.transport import Backoff
from simulators.device import Faults
from simulators.llrp import LLRPSimulator

EPC_IN = "30751FEB705C5904E3D50D70"
EPC_OUT = "3034257BF400000000BC6038"
FAST = Backoff(0.05, 0.2)


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


class Reads:
    def __init__(self) -> None:
        self.items: list[TagRead] = []
        self._lock = threading.Lock()

    def __call__(self, read: TagRead) -> None:
        with self._lock:
            self.items.append(read)

    def at(self, point: str) -> set[str]:
        with self._lock:
            return {r.epc for r in self.items if r.read_point == point}

    def count(self) -> int:
        with self._lock:
            return len(self.items)


@pytest.fixture
def sim() -> Iterator[LLRPSimulator]:
    s = LLRPSimulator(seed=4).start()
    s.antenna(1).add_tag(EPC_IN, -48)
    s.antenna(4).add_tag(EPC_OUT, -52)
    yield s
    s.stop()


def reader_for(url: str, reads: Reads, **kw: object) -> LLRPReader:
    kw.setdefault("keepalive", 0.3)
    return LLRPReader(
        url, "portal", reads, antennas={1: "in", 2: "in", 4: "out"}, backoff=FAST, **kw
    )  # type: ignore[arg-type]


# --- an independent emulator ------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[LLRPEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    tags = [
        EmulatedTag(bytes.fromhex(EPC_IN), antennas=(2,), rssi_dbm=-50.0),
        EmulatedTag(bytes.fromhex(EPC_OUT), antennas=(4,), rssi_dbm=-58.0),
    ]
    emu = LLRPEmulator(tags=tags, reads_per_sec=200.0)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(5)
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_reads_antennas_as_read_points_from_an_independent_emulator(
    emulator: LLRPEmulator,
) -> None:
    reads = Reads()
    reader = reader_for(f"llrp://127.0.0.1:{emulator.port}", reads)
    reader.start(require_port=True)
    try:
        assert reader.wait_connected(5)
        assert wait_for(lambda: EPC_IN in reads.at("in") and EPC_OUT in reads.at("out"))
        assert reads.at("in") == {EPC_IN} and reads.at("out") == {EPC_OUT}
        # A 1.0.1 reader answers GET_SUPPORTED_VERSION with an error: we stay at 1.0.1.
        assert reader.info.version == VERSION_1_0_1
        assert (reader.info.model, reader.info.max_antennas) == (700, 4)
        assert wait_for(lambda: emulator.keepalive_acks >= 2)  # keepalives answered
        rssi = {r.rssi for r in reads.items if r.read_point == "in"}
        assert all(-56 <= v <= -44 for v in rssi)  # the emulator's -50 dBm ± noise
    finally:
        reader.close()
    assert reader.closed_cleanly  # STOP, DELETE and CLOSE_CONNECTION all answered


# --- our simulator: the happy path ------------------------------------------------------


def test_session_negotiates_1_1_and_closes_cleanly(sim: LLRPSimulator) -> None:
    reads = Reads()
    reader = reader_for(sim.url, reads)
    reader.start()
    assert wait_for(lambda: reads.at("in") and reads.at("out"))
    assert reader.info.version == VERSION_1_1
    assert sim.inventorying(1) and not sim.inventorying(3)  # only the mapped antennas
    reader.close()
    assert reader.closed_cleanly
    assert sim.commands[:7] == [
        "GetSupportedVersion",
        "SetProtocolVersion",
        "GetReaderCapabilities",
        "SetReaderConfig",
        "AddROSpec",
        "EnableROSpec",
        "StartROSpec",
    ]
    assert set(sim.commands[7:-3]) <= {"KeepaliveAck"}
    assert sim.commands[-3:] == ["StopROSpec", "DeleteROSpec", "CloseConnection"]
    assert wait_for(lambda: not sim.connected)


def test_unmapped_antennas_are_not_read_and_a_map_less_reader_is_one_point(
    sim: LLRPSimulator,
) -> None:
    sim.antenna(3).add_tag("E2000017010B016210000002")
    reads = Reads()
    whole = LLRPReader(sim.url, "portal", reads, keepalive=0.3, backoff=FAST)
    whole.start()
    try:
        assert wait_for(lambda: len(reads.at("portal")) == 3)
    finally:
        whole.close()


def test_a_second_client_is_refused_and_retries(sim: LLRPSimulator) -> None:
    first, second = Reads(), Reads()
    a = reader_for(sim.url, first)
    a.start()
    assert a.wait_connected(5)
    b = reader_for(sim.url, second)
    b.start()
    try:
        assert wait_for(lambda: "refused" in (b.stats().last_error or ""))
        assert not b.stats().connected
        a.close()
        assert b.wait_connected(5)  # the reader is free again
        assert wait_for(lambda: bool(second.at("in")))
    finally:
        a.close()
        b.close()


# --- faults -------------------------------------------------------------------------------


def test_dropped_connection_reconnects_and_reads_again(sim: LLRPSimulator) -> None:
    reads = Reads()
    reader = reader_for(sim.url, reads)
    reader.start()
    try:
        assert wait_for(lambda: reads.count() > 0)
        sim.drop_connection()
        assert wait_for(lambda: reader.stats().reconnects == 1)
        seen = reads.count()
        assert wait_for(lambda: reads.count() > seen + 5)
        assert sim.sessions == 2
    finally:
        reader.close()


def test_a_silent_reader_trips_the_keepalive_watchdog(sim: LLRPSimulator) -> None:
    reads = Reads()
    reader = reader_for(sim.url, reads, keepalive=0.2, missed_keepalives=3)
    reader.start()
    try:
        assert reader.wait_connected(5)
        sim.hang()  # TCP stays up; nothing comes
        assert wait_for(lambda: "keepalive missed" in (reader.stats().last_error or ""), 5)
        heard = reader.stats().last_heard
        assert heard is not None and time.monotonic() - heard >= 0.6
        sim.hang(False)
        assert wait_for(lambda: reader.stats().connected and reader.stats().reconnects >= 1)
    finally:
        reader.close()


def test_malformed_messages_are_dropped_and_reading_goes_on(sim: LLRPSimulator) -> None:
    reads = Reads()
    reader = reader_for(sim.url, reads)
    reader.start()
    try:
        assert wait_for(lambda: reads.count() > 0)
        for _ in range(3):
            sim.send_malformed()
        assert wait_for(lambda: reader.stats().dropped.get("param", 0) >= 3)
        seen = reads.count()
        assert wait_for(lambda: reads.count() > seen + 5)
        assert reader.stats().reconnects == 0  # no need to drop the connection for it
    finally:
        reader.close()


@pytest.mark.parametrize(
    "faults",
    [
        Faults(byte_at_a_time=True),
        Faults(noise_prob=0.5, noise_max=20),
        Faults(truncate_prob=0.3, corrupt_prob=0.3, noise_prob=0.3),
    ],
    ids=["byte_at_a_time", "noise", "damaged_copies"],
)
def test_reports_survive_the_line(faults: Faults) -> None:
    with LLRPSimulator(seed=9, faults=faults) as sim:
        sim.antenna(2).add_tag(EPC_IN)
        sim.antenna(4).add_tag(EPC_OUT)
        reads = Reads()
        reader = reader_for(sim.url, reads, keepalive=1.0)
        reader.start()
        try:
            assert wait_for(lambda: len(reads.items) >= 40)
            assert reads.at("in") == {EPC_IN} and reads.at("out") == {EPC_OUT}
        finally:
            reader.close()


def test_a_reader_off_the_network_is_retried_until_it_is_back(sim: LLRPSimulator) -> None:
    reads = Reads()
    reader = reader_for(sim.url, reads)
    reader.start()
    try:
        assert reader.wait_connected(5)
        sim.unplug(1.0)
        assert wait_for(lambda: not reader.stats().connected)
        assert wait_for(lambda: reader.stats().reconnects == 1 and reader.stats().connected)
        seen = reads.count()
        assert wait_for(lambda: reads.count() > seen)
    finally:
        reader.close()


def test_require_port_raises_when_nothing_listens() -> None:
    with LLRPSimulator() as sim:
        url = sim.url
    reader = LLRPReader(url, "p", Reads(), backoff=FAST)
    with pytest.raises(PortUnavailable, match="llrp://127.0.0.1"):
        reader.start(require_port=True)
