"""125 kHz EM4100 badge readers: the RDM6300 frame and the decimal-line format.

RDM6300 (9600 baud, transmit only): 14 bytes ``02 | 10 ASCII hex | 2 ASCII hex | 03``.
The 10 hex digits are 5 data bytes (1 version/customer byte + 32-bit card id); the
checksum is the XOR of the 5 data bytes. Example (``PROTOCOLS.md``): id ``0100073EA7``
→ ``02 30 31 30 30 30 37 33 45 41 37 39 46 03``.

Decimal-line readers print only the low 32 bits of the id as 10 decimal digits and a line
end (``0000474791\\r\\n`` is the same card as above). The version byte is LOST: such a
reader cannot tell ``0100073EA7`` from ``FF00073EA7``. Badge ids are therefore matched on
:func:`badge_key` — the low 32 bits as 8 upper-case hex digits — and a site with decimal
readers must register each badge so that its key is unique (registering the full
10-digit id is fine; the key is derived from it).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from drivers.errors import BadFrame
from drivers.framing import BufferedFramer

logger = logging.getLogger(__name__)

BAUDRATE = 9600
STX = 0x02
ETX = 0x03
FRAME_LEN = 14

_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")
_DECIMAL_TOKEN = re.compile(rb"(?<![0-9])([0-9]{10})$")
_LINE_ENDS = b"\r\n"


def badge_key(badge_id: str) -> str:
    """The part of a badge id every reader reports: the low 32 bits, 8 upper-case hex
    digits. Accepts the 10-digit RDM6300 form, the 8-digit decimal-reader form, or
    10 decimal digits as printed by a desktop reader (``0000474791``)."""
    text = badge_id.strip()
    if len(text) == 10 and text.isdigit():
        value = int(text)
        if value > 0xFFFFFFFF:
            raise BadFrame("range", f"decimal badge id {text} exceeds 32 bits")
        return f"{value:08X}"
    if len(text) in (8, 10) and all(c in "0123456789abcdefABCDEF" for c in text):
        return text[-8:].upper()
    raise BadFrame("format", f"badge id {badge_id!r} is not 8/10 hex or 10 decimal digits")


@dataclass(frozen=True, slots=True)
class Rdm6300Frame:
    """One RDM6300 frame; ``data`` is the 5 card bytes (version + 32-bit id)."""

    data: bytes

    @classmethod
    def for_id(cls, badge_id: str) -> Rdm6300Frame:
        """The frame a reader sends for the 10-hex-digit ``badge_id``."""
        if len(badge_id) != 10 or any(c not in "0123456789abcdefABCDEF" for c in badge_id):
            raise BadFrame("format", f"EM4100 id {badge_id!r} is not 10 hex digits")
        return cls(bytes.fromhex(badge_id))

    @property
    def id_hex(self) -> str:
        """The 10-digit upper-case hex id."""
        return self.data.hex().upper()

    @property
    def checksum(self) -> int:
        """XOR of the 5 data bytes."""
        x = 0
        for b in self.data:
            x ^= b
        return x

    def to_bytes(self) -> bytes:
        """Wire bytes (upper-case hex, as the reader sends)."""
        if len(self.data) != 5:
            raise BadFrame("length", f"EM4100 data is 5 bytes, got {len(self.data)}")
        text = f"{self.id_hex}{self.checksum:02X}".encode("ascii")
        return bytes((STX,)) + text + bytes((ETX,))

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> Rdm6300Frame:
        """Parse exactly one 14-byte frame; raise :class:`BadFrame`."""
        if len(data) != FRAME_LEN:
            raise BadFrame("length", f"RDM6300 frame is 14 bytes, got {len(data)}")
        if data[0] != STX:
            raise BadFrame("header", f"frame starts with {data[0]:02X}, not 02")
        if data[13] != ETX:
            raise BadFrame("end_byte", f"end byte is {data[13]:02X}, not 03")
        text = bytes(data[1:13])
        if not _HEX_DIGITS.issuperset(text):
            raise BadFrame("format", f"non-hex characters in {text!r}")
        raw = bytes.fromhex(text.decode("ascii"))
        frame = cls(raw[:5])
        if frame.checksum != raw[5]:
            raise BadFrame("checksum", f"XOR {frame.checksum:02X} != {raw[5]:02X}")
        return frame


@dataclass(frozen=True, slots=True)
class DecimalLine:
    """One line of a decimal-output reader: the low 32 bits of the card id."""

    value: int

    @property
    def id_hex(self) -> str:
        """The low 32 bits as 8 upper-case hex digits (the version byte is unknown)."""
        return f"{self.value:08X}"

    def to_bytes(self) -> bytes:
        """Wire bytes: 10 decimal digits and CR LF."""
        if not 0 <= self.value <= 0xFFFFFFFF:
            raise BadFrame("range", f"{self.value} does not fit 32 bits")
        return f"{self.value:010d}\r\n".encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> DecimalLine:
        """Parse one line (line end optional); raise :class:`BadFrame`."""
        text = bytes(data).strip(b"\r\n ")
        if len(text) != 10 or not text.isdigit():
            raise BadFrame("format", f"expected 10 decimal digits, got {text!r}")
        value = int(text)
        if value > 0xFFFFFFFF:
            raise BadFrame("range", f"{value} exceeds 32 bits")
        return cls(value)


class Rdm6300Framer(BufferedFramer[Rdm6300Frame]):
    """Finds RDM6300 frames in a byte stream split anywhere and mixed with garbage."""

    def _scan(self, final: bool) -> list[Rdm6300Frame]:
        buf = self._buf
        n = len(buf)
        counters = self._c
        out: list[Rdm6300Frame] = []
        pos = 0
        while pos < n:
            start = buf.find(STX, pos)
            if start < 0:
                counters.garbage_bytes += n - pos
                pos = n
                break
            counters.garbage_bytes += start - pos
            pos = start
            if n - pos < FRAME_LEN:
                if not final:
                    break
                counters.dropped["truncated"] += 1
                pos += 1
                continue
            try:
                frame = Rdm6300Frame.from_bytes(buf[pos : pos + FRAME_LEN])
            except BadFrame as exc:
                counters.dropped[exc.reason] += 1
                pos += 1
                continue
            out.append(frame)
            counters.frames_ok += 1
            pos += FRAME_LEN
        del buf[:pos]
        return out


class DecimalLineFramer(BufferedFramer[DecimalLine]):
    """Finds decimal-reader lines in a byte stream.

    A line ends at CR or LF. Since the format has no checksum, noise can only be told
    apart by shape: the line must END with exactly 10 digits; bytes before them that are
    not digits are skipped as noise (a reader's line after some garbage still counts),
    anything else is dropped as ``format``.
    """

    def __init__(self, max_line: int = 64) -> None:
        super().__init__()
        self._max = max_line

    def feed(self, data: bytes) -> list[DecimalLine]:
        """Add bytes as read; return the lines they complete."""
        self._buf += data
        out: list[DecimalLine] = []
        buf = self._buf
        while True:
            ends = [i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0]
            if not ends:
                break
            cut = min(ends)
            line = bytes(buf[:cut])
            del buf[: cut + 1]
            if line:
                self._line(line, out)
        if len(buf) > self._max:
            # No line end for too long: keep just enough for a line still in progress.
            self._c.dropped["length"] += 1
            self._c.garbage_bytes += len(buf) - 11
            del buf[:-11]
        return out

    def on_idle(self) -> list[DecimalLine]:
        """The line went quiet without a line end: drop the partial line."""
        self.reset()
        return []

    def _line(self, line: bytes, out: list[DecimalLine]) -> None:
        match = _DECIMAL_TOKEN.search(line)
        if match is None:
            self._c.dropped["format"] += 1
            self._c.garbage_bytes += len(line)
            return
        value = int(match.group(1))
        if value > 0xFFFFFFFF:
            self._c.dropped["range"] += 1
            return
        self._c.garbage_bytes += match.start(1)
        self._c.frames_ok += 1
        out.append(DecimalLine(value))
