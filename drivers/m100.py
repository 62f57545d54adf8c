"""The serial protocol of M100 / YRM100 / JRD-100 UHF reader modules: pure codec and framer.

Frame: ``BB | Type | Cmd | PL_hi PL_lo | params (PL bytes) | CS | 7E`` where Type is
``00`` command (host → reader), ``01`` response, ``02`` notification and CS is the sum of
Type..last parameter byte, modulo 256. Tag notifications carry
``RSSI | PC(2) | EPC | CRC(2)`` with CRC-16/GENIBUS over PC+EPC (see ``PROTOCOLS.md``).

Every message is a frozen dataclass with ``to_bytes()`` / ``from_bytes()``;
:class:`M100Framer` turns an arbitrary byte stream into those messages.
"""

from __future__ import annotations

import binascii
import logging
from dataclasses import dataclass
from typing import TypeVar

from drivers.errors import BadFrame
from drivers.framing import BufferedFramer

logger = logging.getLogger(__name__)

BAUDRATE = 115200
HEADER = 0xBB
END = 0x7E

TYPE_COMMAND = 0x00
TYPE_RESPONSE = 0x01
TYPE_NOTIFICATION = 0x02

CMD_INVENTORY = 0x22
CMD_MULTI_POLL = 0x27
CMD_STOP_MULTI_POLL = 0x28
CMD_ERROR = 0xFF

ERROR_NO_TAG = 0x15

#: Largest parameter block accepted. Real frames are far smaller (a 496-bit EPC gives 67);
#: the cap bounds how long a corrupted length field can hold back the frames behind it.
DEFAULT_MAX_PARAMS = 255

# --- CRC-16/GENIBUS: poly 0x1021, init 0xFFFF, xorout 0xFFFF, not reflected -------------


def crc16_genibus(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/GENIBUS of ``data`` (the check EPC Gen2 tags store over PC+EPC).

    ``binascii.crc_hqx`` is the same non-reflected 0x1021 CRC without the final XOR
    (CRC-16/CCITT-FALSE when started at 0xFFFF); inverting its result gives GENIBUS.
    """
    return binascii.crc_hqx(data, 0xFFFF) ^ 0xFFFF


def checksum(body: bytes | bytearray | memoryview) -> int:
    """The frame checksum: sum of the bytes from Type to the last parameter, mod 256."""
    return sum(body) & 0xFF


# --- frames and messages --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class M100Frame:
    """A well-formed frame whose command this codec does not interpret further."""

    ftype: int
    command: int
    params: bytes = b""

    def to_bytes(self) -> bytes:
        """Encode with header, length, checksum and end byte."""
        if not (0 <= self.ftype <= 0xFF and 0 <= self.command <= 0xFF):
            raise BadFrame("field", f"type/command out of range: {self.ftype}, {self.command}")
        plen = len(self.params)
        if plen > 0xFFFF:
            raise BadFrame("length", f"{plen} parameter bytes do not fit the length field")
        body = bytes((self.ftype, self.command, plen >> 8, plen & 0xFF)) + self.params
        return bytes((HEADER,)) + body + bytes((checksum(body), END))

    @classmethod
    def from_bytes(cls, data: bytes) -> M100Frame:
        """Parse exactly one frame (no leading or trailing bytes); raise :class:`BadFrame`."""
        if len(data) < 7:
            raise BadFrame("truncated", f"{len(data)} bytes is shorter than any frame")
        if data[0] != HEADER:
            raise BadFrame("header", f"frame starts with {data[0]:02X}, not BB")
        if data[1] > TYPE_NOTIFICATION:
            raise BadFrame("type", f"unknown frame type {data[1]:02X}")
        plen = (data[3] << 8) | data[4]
        if len(data) != plen + 7:
            reason = "truncated" if len(data) < plen + 7 else "length"
            raise BadFrame(reason, f"length field says {plen} params, frame has {len(data) - 7}")
        if data[-1] != END:
            raise BadFrame("end_byte", f"end byte is {data[-1]:02X}, not 7E")
        if checksum(data[1:-2]) != data[-2]:
            raise BadFrame("checksum", f"checksum {data[-2]:02X} != {checksum(data[1:-2]):02X}")
        return cls(data[1], data[2], bytes(data[5:-2]))


@dataclass(frozen=True, slots=True)
class InventoryCommand:
    """Host → reader: one inventory round (``BB 00 22 00 00 22 7E``)."""

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_INVENTORY)

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> InventoryCommand:
        """Parse one frame; raise :class:`BadFrame` if it is not this command."""
        return _expect(decode_frame(data), cls)


@dataclass(frozen=True, slots=True)
class MultiPollCommand:
    """Host → reader: ``count`` inventory rounds, notifying every read until stopped."""

    count: int = 10000

    def to_frame(self) -> M100Frame:
        """As a generic frame (params: reserved ``22``, count hi, count lo)."""
        if not 0 <= self.count <= 0xFFFF:
            raise BadFrame("field", f"multi-poll count {self.count} is not 0..65535")
        return M100Frame(
            TYPE_COMMAND, CMD_MULTI_POLL, bytes((0x22, self.count >> 8, self.count & 0xFF))
        )

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> MultiPollCommand:
        """Parse one frame; raise :class:`BadFrame` if it is not this command."""
        return _expect(decode_frame(data), cls)


@dataclass(frozen=True, slots=True)
class StopCommand:
    """Host → reader: stop a multi-poll (``BB 00 28 00 00 28 7E``)."""

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_STOP_MULTI_POLL)

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> StopCommand:
        """Parse one frame; raise :class:`BadFrame` if it is not this command."""
        return _expect(decode_frame(data), cls)


@dataclass(frozen=True, slots=True)
class StopResponse:
    """Reader → host: multi-poll stopped; ``status`` 0 is success."""

    status: int = 0

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, CMD_STOP_MULTI_POLL, bytes((self.status,)))

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> StopResponse:
        """Parse one frame; raise :class:`BadFrame` if it is not this response."""
        return _expect(decode_frame(data), cls)


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """Reader → host: a command failed; ``code`` ``0x15`` means no tag was found."""

    code: int = ERROR_NO_TAG

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, CMD_ERROR, bytes((self.code,)))

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> ErrorResponse:
        """Parse one frame; raise :class:`BadFrame` if it is not an error response."""
        return _expect(decode_frame(data), cls)


@dataclass(frozen=True, slots=True)
class TagNotification:
    """Reader → host: one tag read. ``rssi`` is signed dBm; ``epc`` raw bytes; ``crc``
    the CRC-16/GENIBUS the tag sent over PC+EPC (already verified when decoded)."""

    rssi: int
    pc: int
    epc: bytes
    crc: int

    @classmethod
    def build(cls, epc: bytes, rssi: int, pc: int | None = None) -> TagNotification:
        """A notification for ``epc`` with a correct CRC and (by default) the PC word
        whose length bits match the EPC."""
        if not epc or len(epc) % 2 or len(epc) > 62:
            raise BadFrame("epc_length", f"EPC must be 2..62 bytes, even; got {len(epc)}")
        if pc is None:
            pc = (len(epc) // 2) << 11
        body = pc.to_bytes(2, "big") + epc
        return cls(rssi, pc, bytes(epc), crc16_genibus(body))

    @property
    def epc_hex(self) -> str:
        """The EPC in upper-case hex, as registered and printed on labels."""
        return self.epc.hex().upper()

    def to_frame(self) -> M100Frame:
        """As a generic frame (the CRC is written as stored, even if wrong)."""
        if not -128 <= self.rssi <= 127:
            raise BadFrame("field", f"RSSI {self.rssi} does not fit a signed byte")
        params = (
            bytes((self.rssi & 0xFF,))
            + self.pc.to_bytes(2, "big")
            + self.epc
            + self.crc.to_bytes(2, "big")
        )
        return M100Frame(TYPE_NOTIFICATION, CMD_INVENTORY, params)

    def to_bytes(self) -> bytes:
        """Wire bytes."""
        return self.to_frame().to_bytes()

    @classmethod
    def from_params(cls, params: bytes) -> TagNotification:
        """Decode the parameter block; check EPC length (PC vs PL) and CRC."""
        # On the hot path of every read: kept to plain integer work on purpose.
        plen = len(params)
        if plen < 7:
            raise BadFrame("epc_length", f"notification with {plen} params has no EPC")
        pc = (params[1] << 8) | params[2]
        epc_len = plen - 5
        if (pc >> 11) * 2 != epc_len:
            raise BadFrame(
                "epc_length", f"PC says {(pc >> 11) * 2} EPC bytes, frame carries {epc_len}"
            )
        crc = (params[plen - 2] << 8) | params[plen - 1]
        if binascii.crc_hqx(params[1 : plen - 2], 0xFFFF) ^ 0xFFFF != crc:
            raise BadFrame("crc", f"CRC {crc:04X} does not match PC+EPC")
        rssi = params[0]
        return cls(rssi - 256 if rssi > 127 else rssi, pc, params[3 : plen - 2], crc)

    @classmethod
    def from_bytes(cls, data: bytes) -> TagNotification:
        """Parse one frame; raise :class:`BadFrame` if it is not a valid notification."""
        return _expect(decode_frame(data), cls)


M100Message = (
    TagNotification
    | StopResponse
    | ErrorResponse
    | InventoryCommand
    | MultiPollCommand
    | StopCommand
    | M100Frame
)

_M = TypeVar("_M")


def _expect(message: M100Message, cls: type[_M]) -> _M:
    if not isinstance(message, cls):
        raise BadFrame("unexpected", f"expected {cls.__name__}, got {message!r}")
    return message


def decode_parts(ftype: int, command: int, params: bytes) -> M100Message:
    """Interpret a frame that passed the framing checks; raise :class:`BadFrame`."""
    if ftype == TYPE_NOTIFICATION and command == CMD_INVENTORY:
        return TagNotification.from_params(params)
    plen = len(params)
    if ftype == TYPE_RESPONSE:
        if command == CMD_STOP_MULTI_POLL and plen == 1:
            return StopResponse(params[0])
        if command == CMD_ERROR and plen >= 1:
            return ErrorResponse(params[0])
    elif ftype == TYPE_COMMAND:
        if command == CMD_INVENTORY and plen == 0:
            return InventoryCommand()
        if command == CMD_MULTI_POLL and plen == 3:
            return MultiPollCommand((params[1] << 8) | params[2])
        if command == CMD_STOP_MULTI_POLL and plen == 0:
            return StopCommand()
    return M100Frame(ftype, command, params)


def decode_frame(data: bytes) -> M100Message:
    """Parse exactly one frame into its message type; raise :class:`BadFrame`."""
    frame = M100Frame.from_bytes(data)
    return decode_parts(frame.ftype, frame.command, frame.params)


# --- stream framer ----------------------------------------------------------------------


class M100Framer(BufferedFramer[M100Message]):
    """Finds M100 messages in a byte stream split anywhere and mixed with garbage.

    Candidates start at ``BB``; one failing any check (type, length cap, end byte,
    checksum, EPC length, CRC) is counted and scanning resumes at the next byte. Used by
    both the host driver (notifications, responses) and the simulator (commands).
    """

    def __init__(self, max_params: int = DEFAULT_MAX_PARAMS) -> None:
        super().__init__()
        self._max = max_params

    def _scan(self, final: bool) -> list[M100Message]:
        buf = self._buf
        n = len(buf)
        counters = self._c
        dropped = counters.dropped
        out: list[M100Message] = []
        pos = 0
        while pos < n:
            start = buf.find(HEADER, pos)
            if start < 0:
                counters.garbage_bytes += n - pos
                pos = n
                break
            counters.garbage_bytes += start - pos
            pos = start
            if n - pos < 5:
                if not final:
                    break
                dropped["truncated"] += 1
                pos += 1
                continue
            ftype = buf[pos + 1]
            if ftype > TYPE_NOTIFICATION:
                dropped["type"] += 1
                pos += 1
                continue
            plen = (buf[pos + 3] << 8) | buf[pos + 4]
            if plen > self._max:
                dropped["length"] += 1
                pos += 1
                continue
            end = pos + plen + 7
            if end > n:
                if not final:
                    break
                dropped["truncated"] += 1
                pos += 1
                continue
            if buf[end - 1] != END:
                dropped["end_byte"] += 1
                pos += 1
                continue
            if sum(buf[pos + 1 : end - 2]) & 0xFF != buf[end - 2]:
                dropped["checksum"] += 1
                pos += 1
                continue
            try:
                params = bytes(buf[pos + 5 : end - 2])
                if ftype == TYPE_NOTIFICATION and buf[pos + 2] == CMD_INVENTORY:
                    message: M100Message = TagNotification.from_params(params)
                else:
                    message = decode_parts(ftype, buf[pos + 2], params)
            except BadFrame as exc:
                dropped[exc.reason] += 1
                pos += 1
                continue
            out.append(message)
            counters.frames_ok += 1
            pos = end
        del buf[:pos]
        return out
