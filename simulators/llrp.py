"""A fixed LLRP reader, simulated over a real TCP socket on 127.0.0.1.

It speaks LLRP 1.1 with the driver's own codec (itself tested against golden bytes and
against an independent emulator): the ConnectionAttemptEvent on connect (a second
client is refused), version negotiation, capabilities, SET_READER_CONFIG (keepalive
period, factory reset), the ROSpec life cycle, tag reports for the tags in each
antenna's field while an ROSpec is active, keepalives, and CLOSE_CONNECTION.

And it makes the faults an emulator does not: :meth:`LLRPSimulator.drop_connection`
(the TCP connection breaks), :meth:`LLRPSimulator.hang` (connection up, nothing sent —
no keepalive, no report), :meth:`LLRPSimulator.send_malformed` (a message whose header
is right and whose body is not), :meth:`LLRPSimulator.unplug` (the reader is off the
network for a while), noise, and the :class:`~simulators.device.Faults` (noise, cut and
malformed copies before a message, byte-at-a-time writes).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from drivers import llrp
from drivers.llrp_framing import LLRPFramer
from drivers.llrp_params import (
    CONNECTION_SUCCESS,
    P_TAG_REPORT_DATA,
    ReaderEvent,
    TagReport,
)
from simulators.device import Faults, SimCounters
from simulators.field import TagPopulation
from simulators.llrp_session import ReaderSession

logger = logging.getLogger(__name__)

#: ConnectionAttemptEvent status: "a client-initiated connection already exists".
REFUSED_CLIENT_EXISTS = 2


class AntennaField:
    """The field of one antenna of a simulated LLRP reader (a
    :class:`~simulators.device.TagField`)."""

    def __init__(self, reader: LLRPSimulator, number: int) -> None:
        self.reader = reader
        self.number = number
        self.population = TagPopulation()

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """A tag lies in this antenna's field."""
        self.population.add(epc, rssi)

    def remove_tag(self, epc: str) -> None:
        """The tag leaves this antenna's field."""
        self.population.remove(epc)

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        """A tag carried past this antenna."""
        self.population.carry(epc, duration, delay=delay, now=now)

    @property
    def polling(self) -> bool:
        """True while the reader's ROSpec runs and covers this antenna."""
        return self.reader.inventorying(self.number)


class LLRPSimulator:
    """The reader's side of LLRP (see the module docstring). ``link`` is accepted for
    the registry's signature and unused: the reader is reached at :attr:`url`. The
    simulator itself is the field of antenna 1; :meth:`antenna` gives the others."""

    def __init__(
        self,
        link: str | Path | None = None,
        *,
        faults: Faults | None = None,
        seed: int | None = None,
        antennas: int = 4,
        round_interval: float = 0.03,
        rssi_noise: int = 2,
        supports_1_1: bool = True,
        port: int = 0,
    ) -> None:
        self.faults = faults or Faults()
        self.counters = SimCounters()
        self.rng = random.Random(seed)
        self.round_interval = round_interval
        self.rssi_noise = rssi_noise
        self.supports_1_1 = supports_1_1
        self.fields = {n: AntennaField(self, n) for n in range(1, antennas + 1)}
        self._server = self._listen(port)
        self._port = self._server.getsockname()[1]
        self._client: socket.socket | None = None
        self._framer = LLRPFramer()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._replug_at: float | None = None
        self._offline = False
        self._hung = False
        self._session = ReaderSession(antennas, supports_1_1=supports_1_1)
        self._next_keepalive = 0.0
        self._next_round = 0.0
        #: Names of the messages received from hosts, in order (for tests).
        self.commands: list[str] = []
        self.keepalive_acks = 0
        self.sessions = 0

    # --- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where a driver reaches this reader."""
        return f"llrp://127.0.0.1:{self._port}"

    @staticmethod
    def _listen(port: int) -> socket.socket:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(4)
        return server

    def start(self) -> LLRPSimulator:
        """Start answering connections."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sim llrp", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close every socket (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        self._drop_client()
        with contextlib.suppress(OSError):
            self._server.close()

    def __enter__(self) -> LLRPSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the field ------------------------------------------------------------------

    def antenna(self, number: int) -> AntennaField:
        """The field of antenna ``number`` (1-based; the reader grows the port if the
        site names one beyond its first four)."""
        if number not in self.fields:
            self.fields[number] = AntennaField(self, number)
        return self.fields[number]

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """A tag lies in antenna 1's field."""
        self.fields[1].add_tag(epc, rssi)

    def remove_tag(self, epc: str) -> None:
        """The tag leaves antenna 1's field."""
        self.fields[1].remove_tag(epc)

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        """A tag carried past antenna 1."""
        self.fields[1].pass_tag(epc, duration, delay=delay, now=now)

    @property
    def polling(self) -> bool:
        """True while an ROSpec is active."""
        return self._session.polling

    def inventorying(self, antenna: int) -> bool:
        """True while an active ROSpec covers ``antenna``."""
        return self._session.inventorying(antenna)

    @property
    def connected(self) -> bool:
        """True while a host holds the connection."""
        return self._client is not None

    # --- faults (any thread) --------------------------------------------------------

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the reader's thread."""
        self._calls.put(fn)

    def drop_connection(self) -> None:
        """Break the host's TCP connection (as a network glitch or reader reboot does)."""
        self.call_soon(self._drop_client)

    def hang(self, hung: bool = True) -> None:
        """Keep the connection but send nothing at all (no keepalive, no report, no
        answer) until ``hang(False)``."""
        self._hung = hung

    def send_malformed(self) -> None:
        """Send an RO_ACCESS_REPORT whose header is right and whose body is not."""

        def do() -> None:
            self._write(self._malformed(self._report_bytes()))

        self.call_soon(do)

    def unplug(self, seconds: float | None = None) -> None:
        """Take the reader off the network; back after ``seconds`` (never if None)."""

        def do() -> None:
            self._drop_client()
            with contextlib.suppress(OSError):
                self._server.close()
            self._offline = True
            self.counters.unplugs += 1
            self._replug_at = None if seconds is None else time.monotonic() + seconds

        self.call_soon(do)

    def noise(self, count: int) -> None:
        """Send ``count`` random bytes on the connection."""

        def do() -> None:
            self.counters.noise_bytes += count
            self._write(self.rng.randbytes(count))

        self.call_soon(do)

    # --- the thread -----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            while True:
                try:
                    self._calls.get_nowait()()
                except queue.Empty:
                    break
                except Exception:
                    logger.exception("LLRP simulator control call failed")
            if self._offline:
                self._maybe_replug()
                continue
            watched = [self._server] + ([self._client] if self._client else [])
            try:
                ready, _, _ = select.select(watched, [], [], 0.005)
            except (OSError, ValueError):
                ready = []
            try:
                if self._server in ready:
                    self._accept()
                if self._client is not None and self._client in ready:
                    self._receive()
                if not self._hung and self._client is not None:
                    self._timers(time.monotonic())
            except OSError as exc:
                logger.debug("LLRP simulator lost its host: %s", exc)
                self._drop_client()

    def _maybe_replug(self) -> None:
        if self._replug_at is not None and time.monotonic() >= self._replug_at:
            try:
                self._server = self._listen(self._port)
            except OSError:
                self._stop.wait(0.05)
                return
            self._offline = False
            self._replug_at = None
        else:
            self._stop.wait(0.01)

    def _accept(self) -> None:
        sock, _ = self._server.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._client is not None:
            refused = llrp.ReaderEventNotification(
                event=ReaderEvent(self._now_us(), connection_attempt=REFUSED_CLIENT_EXISTS)
            )
            with contextlib.suppress(OSError):
                sock.sendall(refused.to_bytes())
            sock.close()
            return
        self._client = sock
        self._framer.reset()
        self._session = ReaderSession(max(self.fields), supports_1_1=self.supports_1_1)
        self.sessions += 1
        hello = llrp.ReaderEventNotification(
            event=ReaderEvent(self._now_us(), connection_attempt=CONNECTION_SUCCESS)
        )
        self._send(hello)

    def _receive(self) -> None:
        assert self._client is not None
        data = self._client.recv(65536)
        if not data:
            self._drop_client()
            return
        for message in self._framer.feed(data):
            self.commands.append(type(message).__name__)
            if not self._hung:
                self._answer(message)

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()
        self._session = ReaderSession(max(self.fields), supports_1_1=self.supports_1_1)

    def _timers(self, now: float) -> None:
        keepalive = self._session.keepalive
        if keepalive and now >= self._next_keepalive:
            self._next_keepalive = now + keepalive
            self._send(llrp.Keepalive(message_id=self.rng.randrange(1 << 16)))
        if self.polling and now >= self._next_round:
            self._next_round = now + self.round_interval
            body = self._report_bytes(now)
            if body:
                self._send_raw(body)

    # --- answers and reports ---------------------------------------------------------

    def _answer(self, message: llrp.LLRPMessage) -> None:
        session = self._session
        if isinstance(message, llrp.KeepaliveAck):
            self.keepalive_acks += 1
        keepalive, polling = session.keepalive, session.polling
        reply = session.answer(message)
        if reply is not None:
            self._send_raw(reply.to_bytes())
        now = time.monotonic()
        if session.keepalive != keepalive:
            self._next_keepalive = now + session.keepalive
        if session.polling and not polling:
            self._next_round = now
        if session.closing:
            self._drop_client()

    def _report_bytes(self, now: float | None = None) -> bytes:
        """One RO_ACCESS_REPORT of a reading round (b"" when no tag answers); with no
        ``now``, one to damage (a dummy tag when no tag answers)."""
        at = time.monotonic() if now is None else now
        fields = {n: f.population for n, f in self.fields.items()}
        report = self._session.report(fields, at, self.rng, noise=self.rssi_noise)
        if report is None and now is None:
            dummy = TagReport(bytes(12), antenna=1, peak_rssi=-60)
            report = llrp.ROAccessReport(tags=(dummy,), version=self._session.version)
        return b"" if report is None else report.to_bytes()

    def _malformed(self, message: bytes) -> bytes:
        """``message`` with its first TagReportData claiming more bytes than it has."""
        bad = bytearray(message)
        for i in range(10, len(bad) - 3):
            if (bad[i] << 8 | bad[i + 1]) & 0x3FF == P_TAG_REPORT_DATA:
                bad[i + 2 : i + 4] = (0xFFFF).to_bytes(2, "big")
                break
        return bytes(bad)

    def _send(self, message: llrp.LLRPMessage) -> None:
        self._send_raw(replace(message, version=self._session.version).to_bytes())

    def _send_raw(self, data: bytes) -> None:
        """Send one valid message, with the configured faults before it."""
        f, rng = self.faults, self.rng
        if f.pause_prob and rng.random() < f.pause_prob:
            self._stop.wait(rng.uniform(0.0, f.pause_max))
        if f.noise_prob and rng.random() < f.noise_prob:
            burst = rng.randint(1, max(1, f.noise_max))
            self.counters.noise_bytes += burst
            self._write(rng.randbytes(burst))
        if f.truncate_prob and rng.random() < f.truncate_prob:
            self.counters.bad_frames += 1
            self._write(data[: rng.randint(1, len(data) - 1)])
        if f.corrupt_prob and rng.random() < f.corrupt_prob and len(data) > 14:
            self.counters.bad_frames += 1
            self._write(self._malformed(data))
        if self._write(data):
            self.counters.frames += 1

    def _write(self, data: bytes) -> bool:
        client = self._client
        if client is None:
            return False
        try:
            if self.faults.byte_at_a_time:
                for i in range(len(data)):
                    client.sendall(data[i : i + 1])
                    if self.faults.byte_delay:
                        time.sleep(self.faults.byte_delay)
            else:
                client.sendall(data)
        except OSError:
            self._drop_client()
            return False
        return True

    @staticmethod
    def _now_us() -> int:
        return round(time.time() * 1e6)
