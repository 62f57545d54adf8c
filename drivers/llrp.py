"""EPCglobal LLRP 1.1 (Low Level Reader Protocol, TCP port 5084): the messages a host
needs to run an inventory on a fixed reader (Impinj Speedway / R700, Zebra FX7500 /
FX9600, …), as frozen dataclasses with ``to_bytes()`` / ``from_bytes()``.

A host connects, waits for the reader's ConnectionAttemptEvent, may negotiate 1.1
(``GET_SUPPORTED_VERSION`` / ``SET_PROTOCOL_VERSION``; a 1.0.1 reader answers with an
error and the session stays at version 1), then ``GET_READER_CAPABILITIES``,
``SET_READER_CONFIG``, ``ADD_ROSPEC`` / ``ENABLE_ROSPEC`` / ``START_ROSPEC``; reports
arrive as ``RO_ACCESS_REPORT``, and ``KEEPALIVE`` must be answered with
``KEEPALIVE_ACK``. On exit: ``STOP_ROSPEC``, ``DELETE_ROSPEC``, ``CLOSE_CONNECTION``.
Parameter encoding is in :mod:`drivers.llrp_params`, decoding and the stream framer
(:class:`~drivers.llrp_framing.LLRPFramer`) in :mod:`drivers.llrp_framing`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from drivers.errors import BadFrame
from drivers.llrp_params import (
    HEADER_LEN,
    P_EVENT_NOTIFICATION_STATE,
    P_EVENTS_AND_REPORTS,
    P_GENERAL_DEVICE_CAPABILITIES,
    P_GPIO_CAPABILITIES,
    P_KEEPALIVE_SPEC,
    P_PER_ANTENNA_AIR_PROTOCOL,
    P_READER_EVENT_NOTIFICATION_SPEC,
    P_RECEIVE_SENSITIVITY_ENTRY,
    VERSION_1_0_1,
    ReaderEvent,
    ROSpec,
    Status,
    TagReport,
    header,
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
        from drivers.llrp_framing import decode_message

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
        """LLRPStatus and GeneralDeviceCapabilities with the sub-parameters the spec
        requires: one ReceiveSensitivityTableEntry (index 1, 0 dB), GPIOCapabilities
        (no GPIO) and a PerAntennaAirProtocol (EPC Gen2) per antenna."""
        general = struct.pack(">HHII", self.max_antennas, 0, self.manufacturer, self.model)
        fw = self.firmware.encode("utf-8")
        general += struct.pack(">H", len(fw)) + fw
        general += tlv(P_RECEIVE_SENSITIVITY_ENTRY, struct.pack(">Hh", 1, 0))
        general += tlv(P_GPIO_CAPABILITIES, struct.pack(">HH", 0, 0))
        for antenna in range(1, self.max_antennas + 1):
            general += tlv(P_PER_ANTENNA_AIR_PROTOCOL, struct.pack(">HHB", antenna, 1, 1))
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
