"""M100 codec and framer against the golden frames of PROTOCOLS.md."""

from __future__ import annotations

import pytest

from drivers.errors import BadFrame
from drivers.m100 import (
    ErrorResponse,
    InventoryCommand,
    M100Frame,
    M100Framer,
    MultiPollCommand,
    StopCommand,
    StopResponse,
    TagNotification,
    crc16_genibus,
    decode_frame,
)

# Literal bytes from PROTOCOLS.md — not produced by our encoder.
GOLDEN_NOTIFICATION = bytes.fromhex(
    "BB 02 22 00 11 C9 34 00 30 75 1F EB 70 5C 59 04 E3 D5 0D 70 3A 76 EF 7E"
)
GOLDEN_INVENTORY = bytes.fromhex("BB 00 22 00 00 22 7E")
GOLDEN_MULTI_POLL = bytes.fromhex("BB 00 27 00 03 22 27 10 83 7E")
GOLDEN_STOP = bytes.fromhex("BB 00 28 00 00 28 7E")
GOLDEN_STOP_RESPONSE = bytes.fromhex("BB 01 28 00 01 00 2A 7E")
GOLDEN_NO_TAG = bytes.fromhex("BB 01 FF 00 01 15 16 7E")


def test_golden_notification_decodes() -> None:
    note = TagNotification.from_bytes(GOLDEN_NOTIFICATION)
    assert note.epc_hex == "30751FEB705C5904E3D50D70"
    assert note.pc == 0x3400
    assert note.rssi == -55
    assert note.crc == 0x3A76


def test_crc16_genibus_over_pc_and_epc() -> None:
    assert crc16_genibus(bytes.fromhex("3400 30751FEB705C5904E3D50D70")) == 0x3A76
    assert crc16_genibus(b"123456789") == 0xD64E  # the catalogue check value


@pytest.mark.parametrize(
    ("message", "golden"),
    [
        (InventoryCommand(), GOLDEN_INVENTORY),
        (MultiPollCommand(10000), GOLDEN_MULTI_POLL),
        (StopCommand(), GOLDEN_STOP),
        (StopResponse(0), GOLDEN_STOP_RESPONSE),
        (ErrorResponse(0x15), GOLDEN_NO_TAG),
        (
            TagNotification(-55, 0x3400, bytes.fromhex("30751FEB705C5904E3D50D70"), 0x3A76),
            GOLDEN_NOTIFICATION,
        ),
    ],
)
def test_encode_and_decode_match_golden_bytes(message: object, golden: bytes) -> None:
    assert message.to_bytes() == golden  # type: ignore[attr-defined]
    assert decode_frame(golden) == message
    assert type(message).from_bytes(golden) == message  # type: ignore[attr-defined]


def test_build_computes_pc_and_crc() -> None:
    note = TagNotification.build(bytes.fromhex("30751FEB705C5904E3D50D70"), -55, pc=0x3400)
    assert note.to_bytes() == GOLDEN_NOTIFICATION
    assert TagNotification.build(b"\x01\x02\x03\x04", -40).pc == 0x1000


def fix_checksum(frame: bytearray) -> bytes:
    frame[-2] = sum(frame[1:-2]) & 0xFF
    return bytes(frame)


@pytest.mark.parametrize(
    ("damaged", "reason"),
    [
        (GOLDEN_NOTIFICATION[:-1] + b"\x7f", "end_byte"),
        (GOLDEN_NOTIFICATION[:-2] + b"\x00\x7e", "checksum"),
        # EPC byte changed, checksum repaired: only the CRC notices.
        (
            fix_checksum(bytearray(GOLDEN_NOTIFICATION[:10] + b"\x00" + GOLDEN_NOTIFICATION[11:])),
            "crc",
        ),
        # PC says 7 words while the frame carries 6.
        (
            fix_checksum(bytearray(GOLDEN_NOTIFICATION[:6] + b"\x3c" + GOLDEN_NOTIFICATION[7:])),
            "epc_length",
        ),
        (GOLDEN_NOTIFICATION[:12], "truncated"),
        (b"\xaa" + GOLDEN_NOTIFICATION[1:], "header"),
        (bytes.fromhex("BB 05 22 00 00 27 7E"), "type"),
    ],
)
def test_damaged_frames_are_rejected_with_a_reason(damaged: bytes, reason: str) -> None:
    with pytest.raises(BadFrame) as err:
        decode_frame(damaged)
    assert err.value.reason == reason
    framer = M100Framer()
    assert framer.feed(damaged) + framer.on_idle() == []


def test_wrong_message_type_is_refused() -> None:
    with pytest.raises(BadFrame, match="expected StopResponse"):
        StopResponse.from_bytes(GOLDEN_NO_TAG)


def test_unknown_commands_stay_generic_frames() -> None:
    frame = M100Frame(0x01, 0x03, b"\x00M100").to_bytes()
    assert decode_frame(frame) == M100Frame(0x01, 0x03, b"\x00M100")


def test_framer_on_every_split_point() -> None:
    stream = GOLDEN_NOTIFICATION + GOLDEN_STOP_RESPONSE + GOLDEN_NO_TAG
    for cut in range(len(stream) + 1):
        framer = M100Framer()
        got = framer.feed(stream[:cut]) + framer.feed(stream[cut:])
        assert [type(m).__name__ for m in got] == [
            "TagNotification",
            "StopResponse",
            "ErrorResponse",
        ]


def test_framer_one_byte_at_a_time_never_blocks() -> None:
    framer = M100Framer()
    got = []
    for i, byte in enumerate(GOLDEN_NOTIFICATION):
        out = framer.feed(bytes([byte]))
        got += out
        assert (out != []) == (i == len(GOLDEN_NOTIFICATION) - 1)
    assert got == [TagNotification.from_bytes(GOLDEN_NOTIFICATION)]


def test_resync_after_garbage_and_a_truncated_frame() -> None:
    framer = M100Framer()
    stream = (
        b"\x00\xbb\xbb\x7e" + GOLDEN_NOTIFICATION[:9] + GOLDEN_NOTIFICATION + GOLDEN_STOP_RESPONSE
    )
    got = framer.feed(stream)
    assert got == [TagNotification.from_bytes(GOLDEN_NOTIFICATION), StopResponse(0)]
    stats = framer.stats()
    assert stats.frames_ok == 2
    assert stats.dropped_total >= 2
    assert stats.garbage_bytes > 0


def test_truncated_frame_before_a_short_frame_is_flushed_when_the_line_goes_quiet() -> None:
    """A cut notification (PL=17) swallows the 8-byte stop response that follows until
    more bytes arrive; when the line goes quiet the framer gives it up."""
    framer = M100Framer()
    assert framer.feed(GOLDEN_NOTIFICATION[:7] + GOLDEN_STOP_RESPONSE) == []
    assert framer.on_idle() == [StopResponse(0)]
    assert framer.stats().dropped["truncated"] == 1


def test_length_cap_rejects_absurd_lengths_at_once() -> None:
    framer = M100Framer()
    assert framer.feed(bytes.fromhex("BB 02 22 7F FF") + GOLDEN_NO_TAG) == [ErrorResponse(0x15)]
    assert framer.stats().dropped["length"] == 1


def test_reset_counts_a_partial_frame() -> None:
    framer = M100Framer()
    framer.feed(GOLDEN_NOTIFICATION[:5])
    framer.reset()
    assert framer.stats().dropped == {"truncated": 1}
    assert framer.feed(GOLDEN_NOTIFICATION)[0].epc_hex == "30751FEB705C5904E3D50D70"  # type: ignore[union-attr]
