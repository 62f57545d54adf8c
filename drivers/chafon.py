"""The serial protocol of the Chafon CF-RU5102 / UHFReader18 family of UHF readers
(UHFReader18 User's Manual V2.0; "answer mode": the reader speaks only when asked).

- Command: ``Len | Adr | Cmd | Data… | CRC-LSB | CRC-MSB``; response:
  ``Len | Adr | reCmd | Status | Data… | CRC-LSB | CRC-MSB``. ``Len`` counts the bytes
  after itself; ``Adr`` is the reader's address (0–254; 255 reaches any reader).
- CRC-16 over ``Len`` … last data byte: polynomial 0x8408 (0x1021 reflected), preset
  0xFFFF, no final XOR, sent low byte first (the manual's reference C routine;
  CRC-16/MCRF4XX in the CRC catalogue). ``04 00 01 DB 4B`` is inventory at address 0.
- Inventory (``01``) answers ``Num`` and then per tag ``EPC length | EPC``; status
  ``01`` all tags reported, ``02`` the scan time ran out, ``03`` more frames follow,
  ``04`` the reader's memory is full, ``FB`` no tag. These answers carry no RSSI.
- 57600 baud, 8N1 by default.

Frozen messages with ``to_bytes()`` / ``from_bytes()``; :class:`ChafonFramer` finds them
in a byte stream (responses for the host, commands for the simulator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from drivers.errors import BadFrame
from drivers.framing import BufferedFramer

BAUDRATE = 57600
BROADCAST = 0xFF

CMD_INVENTORY = 0x01
CMD_READER_INFO = 0x21

STATUS_OK = 0x00
STATUS_DONE = 0x01  # inventory: every tag found is in this answer
STATUS_TIMEOUT = 0x02  # inventory: the scan time ran out before all tags were read
STATUS_MORE = 0x03  # inventory: the answer continues in the next frame
STATUS_FULL = 0x04  # inventory: the reader's memory filled up
STATUS_NO_TAG = 0xFB
INVENTORY_STATUSES = (STATUS_DONE, STATUS_TIMEOUT, STATUS_MORE, STATUS_FULL, STATUS_NO_TAG)

MAX_LEN = 0xFF  # Len is one byte: a frame is at most 256 bytes


def _table() -> tuple[int, ...]:
    out = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        out.append(crc)
    return tuple(out)


_CRC_TABLE = _table()


def crc16(data: bytes | bytearray | memoryview) -> int:
    """The protocol's CRC-16 of ``data`` (see the module docstring)."""
    crc = 0xFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _seal(body: bytes) -> bytes:
    """``body`` (Len first) with its CRC appended, low byte first."""
    crc = crc16(body)
    return body + bytes((crc & 0xFF, crc >> 8))


@dataclass(frozen=True, slots=True)
class ChafonCommand:
    """Host → reader: ``command`` with ``data`` for the reader at ``address``."""

    command: int
    data: bytes = b""
    address: int = BROADCAST

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        size = 4 + len(self.data)
        if size > MAX_LEN or not 0 <= self.address <= 0xFF:
            raise BadFrame("field", f"command of {size} bytes to address {self.address}")
        return _seal(bytes((size, self.address, self.command)) + self.data)

    @classmethod
    def inventory(cls, address: int = BROADCAST) -> ChafonCommand:
        """The EPC inventory command (``04 FF 01 1B B4`` broadcast)."""
        return cls(CMD_INVENTORY, b"", address)

    @classmethod
    def reader_info(cls, address: int = BROADCAST) -> ChafonCommand:
        """Get reader information (``04 FF 21 19 95`` broadcast)."""
        return cls(CMD_READER_INFO, b"", address)

    @classmethod
    def from_bytes(cls, data: bytes) -> ChafonCommand:
        """Parse exactly one command frame; raise :class:`BadFrame`."""
        body = _check(data, 4)
        return cls(body[2], bytes(body[3:]), body[1])


@dataclass(frozen=True, slots=True)
class ChafonResponse:
    """Reader → host: a response this codec does not interpret further."""

    command: int
    status: int
    data: bytes = b""
    address: int = 0

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        size = 5 + len(self.data)
        if size > MAX_LEN:
            raise BadFrame("length", f"a response of {size} bytes does not fit Len")
        return _seal(bytes((size, self.address, self.command, self.status)) + self.data)

    @classmethod
    def from_bytes(cls, data: bytes) -> ChafonResponse:
        """Parse exactly one response frame as a generic response."""
        body = _check(data, 5)
        return cls(body[2], body[3], bytes(body[4:]), body[1])


@dataclass(frozen=True, slots=True)
class InventoryAnswer:
    """Reader → host: the tags an inventory found (see ``status``)."""

    epcs: tuple[bytes, ...] = ()
    status: int = STATUS_DONE
    address: int = 0

    @property
    def final(self) -> bool:
        """True when no further frame of this inventory follows."""
        return self.status != STATUS_MORE

    def to_bytes(self) -> bytes:
        """Wire bytes (a "no tag" answer carries no data)."""
        data = b""
        if self.status != STATUS_NO_TAG:
            data = bytes((len(self.epcs),)) + b"".join(bytes((len(e),)) + e for e in self.epcs)
        return ChafonResponse(CMD_INVENTORY, self.status, data, self.address).to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> InventoryAnswer:
        """Parse exactly one frame; raise :class:`BadFrame` unless it is this answer."""
        return _expect(decode_response(data), cls)

    @classmethod
    def from_response(cls, r: ChafonResponse) -> InventoryAnswer:
        """Interpret an inventory response; raise :class:`BadFrame` when the tag list
        does not add up to the frame."""
        if r.status not in INVENTORY_STATUSES:
            raise BadFrame("status", f"inventory status {r.status:02X}")
        if r.status == STATUS_NO_TAG or not r.data:
            return cls((), r.status, r.address)
        count, pos = r.data[0], 1
        epcs: list[bytes] = []
        for _ in range(count):
            if pos >= len(r.data):
                raise BadFrame("epc_length", f"{count} tags announced, {len(epcs)} present")
            size = r.data[pos]
            if size == 0 or pos + 1 + size > len(r.data):
                raise BadFrame("epc_length", f"tag {len(epcs) + 1} claims {size} EPC bytes")
            epcs.append(bytes(r.data[pos + 1 : pos + 1 + size]))
            pos += 1 + size
        if pos != len(r.data):
            raise BadFrame("epc_length", f"{len(r.data) - pos} bytes after the last tag")
        return cls(tuple(epcs), r.status, r.address)


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    """Reader → host: firmware version (major, minor), reader type, supported air
    protocols, frequency band bytes, output power (dBm) and inventory scan time (×100 ms)."""

    version: tuple[int, int] = (0, 0)
    reader_type: int = 0
    protocols: int = 0
    max_freq: int = 0
    min_freq: int = 0
    power: int = 0
    scan_time: int = 0
    address: int = 0

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        data = bytes((*self.version, self.reader_type, self.protocols))
        data += bytes((self.max_freq, self.min_freq, self.power, self.scan_time))
        return ChafonResponse(CMD_READER_INFO, STATUS_OK, data, self.address).to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> ReaderInfo:
        """Parse exactly one frame; raise :class:`BadFrame` unless it is this answer."""
        return _expect(decode_response(data), cls)


ChafonMessage = InventoryAnswer | ReaderInfo | ChafonResponse | ChafonCommand

_T = TypeVar("_T")


def _expect(message: object, cls: type[_T]) -> _T:
    if not isinstance(message, cls):
        raise BadFrame("unexpected", f"expected {cls.__name__}, got {message!r}")
    return message


def _check(data: bytes | bytearray, least: int) -> bytes | bytearray:
    """``data`` without its CRC when it is exactly one frame of at least ``least``
    bytes after Len; raise :class:`BadFrame` otherwise."""
    if len(data) < least + 1:
        raise BadFrame("truncated", f"{len(data)} bytes is shorter than any frame")
    if data[0] + 1 != len(data):
        raise BadFrame("length", f"Len says {data[0] + 1} bytes, frame has {len(data)}")
    crc = crc16(data[:-2])
    if data[-2] != crc & 0xFF or data[-1] != crc >> 8:
        raise BadFrame("crc", f"CRC {data[-1]:02X}{data[-2]:02X} != {crc:04X}")
    return data[:-2]


def interpret(r: ChafonResponse) -> ChafonMessage:
    """The specific message a generic response is; raise :class:`BadFrame`."""
    if r.command == CMD_INVENTORY:
        return InventoryAnswer.from_response(r)
    if r.command == CMD_READER_INFO and r.status == STATUS_OK and len(r.data) == 8:
        d = r.data
        return ReaderInfo((d[0], d[1]), d[2], d[3], d[4], d[5], d[6], d[7], r.address)
    return r


def decode_response(data: bytes) -> ChafonMessage:
    """Parse exactly one response frame into its message type; raise :class:`BadFrame`."""
    return interpret(ChafonResponse.from_bytes(data))


class ChafonFramer(BufferedFramer[ChafonMessage]):
    """Finds frames in a byte stream split anywhere and mixed with garbage: responses
    (the host's view) or, with ``commands``, commands (the simulator's). Every byte may
    be a Len; a candidate whose CRC or content fails is dropped by reason and scanning
    resumes one byte later."""

    def __init__(self, *, commands: bool = False) -> None:
        super().__init__()
        self._least = 4 if commands else 5
        self._commands = commands

    def _scan(self, final: bool) -> list[ChafonMessage]:
        buf = self._buf
        n = len(buf)
        dropped = self._c.dropped
        out: list[ChafonMessage] = []
        pos = 0
        while pos < n:
            size = buf[pos]
            if size < self._least:
                self._c.garbage_bytes += 1
                pos += 1
                continue
            end = pos + size + 1
            if end > n:
                if not final:
                    break
                dropped["truncated"] += 1
                pos += 1
                continue
            crc = crc16(memoryview(buf)[pos : end - 2])
            if buf[end - 2] != crc & 0xFF or buf[end - 1] != crc >> 8:
                dropped["crc"] += 1
                pos += 1
                continue
            frame = bytes(buf[pos:end])
            try:
                message: ChafonMessage = (
                    ChafonCommand.from_bytes(frame)
                    if self._commands
                    else interpret(ChafonResponse.from_bytes(frame))
                )
            except BadFrame as exc:
                dropped[exc.reason] += 1
                pos += 1
                continue
            out.append(message)
            self._c.frames_ok += 1
            pos = end
        del buf[:pos]
        return out
