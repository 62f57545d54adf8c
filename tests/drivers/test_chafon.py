"""Chafon CF-RU5102 / UHFReader18: the protocol's CRC-16 against frames from the vendor
document and from captures of real readers, the codec and framer, and the driver
against the simulator on a real pty (several tags per answer, answers over several
frames, noise, byte-at-a-time, reader address, a reader that stops answering)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers import chafon
from drivers.chafon_reader import ChafonReader
from drivers.errors import BadFrame
from drivers.reads import UNKNOWN_RSSI, TagRead
from drivers.transport import Backoff
from simulators.chafon import ChafonSimulator
from simulators.device import Faults

FAST = Backoff(0.02, 0.2)

# Frames whose CRC the vendor document's algorithm (and real readers) produce.
GOLDEN = [
    # Inventory to address 0 — the manual's example and what the vendor demo sends.
    ("04 00 01 DB 4B", chafon.ChafonCommand.inventory(0)),
    # Inventory and reader information to the broadcast address.
    ("04 FF 01 1B B4", chafon.ChafonCommand.inventory()),
    ("04 FF 21 19 95", chafon.ChafonCommand.reader_info()),
    # A captured answer: one 12-byte EPC, status 01 (all tags reported).
    (
        "13 00 01 01 01 0C E2 80 69 15 00 00 50 32 42 41 CC ED 57 78",
        chafon.InventoryAnswer((bytes.fromhex("E2806915000050324241CCED"),), 1, 0),
    ),
    # A captured "no tag" answer: status FB, no data.
    ("05 00 01 FB F2 3D", chafon.InventoryAnswer((), chafon.STATUS_NO_TAG, 0)),
]


@pytest.mark.parametrize(("wire", "message"), GOLDEN)
def test_golden_frames_both_ways(wire: str, message: chafon.ChafonMessage) -> None:
    raw = bytes.fromhex(wire)
    assert message.to_bytes() == raw
    parsed = (
        chafon.ChafonCommand.from_bytes(raw)
        if isinstance(message, chafon.ChafonCommand)
        else chafon.decode_response(raw)
    )
    assert parsed == message


def test_crc_is_the_manuals_routine() -> None:
    # The manual's C routine, transcribed bit by bit, agrees with the table-driven one.
    def by_bits(data: bytes) -> int:
        crc = 0xFFFF
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        return crc

    rng = random.Random(1)
    for _ in range(50):
        data = rng.randbytes(rng.randint(0, 60))
        assert chafon.crc16(data) == by_bits(data)
    assert chafon.crc16(b"123456789") == 0x6F91  # CRC-16/MCRF4XX check value


def test_several_tags_of_several_lengths_in_one_answer() -> None:
    epcs = (bytes.fromhex("30751FEB705C5904E3D50D70"), bytes(range(1, 17)), b"\x12\x34")
    raw = chafon.InventoryAnswer(epcs, chafon.STATUS_DONE, 7).to_bytes()
    assert raw[:5] == bytes((len(raw) - 1, 7, 0x01, 0x01, 3))
    assert chafon.InventoryAnswer.from_bytes(raw) == chafon.InventoryAnswer(epcs, 1, 7)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bytes.fromhex("02 0C 30 75"), "epc_length"),  # 2 tags announced, 1 cut short
        (bytes.fromhex("01 02 30 75 99"), "epc_length"),  # a byte after the last tag
        (bytes.fromhex("01 00"), "epc_length"),  # a tag of no bytes
    ],
)
def test_bad_tag_lists_are_refused(data: bytes, reason: str) -> None:
    raw = chafon.ChafonResponse(chafon.CMD_INVENTORY, chafon.STATUS_DONE, data).to_bytes()
    with pytest.raises(BadFrame) as info:
        chafon.decode_response(raw)
    assert info.value.reason == reason


def test_framer_byte_at_a_time_and_through_noise() -> None:
    frames = [chafon.InventoryAnswer((bytes([i] * 12),), chafon.STATUS_DONE, 0) for i in range(30)]
    rng = random.Random(5)
    framer = chafon.ChafonFramer()
    got: list[chafon.ChafonMessage] = []
    for frame in frames:
        wire = rng.randbytes(rng.randint(0, 12)) + frame.to_bytes()
        for i in range(len(wire)):
            got += framer.feed(wire[i : i + 1])
    got += framer.on_idle()
    assert got == frames


# --- the driver against the simulator --------------------------------------------------


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def tags(n: int) -> list[str]:
    return [f"E28011700000020{i:09X}" for i in range(n)]


@pytest.mark.parametrize(
    "faults",
    [
        Faults(),
        Faults(byte_at_a_time=True),
        Faults(noise_prob=0.5, noise_max=20, truncate_prob=0.2, corrupt_prob=0.3),
    ],
    ids=["clean", "byte_at_a_time", "noise_and_damage"],
)
def test_reads_every_tag_of_a_crowded_field(tmp_path: Path, faults: Faults) -> None:
    link = tmp_path / "usb-chafon"
    # 25 tags of 13 bytes each need two frames: status 03, then 01.
    epcs = tags(25)
    with ChafonSimulator(link, seed=3, faults=faults) as sim:
        assert isinstance(sim, ChafonSimulator)
        for epc in epcs:
            sim.add_tag(epc)
        got: list[TagRead] = []
        reader = ChafonReader(str(link), "shelf", got.append, backoff=FAST)
        reader.start()
        try:
            assert wait_for(lambda: reader.inventories >= 3)
            assert {r.epc for r in got} == set(epcs)
            assert all((r.read_point, r.rssi, r.pc) == ("shelf", UNKNOWN_RSSI, 0x3000) for r in got)
            assert reader.info is not None and reader.info.version == (2, 0)
        finally:
            reader.close()


def test_addressed_reader_answers_only_its_own_address(tmp_path: Path) -> None:
    link = tmp_path / "usb-chafon"
    with ChafonSimulator(link, seed=3, address=5) as sim:
        assert isinstance(sim, ChafonSimulator)
        sim.add_tag(tags(1)[0])
        wrong: list[TagRead] = []
        reader = ChafonReader(str(link), "p", wrong.append, address=6, backoff=FAST)
        reader.start()
        assert wait_for(lambda: len(sim.commands) >= 3)
        reader.close()
        assert wrong == [] and reader.stats().last_heard is None
        right: list[TagRead] = []
        reader = ChafonReader(str(link), "p", right.append, address=5, backoff=FAST)
        reader.start()
        try:
            assert wait_for(lambda: bool(right))
        finally:
            reader.close()


def test_a_reader_that_stops_answering_is_no_longer_heard(tmp_path: Path) -> None:
    link = tmp_path / "usb-chafon"
    with ChafonSimulator(link, seed=3) as sim:
        assert isinstance(sim, ChafonSimulator)
        reader = ChafonReader(str(link), "p", lambda r: None, answer_timeout=0.2, backoff=FAST)
        reader.start()
        try:
            assert wait_for(lambda: reader.inventories >= 2)  # "no tag" answers are heard
            sim.silent = True
            time.sleep(0.05)
            heard = reader.stats().last_heard
            assert wait_for(lambda: reader.timeouts >= 2)  # still asking
            assert reader.stats().last_heard == heard
            sim.silent = False
            assert wait_for(lambda: reader.stats().last_heard != heard)
        finally:
            reader.close()
