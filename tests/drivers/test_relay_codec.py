"""Relay-board codecs against golden bytes: the LCUS command frames of the modules'
documentation, and the Modbus RTU write-single-coil frames pymodbus puts on the wire."""

from __future__ import annotations

import pytest

from drivers.relay import LcusCommand, lcus_decode, lcus_frame
from tracker.domain.errors import InvalidInput


def test_lcus_frames_are_the_documented_bytes() -> None:
    assert lcus_frame(1, True) == bytes.fromhex("A0 01 01 A2")
    assert lcus_frame(1, False) == bytes.fromhex("A0 01 00 A1")
    assert lcus_frame(2, True) == bytes.fromhex("A0 02 01 A3")
    assert lcus_frame(8, False) == bytes.fromhex("A0 08 00 A8")


def test_lcus_relay_numbers_outside_1_to_8_are_refused() -> None:
    for bad in (0, 9):
        with pytest.raises(InvalidInput):
            lcus_frame(bad, True)


def test_lcus_decoder_finds_commands_through_garbage_and_keeps_a_partial_frame() -> None:
    stream = bytes.fromhex("FF A0 01 01 A3 A0 01 01 A2 00 A0 02 00 A2 A0 01")
    commands, rest, skipped = lcus_decode(stream)
    assert commands == [LcusCommand(1, True), LcusCommand(2, False)]
    assert rest == bytes.fromhex("A0 01")
    assert skipped == 6  # FF, the bad-checksum frame (rescanned byte by byte), the 00
    more, rest, _ = lcus_decode(rest + bytes.fromhex("00 A1"))
    assert more == [LcusCommand(1, False)] and rest == b""


def test_modbus_write_single_coil_frames_are_the_standard_bytes() -> None:
    from pymodbus.framer import FramerRTU
    from pymodbus.pdu import DecodePDU
    from pymodbus.pdu.bit_message import WriteSingleCoilRequest

    framer = FramerRTU(DecodePDU(False))
    on = framer.buildFrame(WriteSingleCoilRequest(address=0, bits=[True], dev_id=1))
    off = framer.buildFrame(WriteSingleCoilRequest(address=0, bits=[False], dev_id=1))
    assert on == bytes.fromhex("01 05 00 00 FF 00 8C 3A")
    assert off == bytes.fromhex("01 05 00 00 00 00 CD CA")
