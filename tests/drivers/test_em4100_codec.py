"""EM4100 codecs against the golden bytes of PROTOCOLS.md."""

from __future__ import annotations

import pytest

from drivers.em4100 import (
    DecimalLine,
    DecimalLineFramer,
    Rdm6300Frame,
    Rdm6300Framer,
    badge_key,
)
from drivers.errors import BadFrame

GOLDEN_RDM6300 = bytes.fromhex("02 30 31 30 30 30 37 33 45 41 37 39 46 03")
GOLDEN_DECIMAL = b"0000474791\r\n"


def test_golden_rdm6300_frame() -> None:
    frame = Rdm6300Frame.from_bytes(GOLDEN_RDM6300)
    assert frame.id_hex == "0100073EA7"
    assert frame.checksum == 0x9F
    assert Rdm6300Frame.for_id("0100073EA7").to_bytes() == GOLDEN_RDM6300


def test_golden_decimal_line_is_the_same_card() -> None:
    line = DecimalLine.from_bytes(GOLDEN_DECIMAL)
    assert line.value == 474791
    assert line.id_hex == "00073EA7"
    assert line.to_bytes() == GOLDEN_DECIMAL
    # The version byte is lost: both forms meet on the low 32 bits.
    assert badge_key("0100073EA7") == badge_key(line.id_hex) == badge_key("0000474791")


def test_lower_case_hex_is_accepted() -> None:
    frame = Rdm6300Frame.from_bytes(GOLDEN_RDM6300.lower())
    assert frame.id_hex == "0100073EA7"


@pytest.mark.parametrize(
    ("damaged", "reason"),
    [
        (GOLDEN_RDM6300[:11] + b"8F\x03", "checksum"),
        (GOLDEN_RDM6300[:-1] + b"\x04", "end_byte"),
        (GOLDEN_RDM6300[:3] + b"G" + GOLDEN_RDM6300[4:], "format"),
        (GOLDEN_RDM6300[:3] + b" " + GOLDEN_RDM6300[4:], "format"),
        (GOLDEN_RDM6300[:-2], "length"),
    ],
)
def test_damaged_rdm6300_frames(damaged: bytes, reason: str) -> None:
    with pytest.raises(BadFrame) as err:
        Rdm6300Frame.from_bytes(damaged)
    assert err.value.reason == reason
    framer = Rdm6300Framer()
    assert framer.feed(damaged) + framer.on_idle() == []


def test_rdm6300_framer_resyncs_on_stx() -> None:
    framer = Rdm6300Framer()
    stream = b"\x02\x02junk\x03" + GOLDEN_RDM6300[:6] + GOLDEN_RDM6300 + GOLDEN_RDM6300
    got = []
    for i in range(0, len(stream), 3):
        got += framer.feed(stream[i : i + 3])
    assert [f.id_hex for f in got] == ["0100073EA7", "0100073EA7"]
    assert framer.stats().frames_ok == 2


@pytest.mark.parametrize(
    ("stream", "ids", "dropped"),
    [
        (b"0000474791\r\n", ["00073EA7"], {}),
        (b"0000474791\r", ["00073EA7"], {}),
        (b"\x00\xffxx0000474791\r\n", ["00073EA7"], {}),  # noise before the line is skipped
        (b"000047479\r\n0000474791\n", ["00073EA7"], {"format": 1}),
        (b"10000474791\r\n", [], {"format": 1}),  # 11 digits: not ours
        (b"4294967295\r\n4294967296\r\n", ["FFFFFFFF"], {"range": 1}),
        (b"00004A4791\r\n", [], {"format": 1}),
    ],
)
def test_decimal_framer(stream: bytes, ids: list[str], dropped: dict[str, int]) -> None:
    framer = DecimalLineFramer()
    got = []
    for byte in stream:
        got += framer.feed(bytes([byte]))
    assert [line.id_hex for line in got] == ids
    assert framer.stats().dropped == dropped


def test_decimal_framer_bounds_a_line_without_end() -> None:
    framer = DecimalLineFramer(max_line=32)
    assert framer.feed(b"x" * 100) == []
    assert framer.feed(b"0000474791\r\n")[0].id_hex == "00073EA7"
    framer.feed(b"00004")
    assert framer.on_idle() == []
    assert framer.stats().dropped["truncated"] == 1


@pytest.mark.parametrize("bad", ["", "12345", "0100073EAG", "99999999999", "4294967296"])
def test_badge_key_rejects_malformed_ids(bad: str) -> None:
    with pytest.raises(BadFrame):
        badge_key(bad)
