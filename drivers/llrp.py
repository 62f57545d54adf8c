"""EPCglobal LLRP 1.1 (Low Level Reader Protocol, TCP port 5084): the messages a host
needs to run an inventory on a fixed reader (Impinj Speedway / R700, Zebra FX7500 /
FX9600, …), as frozen dataclasses with ``to_bytes()`` / ``from_bytes()``, and
:class:`LLRPFramer`, which finds them in a byte stream.

A host connects, waits for the reader's ConnectionAttemptEvent, may negotiate 1.1
(``GET_SUPPORTED_VERSION`` / ``SET_PROTOCOL_VERSION``; a 1.0.1 reader answers with an
error and the session stays at version 1), then ``GET_READER_CAPABILITIES``,
``SET_READER_CONFIG``, ``ADD_ROSPEC`` / ``ENABLE_ROSPEC`` / ``START_ROSPEC``; reports
arrive as ``RO_ACCESS_REPORT``, and ``KEEPALIVE`` must be answered with
``KEEPALIVE_ACK``. On exit: ``STOP_ROSPEC``, ``DELETE_ROSPEC``, ``CLOSE_CONNECTION``.
Parameter encoding is in :mod:`drivers.llrp_params`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from drivers.errors import BadFrame
from drivers.framing import BufferedFramer
from drivers.llrp_params import (
    HEADER_LEN,
    P_EVENT_NOTIFICATION_STATE,
    P_EVENTS_AND_REPORTS,
    P_GENERAL_DEVICE_CAPABILITIES,
    P_KEEPALIVE_SPEC,
    P_READER_EVENT_NOTIFICATION_DATA,
    P_READER_EVENT_NOTIFICATION_SPEC,
    P_ROSPEC,
    P_TAG_REPORT_DATA,
    VERSION_1_0_1,
    VERSIONS,
    ReaderEvent,
    ROSpec,
    Status,
    TagReport,
    find_status,
    header,
    need,
    params,
    read_utf8v,
    tlv,
)

PORT = 5084
OK = Status()
NO_EVENT = ReaderEvent()

GET_READER_CAPABILITIES = 1
SET_READER_CONFIG = 3
CLOSE_CONNECTION_RESPONSE = 4
GET_READER_CAPABILITIES_RESPONSE = 11
SET_READER_CONFIG_RESPONSE = 13
CLOSE_CONNECTION = 14
ADD_ROSPEC = 20
DELETE_ROSPEC = 21
START_ROSPEC = 22
STOP_ROSPEC = 23
ENABLE_ROSPEC = 24
DISABLE_ROSPEC = 25
ADD_ROSPEC_RESPONSE = 30
DELETE_ROSPEC_RESPONSE = 31
START_ROSPEC_RESPONSE = 32
STOP_ROSPEC_RESPONSE = 33
ENABLE_ROSPEC_RESPONSE = 34
DISABLE_ROSPEC_RESPONSE = 35
GET_SUPPORTED_VERSION = 46
SET_PROTOCOL_VERSION = 47
GET_SUPPORTED_VERSION_RESPONSE = 56
SET_PROTOCOL_VERSION_RESPONSE = 57
RO_ACCESS_REPORT = 61
KEEPALIVE = 62
READER_EVENT_NOTIFICATION = 63
KEEPALIVE_ACK = 72
ERROR_MESSAGE = 100

#: Every message type LLRP 1.1 defines (§17.1); a header naming another is not a message.
MESSAGE_TYPES = frozenset(
    {1, 2, 3, 4, 11, 12, 13, 14, *range(20, 27), *range(30, 37), *range(40, 48)}
    | {*range(50, 58), 60, 61, 62, 63, 64, 72, 100, 1023}
)
#: Messages whose whole body is an LLRPStatus (a response to a request).
STATUS_RESPONSES = frozenset(
    {
        CLOSE_CONNECTION_RESPONSE,
        SET_READER_CONFIG_RESPONSE,
        *range(ADD_ROSPEC_RESPONSE, DISABLE_ROSPEC_RESPONSE + 1),
        SET_PROTOCOL_VERSION_RESPONSE,
        ERROR_MESSAGE,
    }
)

#: The response type of each request this codec sends (an ERROR_MESSAGE may come instead).
RESPONSE_TO = {
    GET_READER_CAPABILITIES: GET_READER_CAPABILITIES_RESPONSE,
    SET_READER_CONFIG: SET_READER_CONFIG_RESPONSE,
    CLOSE_CONNECTION: CLOSE_CONNECTION_RESPONSE,
    **{request: request + 10 for request in range(ADD_ROSPEC, DISABLE_ROSPEC + 1)},
    GET_SUPPORTED_VERSION: GET_SUPPORTED_VERSION_RESPONSE,
    SET_PROTOCOL_VERSION: SET_PROTOCOL_VERSION_RESPONSE,
}

#: Largest message accepted (a report of thousands of tags fits); bounds how long a
#: corrupted length field can hold back the messages behind it.
DEFAULT_MAX_LENGTH = 1 << 20


@dataclass(frozen=True, slots=True, kw_only=True)
class LLRPMessage:
    """What every message has: its id (a response carries its request's) and the
    protocol version in its header (1 = LLRP 1.0.1, 2 = LLRP 1.1)."""

    MSG_TYPE: ClassVar[int] = -1
    message_id: int = 0
    version: int = VERSION_1_0_1

    @property
    def msg_type(self) -> int:
        """The message type in the header."""
        return self.MSG_TYPE

    def body(self) -> bytes:
        """The encoded message body (after the header)."""
        return b""

    def to_bytes(self) -> bytes:
        """The whole message: header and body."""
        body = self.body()
        return header(self.msg_type, HEADER_LEN + len(body), self.message_id, self.version) + body

    @classmethod
    def from_bytes(cls: type[_M], data: bytes) -> _M:
        """Parse exactly one message of this class; raise :class:`BadFrame` otherwise."""
        message = decode_message(data)
        if not isinstance(message, cls):
            raise BadFrame("unexpected", f"expected {cls.__name__}, got {message!r}")
        return message


_M = TypeVar("_M", bound=LLRPMessage)


@dataclass(frozen=True, slots=True, kw_only=True)
class LLRPFrame(LLRPMessage):
    """A well-formed message this codec does not interpret (kept with its raw body)."""

    frame_type: int
    payload: bytes = b""

    @property
    def msg_type(self) -> int:
        """The message type in the header."""
        return self.frame_type

    def body(self) -> bytes:
        """The body as received."""
        return self.payload


@dataclass(frozen=True, slots=True, kw_only=True)
class Keepalive(LLRPMessage):
    """Reader → host: I am here (§17.1.58); answer with :class:`KeepaliveAck`."""

    MSG_TYPE: ClassVar[int] = KEEPALIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepaliveAck(LLRPMessage):
    """Host → reader: the answer to a KEEPALIVE (§17.1.59)."""

    MSG_TYPE: ClassVar[int] = KEEPALIVE_ACK


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseConnection(LLRPMessage):
    """Host → reader: end the session (§17.1.56)."""

    MSG_TYPE: ClassVar[int] = CLOSE_CONNECTION


@dataclass(frozen=True, slots=True, kw_only=True)
class GetSupportedVersion(LLRPMessage):
    """Host → reader (LLRP 1.1, §17.1.1): which protocol versions do you speak? Sent
    with version 2 in its header."""

    MSG_TYPE: ClassVar[int] = GET_SUPPORTED_VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportedVersion(LLRPMessage):
    """Reader → host (§17.1.2): the version in use and the highest it supports."""

    MSG_TYPE: ClassVar[int] = GET_SUPPORTED_VERSION_RESPONSE
    current: int
    supported: int
    status: Status = OK

    def body(self) -> bytes:
        """CurrentVersion, SupportedVersion, LLRPStatus."""
        return bytes((self.current, self.supported)) + self.status.to_param()


@dataclass(frozen=True, slots=True, kw_only=True)
class SetProtocolVersion(LLRPMessage):
    """Host → reader (§17.1.3): use ``protocol`` from the next message on."""

    MSG_TYPE: ClassVar[int] = SET_PROTOCOL_VERSION
    protocol: int

    def body(self) -> bytes:
        """ProtocolVersion."""
        return bytes((self.protocol,))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusResponse(LLRPMessage):
    """Reader → host: a response that is only an LLRPStatus (SET_READER_CONFIG,
    ADD/DELETE/START/STOP/ENABLE/DISABLE_ROSPEC, CLOSE_CONNECTION and
    SET_PROTOCOL_VERSION responses) or an ERROR_MESSAGE; ``response_type`` says which."""

    response_type: int
    status: Status = OK

    @property
    def msg_type(self) -> int:
        """The message type in the header."""
        return self.response_type

    def body(self) -> bytes:
        """LLRPStatus."""
        return self.status.to_param()


@dataclass(frozen=True, slots=True, kw_only=True)
class GetReaderCapabilities(LLRPMessage):
    """Host → reader (§17.1.9): ``requested`` 0 = all, 1 = general device capabilities."""

    MSG_TYPE: ClassVar[int] = GET_READER_CAPABILITIES
    requested: int = 0

    def body(self) -> bytes:
        """RequestedData."""
        return bytes((self.requested,))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderCapabilities(LLRPMessage):
    """Reader → host (§17.1.10): status and GeneralDeviceCapabilities — antenna count,
    manufacturer (IANA private enterprise number), model, firmware (other capability
    parameters are skipped)."""

    MSG_TYPE: ClassVar[int] = GET_READER_CAPABILITIES_RESPONSE
    status: Status = OK
    max_antennas: int = 0
    manufacturer: int = 0
    model: int = 0
    firmware: str = ""

    def body(self) -> bytes:
        """LLRPStatus and GeneralDeviceCapabilities (no sub-parameters)."""
        general = struct.pack(">HHII", self.max_antennas, 0, self.manufacturer, self.model)
        fw = self.firmware.encode("utf-8")
        general += struct.pack(">H", len(fw)) + fw
        return self.status.to_param() + tlv(P_GENERAL_DEVICE_CAPABILITIES, general)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetReaderConfig(LLRPMessage):
    """Host → reader (§17.1.13): ``reset`` to factory defaults first, report the
    ``events`` listed as ``(event type, enabled)``, send a KEEPALIVE every
    ``keepalive_ms`` (None: leave it), and ``hold_on_reconnect`` (EventsAndReports:
    hold events and reports on reconnect until ENABLE_EVENTS_AND_REPORTS; None: leave)."""

    MSG_TYPE: ClassVar[int] = SET_READER_CONFIG
    reset: bool = False
    events: tuple[tuple[int, bool], ...] = ()
    keepalive_ms: int | None = None
    hold_on_reconnect: bool | None = None

    def body(self) -> bytes:
        """ResetToFactoryDefault, then the spec's parameter order."""
        out = bytes((0x80 if self.reset else 0,))
        if self.events:
            states = b"".join(
                tlv(P_EVENT_NOTIFICATION_STATE, struct.pack(">HB", kind, 0x80 if on else 0))
                for kind, on in self.events
            )
            out += tlv(P_READER_EVENT_NOTIFICATION_SPEC, states)
        if self.keepalive_ms is not None:
            periodic = 1 if self.keepalive_ms > 0 else 0
            out += tlv(P_KEEPALIVE_SPEC, struct.pack(">BI", periodic, self.keepalive_ms))
        if self.hold_on_reconnect is not None:
            out += tlv(P_EVENTS_AND_REPORTS, bytes((0x80 if self.hold_on_reconnect else 0,)))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class AddROSpec(LLRPMessage):
    """Host → reader (§17.1.21): add ``rospec`` (disabled)."""

    MSG_TYPE: ClassVar[int] = ADD_ROSPEC
    rospec: ROSpec

    def body(self) -> bytes:
        """The ROSpec parameter."""
        return self.rospec.to_param()


@dataclass(frozen=True, slots=True, kw_only=True)
class ROSpecCommand(LLRPMessage):
    """Host → reader: a command naming one ROSpec (0: every ROSpec)."""

    rospec_id: int

    def body(self) -> bytes:
        """ROSpecID (0 means every ROSpec)."""
        return struct.pack(">I", self.rospec_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteROSpec(ROSpecCommand):
    """Host → reader (§17.1.23): delete an ROSpec (0: all)."""

    MSG_TYPE: ClassVar[int] = DELETE_ROSPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class StartROSpec(ROSpecCommand):
    """Host → reader (§17.1.25): start an enabled ROSpec."""

    MSG_TYPE: ClassVar[int] = START_ROSPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class StopROSpec(ROSpecCommand):
    """Host → reader (§17.1.27): stop an active ROSpec."""

    MSG_TYPE: ClassVar[int] = STOP_ROSPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class EnableROSpec(ROSpecCommand):
    """Host → reader (§17.1.29): enable an ROSpec."""

    MSG_TYPE: ClassVar[int] = ENABLE_ROSPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class DisableROSpec(ROSpecCommand):
    """Host → reader (§17.1.31): disable an ROSpec."""

    MSG_TYPE: ClassVar[int] = DISABLE_ROSPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class ROAccessReport(LLRPMessage):
    """Reader → host (§17.1.55): tag reports."""

    MSG_TYPE: ClassVar[int] = RO_ACCESS_REPORT
    tags: tuple[TagReport, ...] = ()

    def body(self) -> bytes:
        """One TagReportData per tag."""
        return b"".join(t.to_param() for t in self.tags)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReaderEventNotification(LLRPMessage):
    """Reader → host (§17.1.57): something happened at the reader."""

    MSG_TYPE: ClassVar[int] = READER_EVENT_NOTIFICATION
    event: ReaderEvent = NO_EVENT

    def body(self) -> bytes:
        """ReaderEventNotificationData."""
        return self.event.to_param()


_EMPTY: dict[int, type[LLRPMessage]] = {
    c.MSG_TYPE: c for c in (Keepalive, KeepaliveAck, CloseConnection, GetSupportedVersion)
}
_ROSPEC_COMMANDS: dict[int, type[ROSpecCommand]] = {
    c.MSG_TYPE: c for c in (DeleteROSpec, StartROSpec, StopROSpec, EnableROSpec, DisableROSpec)
}


def decode_parts(msg_type: int, message_id: int, version: int, body: bytes) -> LLRPMessage:
    """Interpret a message whose header checked out; raise :class:`BadFrame`."""
    ids = {"message_id": message_id, "version": version}
    if msg_type == RO_ACCESS_REPORT:
        tags = tuple(TagReport.from_value(v) for t, v in params(body) if t == P_TAG_REPORT_DATA)
        return ROAccessReport(tags=tags, **ids)
    if msg_type in STATUS_RESPONSES:
        return StatusResponse(response_type=msg_type, status=find_status(body), **ids)
    empty = _EMPTY.get(msg_type)
    if empty is not None:
        if body:
            raise BadFrame("length", f"message type {msg_type} has no body, got {len(body)}")
        return empty(**ids)
    if msg_type == READER_EVENT_NOTIFICATION:
        for ptype, value in params(body):
            if ptype == P_READER_EVENT_NOTIFICATION_DATA:
                return ReaderEventNotification(event=ReaderEvent.from_value(value), **ids)
        raise BadFrame("field", "READER_EVENT_NOTIFICATION without its data")
    if msg_type in _ROSPEC_COMMANDS:
        if len(body) != 4:
            raise BadFrame("length", f"ROSpec command with {len(body)} body bytes")
        return _ROSPEC_COMMANDS[msg_type](rospec_id=struct.unpack(">I", body)[0], **ids)
    return _decode_setup(msg_type, body, ids)


def _decode_setup(msg_type: int, body: bytes, ids: dict[str, int]) -> LLRPMessage:
    if msg_type == GET_READER_CAPABILITIES_RESPONSE:
        return _capabilities(body, ids)
    if msg_type == GET_SUPPORTED_VERSION_RESPONSE:
        need(body, 2, "GET_SUPPORTED_VERSION_RESPONSE")
        return SupportedVersion(
            current=body[0], supported=body[1], status=find_status(body, 2), **ids
        )
    if msg_type == SET_PROTOCOL_VERSION and len(body) == 1:
        return SetProtocolVersion(protocol=body[0], **ids)
    if msg_type == GET_READER_CAPABILITIES and len(body) == 1:
        return GetReaderCapabilities(requested=body[0], **ids)
    if msg_type == SET_READER_CONFIG:
        return _reader_config(body, ids)
    if msg_type == ADD_ROSPEC:
        for ptype, value in params(body):
            if ptype == P_ROSPEC:
                return AddROSpec(rospec=ROSpec.from_value(value), **ids)
        raise BadFrame("field", "ADD_ROSPEC without an ROSpec")
    return LLRPFrame(frame_type=msg_type, payload=body, **ids)


def _capabilities(body: bytes, ids: dict[str, int]) -> ReaderCapabilities:
    status = find_status(body)
    for ptype, v in params(body):
        if ptype == P_GENERAL_DEVICE_CAPABILITIES:
            need(v, 14, "GeneralDeviceCapabilities")
            antennas, _, maker, model = struct.unpack_from(">HHII", v, 0)
            firmware, _ = read_utf8v(v, 12)
            return ReaderCapabilities(
                status=status,
                max_antennas=antennas,
                manufacturer=maker,
                model=model,
                firmware=firmware,
                message_id=ids["message_id"],
                version=ids["version"],
            )
    return ReaderCapabilities(status=status, message_id=ids["message_id"], version=ids["version"])


def _reader_config(body: bytes, ids: dict[str, int]) -> SetReaderConfig:
    need(body, 1, "SET_READER_CONFIG")
    events: list[tuple[int, bool]] = []
    keepalive: int | None = None
    hold: bool | None = None
    for ptype, value in params(body, 1):
        if ptype == P_READER_EVENT_NOTIFICATION_SPEC:
            for _, state in params(value):
                need(state, 3, "EventNotificationState")
                events.append((struct.unpack_from(">H", state)[0], bool(state[2] & 0x80)))
        elif ptype == P_KEEPALIVE_SPEC:
            need(value, 5, "KeepaliveSpec")
            kind, period = struct.unpack_from(">BI", value)
            keepalive = period if kind == 1 else 0
        elif ptype == P_EVENTS_AND_REPORTS:
            need(value, 1, "EventsAndReports")
            hold = bool(value[0] & 0x80)
    return SetReaderConfig(
        reset=bool(body[0] & 0x80),
        events=tuple(events),
        keepalive_ms=keepalive,
        hold_on_reconnect=hold,
        **ids,
    )


def check_header(data: bytes | bytearray, pos: int = 0) -> tuple[int, int, int, int] | None:
    """``(type, length, message id, version)`` when the 10 bytes at ``pos`` can start a
    message (reserved bits clear, version 1 or 2, a type LLRP defines), else None."""
    first = data[pos]
    version = (first >> 2) & 0x7
    if first & 0xE0 or version not in VERSIONS:
        return None
    msg_type = ((first & 0x03) << 8) | data[pos + 1]
    if msg_type not in MESSAGE_TYPES:
        return None
    length, message_id = struct.unpack_from(">II", data, pos + 2)
    return msg_type, length, message_id, version


def decode_message(data: bytes) -> LLRPMessage:
    """Parse exactly one whole message; raise :class:`BadFrame`."""
    if len(data) < HEADER_LEN:
        raise BadFrame("truncated", f"{len(data)} bytes is shorter than a message header")
    head = check_header(data)
    if head is None:
        raise BadFrame("header", f"not an LLRP message header: {bytes(data[:2]).hex()}")
    msg_type, length, message_id, version = head
    if length != len(data):
        raise BadFrame("length", f"header says {length} bytes, message has {len(data)}")
    return decode_parts(msg_type, message_id, version, bytes(data[HEADER_LEN:]))


class LLRPFramer(BufferedFramer[LLRPMessage]):
    """Finds LLRP messages in a byte stream split anywhere and mixed with garbage.

    A candidate is 10 bytes that can be a header (:func:`check_header`); bytes that
    cannot are garbage. A candidate whose length is out of bounds or whose body does
    not decode is dropped (counted by reason) and scanning resumes one byte later, so a
    good message behind a malformed one is still found. Used by the LLRP driver and by
    its simulator.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        super().__init__()
        self._max = max_length

    def _scan(self, final: bool) -> list[LLRPMessage]:
        buf = self._buf
        n = len(buf)
        counters = self._c
        dropped = counters.dropped
        out: list[LLRPMessage] = []
        pos = 0
        while n - pos >= HEADER_LEN:
            head = check_header(buf, pos)
            if head is None:
                counters.garbage_bytes += 1
                pos += 1
                continue
            msg_type, length, message_id, version = head
            if not HEADER_LEN <= length <= self._max:
                dropped["length"] += 1
                pos += 1
                continue
            if pos + length > n:
                if not final:
                    break
                dropped["truncated"] += 1
                pos += 1
                continue
            try:
                message = decode_parts(
                    msg_type, message_id, version, bytes(buf[pos + HEADER_LEN : pos + length])
                )
            except BadFrame as exc:
                dropped[exc.reason] += 1
                pos += 1
                continue
            out.append(message)
            counters.frames_ok += 1
            pos += length
        if final and pos < n and n - pos < HEADER_LEN:
            dropped["truncated"] += 1
            pos = n
        del buf[:pos]
        return out
