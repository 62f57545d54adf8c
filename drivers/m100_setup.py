"""M100 module set-up and health: module information, region and transmit power
(MagicRF M100 / QM100 firmware manual: "Get Reader Module Information" 0x03, "Set / Get
Operating Region" 0x07 / 0x08, "Set / Get Transmit Power" 0xB6 / 0xB7), as frozen
messages on :class:`drivers.m100.M100Frame`, and :class:`Setup`, the sequence a driver
runs after every connect: read the hardware and firmware versions, set the region and
the power the site file names, read both back.

Pure code: :class:`Setup` is told the time and the module's answers and says what to
send next; it never blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from drivers.errors import BadFrame
from drivers.m100 import (
    TYPE_COMMAND,
    TYPE_RESPONSE,
    ErrorResponse,
    M100Frame,
    M100Message,
    decode_frame,
)

logger = logging.getLogger(__name__)

CMD_INFO = 0x03
CMD_SET_REGION = 0x07
CMD_GET_REGION = 0x08
CMD_GET_POWER = 0xB7
CMD_SET_POWER = 0xB6

INFO_HARDWARE = 0x00
INFO_SOFTWARE = 0x01
INFO_MANUFACTURER = 0x02

REGION_CN920 = 0x01  # China 900 MHz band: 920.125–924.875 MHz


@dataclass(frozen=True, slots=True)
class InfoCommand:
    """Host → module: which information (0 hardware, 1 software, 2 manufacturer)."""

    kind: int = INFO_HARDWARE

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_INFO, bytes((self.kind,)))


@dataclass(frozen=True, slots=True)
class InfoResponse:
    """Module → host: the information asked for, as ASCII text."""

    kind: int
    text: str

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, CMD_INFO, bytes((self.kind,)) + self.text.encode("ascii"))


@dataclass(frozen=True, slots=True)
class SetRegionCommand:
    """Host → module: work in ``region`` (``0x01`` China 920–925 MHz)."""

    region: int = REGION_CN920

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_SET_REGION, bytes((self.region,)))


@dataclass(frozen=True, slots=True)
class GetRegionCommand:
    """Host → module: which region are you in?"""

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_GET_REGION)


@dataclass(frozen=True, slots=True)
class RegionResponse:
    """Module → host: the region in force."""

    region: int

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, CMD_GET_REGION, bytes((self.region,)))


@dataclass(frozen=True, slots=True)
class SetPowerCommand:
    """Host → module: transmit at ``centi_dbm`` / 100 dBm."""

    centi_dbm: int

    @classmethod
    def dbm(cls, value: float) -> SetPowerCommand:
        """The command for ``value`` dBm."""
        return cls(round(value * 100))

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        if not 0 <= self.centi_dbm <= 0xFFFF:
            raise BadFrame("field", f"power {self.centi_dbm / 100} dBm is out of range")
        return M100Frame(TYPE_COMMAND, CMD_SET_POWER, self.centi_dbm.to_bytes(2, "big"))


@dataclass(frozen=True, slots=True)
class GetPowerCommand:
    """Host → module: what is your transmit power?"""

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_COMMAND, CMD_GET_POWER)


@dataclass(frozen=True, slots=True)
class PowerResponse:
    """Module → host: the transmit power in force, in 0.01 dBm."""

    centi_dbm: int

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, CMD_GET_POWER, self.centi_dbm.to_bytes(2, "big"))


@dataclass(frozen=True, slots=True)
class SetResponse:
    """Module → host: a setting command (region, power) was applied; ``status`` 0 = ok."""

    command: int
    status: int = 0

    def to_frame(self) -> M100Frame:
        """As a generic frame."""
        return M100Frame(TYPE_RESPONSE, self.command, bytes((self.status,)))


SetupMessage = (
    InfoCommand
    | InfoResponse
    | SetRegionCommand
    | GetRegionCommand
    | RegionResponse
    | SetPowerCommand
    | GetPowerCommand
    | PowerResponse
    | SetResponse
)


def to_bytes(message: SetupMessage) -> bytes:
    """Wire bytes of a set-up message."""
    return message.to_frame().to_bytes()


def decode_setup(frame: M100Frame) -> SetupMessage | M100Frame:
    """Interpret a frame :mod:`drivers.m100` left generic; the frame itself when it is
    not a set-up message either."""
    t, c, p = frame.ftype, frame.command, frame.params
    if t == TYPE_COMMAND:
        if c == CMD_INFO and len(p) == 1:
            return InfoCommand(p[0])
        if c == CMD_SET_REGION and len(p) == 1:
            return SetRegionCommand(p[0])
        if c == CMD_SET_POWER and len(p) == 2:
            return SetPowerCommand(int.from_bytes(p, "big"))
        if not p and c in (CMD_GET_REGION, CMD_GET_POWER):
            return GetRegionCommand() if c == CMD_GET_REGION else GetPowerCommand()
    elif t == TYPE_RESPONSE:
        if c == CMD_INFO and p:
            return InfoResponse(p[0], p[1:].decode("ascii", "replace"))
        if c == CMD_GET_REGION and len(p) == 1:
            return RegionResponse(p[0])
        if c == CMD_GET_POWER and len(p) == 2:
            return PowerResponse(int.from_bytes(p, "big"))
        if c in (CMD_SET_REGION, CMD_SET_POWER) and len(p) == 1:
            return SetResponse(c, p[0])
    return frame


_S = TypeVar("_S")


def parse(data: bytes, cls: type[_S]) -> _S:
    """Parse exactly one frame as the set-up message ``cls``; raise :class:`BadFrame`."""
    message = decode_frame(data)
    found = decode_setup(message) if isinstance(message, M100Frame) else message
    if not isinstance(found, cls):
        raise BadFrame("unexpected", f"expected {cls.__name__}, got {found!r}")
    return found


# --- the set-up sequence ------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleInfo:
    """What set-up learned: versions, region and power read back (None: not known), and
    what went wrong (a step unanswered or refused, a read-back that differs)."""

    hardware: str | None = None
    software: str | None = None
    region: int | None = None
    tx_power: float | None = None
    problems: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        """True when the module answered anything at all."""
        return any(v is not None for v in (self.hardware, self.software, self.region))


@dataclass
class _Step:
    name: str
    command: SetupMessage
    done: Callable[[M100Message | SetupMessage], bool]


@dataclass
class Setup:
    """The set-up sequence of one connection (see the module docstring). Each step is
    sent, answered or retried after ``timeout`` s, and given up after ``tries``."""

    region: int | None = None
    tx_power: float | None = None
    timeout: float = 0.5
    tries: int = 3
    info: ModuleInfo = field(default_factory=ModuleInfo)
    _steps: list[_Step] = field(default_factory=list)
    _sent_at: float | None = None
    _sent: int = 0

    def __post_init__(self) -> None:
        self._steps = [
            _Step("hardware version", InfoCommand(INFO_HARDWARE), self._version(INFO_HARDWARE)),
            _Step("firmware version", InfoCommand(INFO_SOFTWARE), self._version(INFO_SOFTWARE)),
        ]
        if self.region is not None:
            self._steps += [
                _Step("set region", SetRegionCommand(self.region), self._set(CMD_SET_REGION)),
                _Step("read region", GetRegionCommand(), self._got_region),
            ]
        if self.tx_power is not None:
            self._steps += [
                _Step("set power", SetPowerCommand.dbm(self.tx_power), self._set(CMD_SET_POWER)),
                _Step("read power", GetPowerCommand(), self._got_power),
            ]

    @property
    def done(self) -> bool:
        """True once every step was answered or given up."""
        return not self._steps

    def next(self, now: float) -> bytes | None:
        """The bytes to send now: the next step, a retry, or None (waiting or done)."""
        while self._steps:
            step = self._steps[0]
            if self._sent_at is None:
                self._sent_at, self._sent = now, 1
                return to_bytes(step.command)
            if now - self._sent_at < self.timeout:
                return None
            if self._sent < self.tries:
                self._sent_at, self._sent = now, self._sent + 1
                return to_bytes(step.command)
            self._problem(f"{step.name}: no answer after {self.tries} tries")
            self._advance()
        return None

    def feed(self, message: M100Message | SetupMessage) -> bool:
        """Offer an answer from the module; True when it answered the current step."""
        if not self._steps or self._sent_at is None:
            return False
        step = self._steps[0]
        if isinstance(message, ErrorResponse):
            self._problem(f"{step.name}: refused with error {message.code:02X}")
        elif not step.done(message):
            return False
        self._advance()
        return True

    def _advance(self) -> None:
        self._steps.pop(0)
        self._sent_at, self._sent = None, 0

    def _problem(self, text: str) -> None:
        self.info = replace(self.info, problems=(*self.info.problems, text))

    def _version(self, kind: int) -> Callable[[M100Message | SetupMessage], bool]:
        def done(message: M100Message | SetupMessage) -> bool:
            if not isinstance(message, InfoResponse) or message.kind != kind:
                return False
            if kind == INFO_HARDWARE:
                self.info = replace(self.info, hardware=message.text)
            else:
                self.info = replace(self.info, software=message.text)
            return True

        return done

    def _set(self, command: int) -> Callable[[M100Message | SetupMessage], bool]:
        def done(message: M100Message | SetupMessage) -> bool:
            if not isinstance(message, SetResponse) or message.command != command:
                return False
            if message.status:
                self._problem(f"command {command:02X} failed with status {message.status}")
            return True

        return done

    def _got_region(self, message: M100Message | SetupMessage) -> bool:
        if not isinstance(message, RegionResponse):
            return False
        self.info = replace(self.info, region=message.region)
        if message.region != self.region:
            self._problem(f"region reads back as {message.region:02X}, not {self.region:02X}")
        return True

    def _got_power(self, message: M100Message | SetupMessage) -> bool:
        if not isinstance(message, PowerResponse):
            return False
        power = message.centi_dbm / 100
        self.info = replace(self.info, tx_power=power)
        if self.tx_power is not None and abs(power - self.tx_power) > 0.5:
            self._problem(f"power reads back as {power:g} dBm, not {self.tx_power:g}")
        return True
