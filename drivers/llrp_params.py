"""LLRP binary encoding below the message level: the message header, TLV and TV
parameters, and the parameters this project reads and writes (EPCglobal LLRP 1.1,
§16 "Binary Encoding for LLRP"; 1.0.1 encodes these the same way).

- Message header, 10 bytes: ``Rsvd(3) | Ver(3) | Type(10)`` · ``Length`` (u32, the whole
  message) · ``Message ID`` (u32). Version 1 is LLRP 1.0.1, 2 is LLRP 1.1.
- TLV parameter: ``Rsvd(6) | Type(10)`` · ``Length`` (u16, header included) · value.
- TV parameter (types 1–127): ``1 | Type(7)`` · a value whose length the type fixes.

Pure code: encoders build bytes, decoders raise :class:`~drivers.errors.BadFrame` with a
reason (``param``, ``tv_type``, ``field``, ``epc``) on anything that does not add up.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from drivers.errors import BadFrame

HEADER_LEN = 10
VERSION_1_0_1 = 1
VERSION_1_1 = 2
VERSIONS = (VERSION_1_0_1, VERSION_1_1)

# --- parameter types (LLRP 1.1 §17.2) -----------------------------------------------------
TV_ANTENNA_ID = 1
TV_FIRST_SEEN_UTC = 2
TV_PEAK_RSSI = 6
TV_TAG_SEEN_COUNT = 8
TV_ROSPEC_ID = 9
TV_C1G2_PC = 12
TV_EPC_96 = 13

P_UTC_TIMESTAMP = 128
P_UPTIME = 129
P_GENERAL_DEVICE_CAPABILITIES = 137
P_RECEIVE_SENSITIVITY_ENTRY = 139
P_PER_ANTENNA_AIR_PROTOCOL = 140
P_GPIO_CAPABILITIES = 141
P_ROSPEC = 177
P_RO_BOUNDARY_SPEC = 178
P_ROSPEC_START_TRIGGER = 179
P_ROSPEC_STOP_TRIGGER = 182
P_AISPEC = 183
P_AISPEC_STOP_TRIGGER = 184
P_INVENTORY_PARAMETER_SPEC = 186
P_KEEPALIVE_SPEC = 220
P_EVENTS_AND_REPORTS = 226
P_RO_REPORT_SPEC = 237
P_TAG_REPORT_CONTENT_SELECTOR = 238
P_TAG_REPORT_DATA = 240
P_EPC_DATA = 241
P_READER_EVENT_NOTIFICATION_SPEC = 244
P_EVENT_NOTIFICATION_STATE = 245
P_READER_EVENT_NOTIFICATION_DATA = 246
P_ANTENNA_EVENT = 255
P_CONNECTION_ATTEMPT_EVENT = 256
P_CONNECTION_CLOSE_EVENT = 257
P_LLRP_STATUS = 287
P_C1G2_EPC_MEMORY_SELECTOR = 348

#: Value length of each TV parameter (§16.2.2.1): the type alone says how long it is.
TV_LENGTHS = {
    1: 2,  # AntennaID
    2: 8,  # FirstSeenTimestampUTC
    3: 8,  # FirstSeenTimestampUptime
    4: 8,  # LastSeenTimestampUTC
    5: 8,  # LastSeenTimestampUptime
    6: 1,  # PeakRSSI
    7: 2,  # ChannelIndex
    8: 2,  # TagSeenCount
    9: 4,  # ROSpecID
    10: 2,  # InventoryParameterSpecID
    11: 2,  # C1G2_CRC
    12: 2,  # C1G2_PC
    13: 12,  # EPC-96
    14: 2,  # SpecIndex
    15: 2,  # ClientRequestOpSpecResult
    16: 4,  # AccessSpecID
    17: 2,  # OpSpecID
    18: 4,  # C1G2SingulationDetails
    19: 2,  # C1G2XPCW1 (1.1)
    20: 2,  # C1G2XPCW2 (1.1)
}

#: ConnectionAttemptEvent status 0: the reader accepts this client.
CONNECTION_SUCCESS = 0
#: ReaderEventNotificationSpec event types (§17.2.7.1) the host asks for.
EVENT_ROSPEC = 2
EVENT_ANTENNA = 4
EVENT_READER_EXCEPTION = 6
EVENT_CONNECTION_ATTEMPT = 8

# --- encoding -------------------------------------------------------------------------------


def header(msg_type: int, length: int, message_id: int, version: int) -> bytes:
    """The 10-byte message header."""
    if version not in VERSIONS:
        raise BadFrame("field", f"LLRP version {version} is not 1 (1.0.1) or 2 (1.1)")
    return struct.pack(">HII", (version << 10) | msg_type, length, message_id)


def tlv(ptype: int, value: bytes) -> bytes:
    """A TLV parameter of ``ptype`` around ``value``."""
    return struct.pack(">HH", ptype, len(value) + 4) + value


def tv(ptype: int, value: bytes) -> bytes:
    """A TV parameter of ``ptype``; ``value`` must have the type's fixed length."""
    if TV_LENGTHS.get(ptype) != len(value):
        raise BadFrame("field", f"TV parameter {ptype} takes {TV_LENGTHS.get(ptype)} bytes")
    return bytes((0x80 | ptype,)) + value


def utf8v(text: str) -> bytes:
    """An LLRP ``utf8v`` field: u16 byte count, then UTF-8 bytes."""
    raw = text.encode("utf-8")
    return struct.pack(">H", len(raw)) + raw


# --- decoding -------------------------------------------------------------------------------


def params(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
    """The parameters in ``data[start:end]`` as ``(type, value)``; raise BadFrame when a
    length runs past the end or a TV type is unknown (its length cannot be known)."""
    pos = start
    stop = len(data) if end is None else end
    while pos < stop:
        first = data[pos]
        if first & 0x80:
            ptype = first & 0x7F
            size = TV_LENGTHS.get(ptype)
            if size is None:
                raise BadFrame("tv_type", f"unknown TV parameter type {ptype} at byte {pos}")
            if pos + 1 + size > stop:
                raise BadFrame("param", f"TV parameter {ptype} at byte {pos} is cut short")
            yield ptype, data[pos + 1 : pos + 1 + size]
            pos += 1 + size
            continue
        if pos + 4 > stop:
            raise BadFrame("param", f"parameter header at byte {pos} is cut short")
        ptype, length = struct.unpack_from(">HH", data, pos)
        ptype &= 0x3FF
        if length < 4 or pos + length > stop:
            raise BadFrame("param", f"parameter {ptype} at byte {pos} claims {length} bytes")
        yield ptype, data[pos + 4 : pos + length]
        pos += length


def read_utf8v(data: bytes, pos: int) -> tuple[str, int]:
    """A ``utf8v`` at ``pos``: the text and the position after it."""
    if pos + 2 > len(data):
        raise BadFrame("field", "string length is cut short")
    (size,) = struct.unpack_from(">H", data, pos)
    end = pos + 2 + size
    if end > len(data):
        raise BadFrame("field", f"string of {size} bytes runs past its parameter")
    return data[pos + 2 : end].decode("utf-8", "replace"), end


def need(value: bytes, size: int, what: str) -> None:
    """Raise BadFrame unless ``value`` holds at least ``size`` bytes."""
    if len(value) < size:
        raise BadFrame("field", f"{what} has {len(value)} bytes, needs {size}")


# --- parameters -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """LLRPStatus (§17.2.8.1): ``code`` 0 is M_Success."""

    code: int = 0
    description: str = ""

    @property
    def ok(self) -> bool:
        """True for M_Success."""
        return self.code == 0

    def to_param(self) -> bytes:
        """As an LLRPStatus TLV."""
        return tlv(P_LLRP_STATUS, struct.pack(">H", self.code) + utf8v(self.description))

    @classmethod
    def from_value(cls, value: bytes) -> Status:
        """Decode the value of an LLRPStatus TLV (field/parameter errors are skipped)."""
        need(value, 4, "LLRPStatus")
        (code,) = struct.unpack_from(">H", value, 0)
        text, _ = read_utf8v(value, 2)
        return cls(code, text)


def find_status(body: bytes, start: int = 0) -> Status:
    """The LLRPStatus among the parameters of ``body``; BadFrame when there is none."""
    for ptype, value in params(body, start):
        if ptype == P_LLRP_STATUS:
            return Status.from_value(value)
    raise BadFrame("field", "response carries no LLRPStatus")


@dataclass(frozen=True, slots=True)
class TagReport:
    """One TagReportData (§17.2.7.3): the EPC and the fields the report selector asked
    for (None when absent). ``first_seen_us`` is FirstSeenTimestampUTC (µs since 1970)."""

    epc: bytes
    antenna: int | None = None
    peak_rssi: int | None = None
    first_seen_us: int | None = None
    seen_count: int | None = None
    pc: int | None = None
    rospec_id: int | None = None

    @property
    def epc_hex(self) -> str:
        """The EPC in upper-case hex."""
        return self.epc.hex().upper()

    def to_param(self) -> bytes:
        """As a TagReportData TLV (EPC-96 for a 96-bit EPC, EPCData otherwise)."""
        if len(self.epc) == 12:
            out = tv(TV_EPC_96, self.epc)
        else:
            out = tlv(P_EPC_DATA, struct.pack(">H", len(self.epc) * 8) + self.epc)
        if self.rospec_id is not None:
            out += tv(TV_ROSPEC_ID, struct.pack(">I", self.rospec_id))
        if self.antenna is not None:
            out += tv(TV_ANTENNA_ID, struct.pack(">H", self.antenna))
        if self.peak_rssi is not None:
            out += tv(TV_PEAK_RSSI, struct.pack(">b", self.peak_rssi))
        if self.first_seen_us is not None:
            out += tv(TV_FIRST_SEEN_UTC, struct.pack(">Q", self.first_seen_us))
        if self.seen_count is not None:
            out += tv(TV_TAG_SEEN_COUNT, struct.pack(">H", self.seen_count))
        if self.pc is not None:
            out += tv(TV_C1G2_PC, struct.pack(">H", self.pc))
        return tlv(P_TAG_REPORT_DATA, out)

    @classmethod
    def from_value(cls, value: bytes) -> TagReport:
        """Decode the value of a TagReportData TLV; BadFrame when it has no EPC."""
        # On the hot path of every read: the TV fields are taken straight from the
        # bytes rather than through :func:`params` (twice the throughput, profiled).
        epc: bytes | None = None
        antenna = rssi = first = count = pc = rospec = None
        pos, n = 0, len(value)
        while pos < n:
            head = value[pos]
            if not head & 0x80:
                ptype, v = next(params(value, pos))
                pos += len(v) + 4
                if ptype == P_EPC_DATA:
                    epc = _epc_data(v)
                continue
            ptype = head & 0x7F
            size = TV_LENGTHS.get(ptype)
            if size is None:
                raise BadFrame("tv_type", f"unknown TV parameter type {ptype} at byte {pos}")
            start, pos = pos + 1, pos + 1 + size
            if pos > n:
                raise BadFrame("param", f"TV parameter {ptype} at byte {start - 1} is cut short")
            if ptype == TV_EPC_96:
                epc = value[start:pos]
            elif ptype == TV_ANTENNA_ID:
                antenna = (value[start] << 8) | value[start + 1]
            elif ptype == TV_PEAK_RSSI:
                rssi = value[start] - 256 if value[start] > 127 else value[start]
            elif ptype == TV_FIRST_SEEN_UTC:
                first = int.from_bytes(value[start:pos], "big")
            elif ptype == TV_TAG_SEEN_COUNT:
                count = (value[start] << 8) | value[start + 1]
            elif ptype == TV_C1G2_PC:
                pc = (value[start] << 8) | value[start + 1]
            elif ptype == TV_ROSPEC_ID:
                rospec = int.from_bytes(value[start:pos], "big")
        if not epc:
            raise BadFrame("epc", "TagReportData carries no EPC")
        return cls(epc, antenna, rssi, first, count, pc, rospec)


def _epc_data(v: bytes) -> bytes:
    need(v, 2, "EPCData")
    (bits,) = struct.unpack_from(">H", v, 0)
    if len(v) - 2 != (bits + 7) // 8:
        raise BadFrame("epc", f"EPCData says {bits} bits, carries {len(v) - 2} bytes")
    return v[2:]


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    """ReaderEventNotificationData (§17.2.7.6), the parts a host acts on:
    ``connection_attempt`` (ConnectionAttemptEvent status, 0 = accepted),
    ``connection_closed`` (the reader is closing), ``antenna_events`` as
    ``(antenna, connected)``."""

    timestamp_us: int = 0
    connection_attempt: int | None = None
    connection_closed: bool = False
    antenna_events: tuple[tuple[int, bool], ...] = ()

    def to_param(self) -> bytes:
        """As a ReaderEventNotificationData TLV."""
        out = tlv(P_UTC_TIMESTAMP, struct.pack(">Q", self.timestamp_us))
        for antenna, connected in self.antenna_events:
            # AntennaEvent: EventType 0 disconnected / 1 connected, AntennaID.
            out += tlv(P_ANTENNA_EVENT, struct.pack(">BH", int(connected), antenna))
        if self.connection_attempt is not None:
            out += tlv(P_CONNECTION_ATTEMPT_EVENT, struct.pack(">H", self.connection_attempt))
        if self.connection_closed:
            out += tlv(P_CONNECTION_CLOSE_EVENT, b"")
        return tlv(P_READER_EVENT_NOTIFICATION_DATA, out)

    @classmethod
    def from_value(cls, value: bytes) -> ReaderEvent:
        """Decode the value of a ReaderEventNotificationData TLV (other events skipped)."""
        stamp = 0
        attempt: int | None = None
        closed = False
        antennas: list[tuple[int, bool]] = []
        for ptype, v in params(value):
            if ptype in (P_UTC_TIMESTAMP, P_UPTIME):
                need(v, 8, "timestamp")
                stamp = struct.unpack_from(">Q", v)[0]
            elif ptype == P_CONNECTION_ATTEMPT_EVENT:
                need(v, 2, "ConnectionAttemptEvent")
                attempt = struct.unpack_from(">H", v)[0]
            elif ptype == P_CONNECTION_CLOSE_EVENT:
                closed = True
            elif ptype == P_ANTENNA_EVENT:
                need(v, 3, "AntennaEvent")
                kind, antenna = struct.unpack_from(">BH", v)
                antennas.append((antenna, kind == 1))
        return cls(stamp, attempt, closed, tuple(antennas))


@dataclass(frozen=True, slots=True)
class ROSpec:
    """The reader operation this project runs (§17.2.4.1): started and stopped by
    command (null triggers), one AISpec inventorying ``antennas`` (empty: all, encoded as
    antenna 0) with EPC Gen2 until stopped, a report after every ``report_n`` tags
    carrying ROSpecID, antenna, peak RSSI, first-seen time, seen count and the PC word."""

    rospec_id: int = 1
    antennas: tuple[int, ...] = ()
    report_n: int = 1

    def to_param(self) -> bytes:
        """As an ROSpec TLV."""
        boundary = tlv(
            P_RO_BOUNDARY_SPEC,
            tlv(P_ROSPEC_START_TRIGGER, b"\x00")  # null: START_ROSPEC starts it
            + tlv(P_ROSPEC_STOP_TRIGGER, b"\x00" + struct.pack(">I", 0)),  # null
        )
        ids = self.antennas or (0,)
        ai = tlv(
            P_AISPEC,
            struct.pack(f">H{len(ids)}H", len(ids), *ids)
            + tlv(P_AISPEC_STOP_TRIGGER, b"\x00" + struct.pack(">I", 0))  # null
            + tlv(P_INVENTORY_PARAMETER_SPEC, struct.pack(">HB", 1, 1)),  # EPC Gen2
        )
        # TagReportContentSelector: ROSpecID, SpecIndex, InvParamSpecID, AntennaID,
        # ChannelIndex, PeakRSSI, FirstSeen, LastSeen, TagSeenCount, AccessSpecID.
        selector = 0b1001011010 << 6
        report = tlv(
            P_RO_REPORT_SPEC,
            struct.pack(">BH", 2, self.report_n)  # upon N tags or end of ROSpec
            + tlv(
                P_TAG_REPORT_CONTENT_SELECTOR,
                struct.pack(">H", selector)
                + tlv(P_C1G2_EPC_MEMORY_SELECTOR, b"\x40"),  # EnablePCBits
            ),
        )
        head = struct.pack(">IBB", self.rospec_id, 0, 0)  # priority 0, state disabled
        return tlv(P_ROSPEC, head + boundary + ai + report)

    @classmethod
    def from_value(cls, value: bytes) -> ROSpec:
        """Decode the value of an ROSpec TLV: its id, the first AISpec's antennas and the
        report's N (what a simulated reader needs)."""
        need(value, 6, "ROSpec")
        (rospec_id,) = struct.unpack_from(">I", value, 0)
        antennas: tuple[int, ...] = ()
        report_n = 1
        for ptype, v in params(value, 6):
            if ptype == P_AISPEC and not antennas:
                need(v, 2, "AISpec")
                (count,) = struct.unpack_from(">H", v, 0)
                need(v, 2 + 2 * count, "AISpec antennas")
                ids = struct.unpack_from(f">{count}H", v, 2)
                antennas = () if 0 in ids else tuple(ids)
            elif ptype == P_RO_REPORT_SPEC:
                need(v, 3, "ROReportSpec")
                report_n = struct.unpack_from(">H", v, 1)[0]
        return cls(rospec_id, antennas, report_n)
