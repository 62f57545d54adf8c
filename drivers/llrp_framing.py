"""Decoding LLRP messages: one whole message (:func:`decode_message`) or every message in
a byte stream split anywhere and mixed with garbage (:class:`LLRPFramer`). Pure code."""

from __future__ import annotations

import struct

from drivers.errors import BadFrame
from drivers.framing import BufferedFramer
from drivers.llrp import (
    ADD_ROSPEC,
    DEFAULT_MAX_LENGTH,
    GET_READER_CAPABILITIES,
    GET_READER_CAPABILITIES_RESPONSE,
    GET_SUPPORTED_VERSION_RESPONSE,
    MESSAGE_TYPES,
    READER_EVENT_NOTIFICATION,
    RO_ACCESS_REPORT,
    SET_PROTOCOL_VERSION,
    SET_READER_CONFIG,
    STATUS_RESPONSES,
    AddROSpec,
    CloseConnection,
    DeleteROSpec,
    DisableROSpec,
    EnableROSpec,
    GetReaderCapabilities,
    GetSupportedVersion,
    Keepalive,
    KeepaliveAck,
    LLRPFrame,
    LLRPMessage,
    ReaderCapabilities,
    ReaderEventNotification,
    ROAccessReport,
    ROSpecCommand,
    SetProtocolVersion,
    SetReaderConfig,
    StartROSpec,
    StatusResponse,
    StopROSpec,
    SupportedVersion,
)
from drivers.llrp_params import (
    HEADER_LEN,
    P_EVENTS_AND_REPORTS,
    P_GENERAL_DEVICE_CAPABILITIES,
    P_KEEPALIVE_SPEC,
    P_READER_EVENT_NOTIFICATION_DATA,
    P_READER_EVENT_NOTIFICATION_SPEC,
    P_ROSPEC,
    P_TAG_REPORT_DATA,
    VERSIONS,
    ReaderEvent,
    ROSpec,
    TagReport,
    find_status,
    need,
    params,
    read_utf8v,
)

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
