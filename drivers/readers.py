"""Reader drivers: a transport, a framer and the little state a reader needs.

:class:`M100Reader` keeps a UHF module in multi-poll inventory (started on every
(re)connect, re-armed before its round count runs out, probed when silent) and turns
tag notifications into :class:`~drivers.reads.TagRead`. :class:`BadgeReader` turns
RDM6300 frames or decimal lines into :class:`~drivers.reads.BadgeRead`.

``on_read`` runs in the reader's read thread for every valid frame (repeats included —
de-duplication is the gateway's job); it must be quick, and an exception in it is
logged and ignored so the reader keeps reading.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from drivers import em4100, m100, m100_setup
from drivers.framing import Framer
from drivers.reads import BadgeRead, TagRead
from drivers.transport import Backoff, SerialTransport
from tracker.domain.errors import DeviceUnavailable, InvalidInput

logger = logging.getLogger(__name__)

_Msg = TypeVar("_Msg")
_Read = TypeVar("_Read")


@dataclass(frozen=True)
class ReaderStats:
    """Counters of one reader.

    ``frames_ok`` counts valid frames of any kind; ``reads`` those delivered to
    ``on_read``; ``dropped`` rejected candidates by reason; ``last_heard`` is the
    monotonic time of the last valid frame (the heartbeat), ``last_byte_at`` of the
    last byte of any kind.
    """

    read_point: str
    url: str
    connected: bool
    frames_ok: int
    reads: int
    dropped: dict[str, int]
    garbage_bytes: int
    reconnects: int
    last_heard: float | None
    last_byte_at: float | None
    last_error: str | None


class SerialReader(Generic[_Msg, _Read]):
    """Plumbing shared by the serial readers: transport, framer, guarded callback, stats.

    A reader for a new protocol subclasses it with its framer and implements
    :meth:`_handle` (a message → a read, or None); it may override :meth:`_on_connect`
    (set the device up after every (re)connect) and :meth:`_on_tick` (probe a silent
    device, so a reader that stops answering is noticed).
    """

    def __init__(
        self,
        url: str,
        read_point: str,
        on_read: Callable[[_Read], None],
        framer: Framer[_Msg],
        *,
        baudrate: int,
        backoff: Backoff | None,
        clock: Callable[[], float],
        idle_after: float,
        tick_every: float = 1.0,
    ) -> None:
        self.url = url
        self.read_point = read_point
        self._on_read = on_read
        self._framer = framer
        self._clock = clock
        self._reads = 0
        self._last_heard: float | None = None
        self._transport = SerialTransport(
            url,
            baudrate=baudrate,
            on_data=self._on_data,
            on_connect=self._on_connect,
            on_idle=self._on_idle,
            on_tick=self._on_tick,
            backoff=backoff,
            idle_after=idle_after,
            tick_every=tick_every,
            name=f"reader {read_point}",
        )

    def start(self, *, require_port: bool = False) -> None:
        """Connect and read in the background. With ``require_port`` an unopenable port
        raises :class:`~drivers.errors.PortUnavailable` now instead of being retried."""
        self._transport.start(require_port=require_port)

    def close(self) -> None:
        """Stop reading and close the port."""
        self._transport.close()

    def wait_connected(self, timeout: float) -> bool:
        """Block until the port is open (True) or ``timeout`` passes (False)."""
        return self._transport.wait_connected(timeout)

    def stats(self) -> ReaderStats:
        """A snapshot of the counters."""
        fs = self._framer.stats()
        ts = self._transport.status()
        return ReaderStats(
            self.read_point,
            self.url,
            ts.connected,
            fs.frames_ok,
            self._reads,
            fs.dropped,
            fs.garbage_bytes,
            ts.reconnects,
            self._last_heard,
            ts.last_byte_at,
            ts.last_error,
        )

    def __enter__(self) -> SerialReader[_Msg, _Read]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- hooks called in the read thread ----------------------------------------------

    def _on_connect(self) -> None:
        self._framer.reset()

    def _on_data(self, data: bytes) -> None:
        self._handle_all(self._framer.feed(data))

    def _on_idle(self) -> None:
        self._handle_all(self._framer.on_idle())

    def _on_tick(self) -> None:
        pass

    def _handle_all(self, messages: Sequence[_Msg]) -> None:
        if not messages:
            return
        self._last_heard = self._clock()
        for message in messages:
            read = self._handle(message)
            if read is not None:
                self._deliver(read)

    def _handle(self, message: _Msg) -> _Read | None:
        raise NotImplementedError

    def _deliver(self, read: _Read) -> None:
        self._reads += 1
        try:
            self._on_read(read)
        except Exception:
            # The consumer's bug must not stop the reader.
            logger.exception("on_read callback failed for %s", self.read_point)

    def _send(self, data: bytes) -> bool:
        try:
            self._transport.write(data)
        except DeviceUnavailable as exc:
            logger.warning("cannot send to %s: %s", self.read_point, exc)
            return False
        return True


class M100Reader(SerialReader[m100.M100Message, TagRead]):
    """An M100/YRM100 UHF module kept in multi-poll inventory.

    After every connect the module is set up first (:class:`drivers.m100_setup.Setup`):
    hardware and firmware versions read, ``region`` and ``tx_power`` (dBm) set and read
    back when given; :attr:`info` holds what was learned and any problem. A module that
    answers none of it is given up on after the set-up timeouts, is probed like a silent
    one, and — never heard — is offline.

    Then multi-poll (``poll_count`` rounds) is started, on every connect and reconnect,
    and re-armed every ``rearm_every`` seconds so the count never runs out; when nothing
    has been heard for ``keepalive`` seconds the reader sends stop + multi-poll, whose
    stop response refreshes ``last_heard`` even with no tag in the field. :meth:`close`
    sends stop and waits up to ``stop_timeout`` for the reader's answer.
    """

    def __init__(
        self,
        url: str,
        read_point: str,
        on_read: Callable[[TagRead], None],
        *,
        baudrate: int = m100.BAUDRATE,
        poll_count: int = 10000,
        keepalive: float = 5.0,
        rearm_every: float = 60.0,
        stop_timeout: float = 0.5,
        region: int | None = None,
        tx_power: float | None = None,
        setup_timeout: float = 0.3,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            url,
            read_point,
            on_read,
            m100.M100Framer(),
            baudrate=baudrate,
            backoff=backoff,
            clock=clock,
            idle_after=0.3,
            tick_every=min(1.0, keepalive / 4),
        )
        self._poll = m100.MultiPollCommand(poll_count).to_bytes()
        self._stop_cmd = m100.StopCommand().to_bytes()
        self._keepalive = keepalive
        self._rearm_every = rearm_every
        self._stop_timeout = stop_timeout
        self._armed_at = 0.0
        self._probed_at = 0.0
        self._stopped = threading.Event()
        self._wanted = (region, tx_power, setup_timeout)
        self._setup = m100_setup.Setup(region, tx_power, setup_timeout)
        self.info = m100_setup.ModuleInfo()
        self.errors_seen = 0

    def close(self) -> None:
        """Stop multi-poll (waiting briefly for the answer), then close the port."""
        self._stopped.clear()
        sent = self._transport.status().connected and self._send(self._stop_cmd)
        if sent and not self._stopped.wait(self._stop_timeout):
            logger.warning(
                "%s did not confirm stop within %.1f s", self.read_point, self._stop_timeout
            )
        self._transport.close()

    @property
    def stop_confirmed(self) -> bool:
        """True once the module has answered a stop command (``BB 01 28 00 01 00 2A 7E``)."""
        return self._stopped.is_set()

    def _on_connect(self) -> None:
        super()._on_connect()
        region, power, timeout = self._wanted
        self._setup = m100_setup.Setup(region, power, timeout)
        self._next_setup_step()

    def _next_setup_step(self) -> None:
        out = self._setup.next(self._clock())
        if out is not None:
            self._send(out)
        elif self._setup.done:
            self.info = self._setup.info
            for problem in self.info.problems:
                logger.warning("%s set-up: %s", self.read_point, problem)
            logger.info("%s: %s", self.read_point, self.info)
            self._arm()

    def _arm(self) -> None:
        now = self._clock()
        self._armed_at = now
        self._probed_at = now
        if self._send(self._poll):
            logger.debug("multi-poll started on %s", self.read_point)

    def _on_tick(self) -> None:
        if not self._setup.done:
            self._next_setup_step()
            return
        now = self._clock()
        heard = self._last_heard if self._last_heard is not None else self._armed_at
        if now - heard >= self._keepalive and now - self._probed_at >= self._keepalive:
            # Silence is normal with no tag in the field; stop's answer proves the module
            # is alive, and multi-poll is started again right after.
            self._send(self._stop_cmd)
            self._arm()
        elif now - self._armed_at >= self._rearm_every:
            self._arm()

    def _handle(self, message: m100.M100Message) -> TagRead | None:
        if not self._setup.done:
            answer = (
                m100_setup.decode_setup(message) if isinstance(message, m100.M100Frame) else message
            )
            if self._setup.feed(answer):
                self._next_setup_step()
                return None
        if isinstance(message, m100.TagNotification):
            return TagRead(
                message.epc.hex().upper(), message.pc, message.rssi, self.read_point, self._clock()
            )
        if isinstance(message, m100.StopResponse):
            self._stopped.set()
        elif isinstance(message, m100.ErrorResponse):
            self.errors_seen += 1
            logger.debug("%s reports error %02X", self.read_point, message.code)
        else:
            logger.debug("%s: ignoring %r", self.read_point, message)
        return None


BADGE_PROTOCOLS = ("em4100", "em4100-decimal")


class BadgeReader(SerialReader[em4100.Rdm6300Frame | em4100.DecimalLine, BadgeRead]):
    """A 125 kHz EM4100 reader: ``protocol`` ``"em4100"`` (RDM6300 frames) or
    ``"em4100-decimal"`` (10-digit decimal lines). The reader only transmits."""

    def __init__(
        self,
        url: str,
        read_point: str,
        on_read: Callable[[BadgeRead], None],
        *,
        protocol: str = "em4100",
        baudrate: int = em4100.BAUDRATE,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        framer: Framer[em4100.Rdm6300Frame | em4100.DecimalLine]
        if protocol == "em4100":
            framer = em4100.Rdm6300Framer()
        elif protocol == "em4100-decimal":
            framer = em4100.DecimalLineFramer()
        else:
            raise InvalidInput("protocol", f"{protocol!r} is not one of {BADGE_PROTOCOLS}")
        super().__init__(
            url,
            read_point,
            on_read,
            framer,
            baudrate=baudrate,
            backoff=backoff,
            clock=clock,
            idle_after=0.3,
        )
        self.protocol = protocol

    def _handle(self, message: em4100.Rdm6300Frame | em4100.DecimalLine) -> BadgeRead | None:
        return BadgeRead(message.id_hex, self.read_point, self._clock(), self.protocol)


__all__ = ["BADGE_PROTOCOLS", "BadgeReader", "M100Reader", "ReaderStats", "SerialReader"]
