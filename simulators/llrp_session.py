"""The reader side of one LLRP session, without I/O: what a reader remembers about its
client (protocol version, keepalive period, ROSpecs and their states) and what it
answers to each message. :class:`simulators.llrp.LLRPSimulator` owns the socket and the
clock and asks this for answers and for the report of each reading round."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import replace

from drivers import llrp
from drivers.llrp_params import VERSION_1_0_1, VERSION_1_1, ROSpec, Status, TagReport
from simulators.field import TagPopulation

M_PARAMETER_ERROR = 100
M_DUPLICATE_PARAMETER = 104
M_UNSUPPORTED_MESSAGE = 109
M_UNSUPPORTED_VERSION = 110

_MOVES = {  # message type: (state before, state after)
    llrp.ENABLE_ROSPEC: ("disabled", "enabled"),
    llrp.START_ROSPEC: ("enabled", "active"),
    llrp.STOP_ROSPEC: ("active", "enabled"),
    llrp.DISABLE_ROSPEC: ("enabled", "disabled"),
}


class ReaderSession:
    """One client's session with a simulated reader of ``antennas`` ports."""

    def __init__(self, antennas: int, *, supports_1_1: bool = True) -> None:
        self.antennas = antennas
        self.supports_1_1 = supports_1_1
        self.version = VERSION_1_0_1
        self.keepalive = 0.0  # seconds between keepalives; 0: none
        self.rospecs: dict[int, tuple[ROSpec, str]] = {}
        self.closing = False  # CLOSE_CONNECTION answered: the reader hangs up

    @property
    def polling(self) -> bool:
        """True while an ROSpec is active."""
        return any(state == "active" for _, state in self.rospecs.values())

    def inventorying(self, antenna: int) -> bool:
        """True while an active ROSpec covers ``antenna``."""
        return any(
            state == "active" and (not spec.antennas or antenna in spec.antennas)
            for spec, state in self.rospecs.values()
        )

    def answer(self, message: llrp.LLRPMessage) -> llrp.LLRPMessage | None:
        """The reader's answer to ``message`` (None for a KEEPALIVE_ACK), carrying its
        message id and the session's version."""
        reply = self._reply(message)
        if reply is None:
            return None
        version = VERSION_1_1 if message.version == VERSION_1_1 else self.version
        return _with_ids(reply, message.message_id, version)

    def _reply(self, message: llrp.LLRPMessage) -> llrp.LLRPMessage | None:
        if isinstance(message, llrp.KeepaliveAck):
            return None
        if isinstance(message, llrp.GetSupportedVersion):
            if not self.supports_1_1:
                return _error(M_UNSUPPORTED_MESSAGE, "unsupported message")
            return llrp.SupportedVersion(current=self.version, supported=VERSION_1_1)
        if isinstance(message, llrp.SetProtocolVersion):
            if not self.supports_1_1 or message.protocol not in (VERSION_1_0_1, VERSION_1_1):
                return _error(M_UNSUPPORTED_VERSION, "unsupported version")
            self.version = message.protocol
            return _status(llrp.SET_PROTOCOL_VERSION_RESPONSE)
        if isinstance(message, llrp.GetReaderCapabilities):
            return llrp.ReaderCapabilities(
                max_antennas=self.antennas, manufacturer=0, model=1, firmware="ct-sim 1.0"
            )
        if isinstance(message, llrp.SetReaderConfig):
            if message.reset:
                self.rospecs = {}
            if message.keepalive_ms is not None:
                self.keepalive = message.keepalive_ms / 1000.0
            return _status(llrp.SET_READER_CONFIG_RESPONSE)
        if isinstance(message, llrp.AddROSpec):
            spec = message.rospec
            if spec.rospec_id in self.rospecs:
                return _status(llrp.ADD_ROSPEC_RESPONSE, Status(M_DUPLICATE_PARAMETER, "exists"))
            self.rospecs[spec.rospec_id] = (spec, "disabled")
            return _status(llrp.ADD_ROSPEC_RESPONSE)
        if isinstance(message, llrp.CloseConnection):
            self.closing = True
            return _status(llrp.CLOSE_CONNECTION_RESPONSE)
        if isinstance(message, llrp.ROSpecCommand):
            return self._rospec_command(message)
        return _error(M_UNSUPPORTED_MESSAGE, f"no handling of message type {message.msg_type}")

    def _rospec_command(self, message: llrp.ROSpecCommand) -> llrp.LLRPMessage:
        rid, kind = message.rospec_id, message.msg_type
        answer = llrp.RESPONSE_TO[kind]
        if kind == llrp.DELETE_ROSPEC:
            if rid == 0:
                self.rospecs = {}
            elif self.rospecs.pop(rid, None) is None:
                return _status(answer, Status(M_PARAMETER_ERROR, f"no ROSpec {rid}"))
            return _status(answer)
        entry = self.rospecs.get(rid)
        before, after = _MOVES[kind]
        if entry is None or entry[1] != before:
            state = entry[1] if entry else "missing"
            text = f"ROSpec {rid} is {state}, not {before}"
            return _status(answer, Status(M_PARAMETER_ERROR, text))
        self.rospecs[rid] = (entry[0], after)
        return _status(answer)

    def report(
        self,
        fields: Mapping[int, TagPopulation],
        now: float,
        rng: random.Random,
        *,
        noise: int = 0,
    ) -> llrp.ROAccessReport | None:
        """The RO_ACCESS_REPORT of one reading round of the active ROSpecs over the
        antennas' fields (None when no tag answers)."""
        tags: list[TagReport] = []
        stamp = round(time.time() * 1e6)
        for spec, state in self.rospecs.values():
            if state != "active":
                continue
            for number, field in fields.items():
                if spec.antennas and number not in spec.antennas:
                    continue
                for epc, rssi in field.reads(now, rng, noise=noise):
                    tags.append(
                        TagReport(
                            epc,
                            antenna=number,
                            peak_rssi=rssi,
                            first_seen_us=stamp,
                            seen_count=1,
                            pc=(len(epc) // 2) << 11,
                            rospec_id=spec.rospec_id,
                        )
                    )
        if not tags:
            return None
        return llrp.ROAccessReport(tags=tuple(tags), version=self.version)


def _status(kind: int, status: Status | None = None) -> llrp.StatusResponse:
    return llrp.StatusResponse(response_type=kind, status=status or llrp.OK)


def _error(code: int, text: str) -> llrp.StatusResponse:
    return _status(llrp.ERROR_MESSAGE, Status(code, text))


def _with_ids(message: llrp.LLRPMessage, message_id: int, version: int) -> llrp.LLRPMessage:
    return replace(message, message_id=message_id, version=version)
