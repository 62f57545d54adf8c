"""A fixed UHF reader over LLRP (TCP 5084), kept inventorying for as long as it runs.

One thread per reader owns the connection: connect, wait for the reader's
ConnectionAttemptEvent, negotiate LLRP 1.1 when the reader offers it, read the
capabilities, reset the reader to factory settings with keepalives and the events this
host needs, add / enable / start one ROSpec over the configured antennas, then read tag
reports (one :class:`~drivers.reads.TagRead` per report, under the read point its
antenna maps to) and answer keepalives. A reader that sends nothing — no report, no
keepalive — for ``missed_keepalives`` keepalive periods is taken for dead: the
connection is dropped and made again with capped exponential backoff, as after any
socket error, refusal or failed set-up step. :meth:`LLRPReader.close` stops and deletes
the ROSpec and closes the connection the way LLRP asks (each step waits briefly for
its answer), then closes the socket.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from drivers import llrp
from drivers.errors import PortUnavailable
from drivers.llrp_framing import LLRPFramer
from drivers.llrp_params import (
    CONNECTION_SUCCESS,
    EVENT_ANTENNA,
    EVENT_CONNECTION_ATTEMPT,
    EVENT_READER_EXCEPTION,
    EVENT_ROSPEC,
    VERSION_1_0_1,
    VERSION_1_1,
    ReaderEvent,
    ROSpec,
    TagReport,
)
from drivers.readers import ReaderStats
from drivers.reads import UNKNOWN_RSSI, TagRead
from drivers.transport import Backoff
from tracker.domain.errors import InvalidInput

logger = logging.getLogger(__name__)

#: Seconds of silence inside a message after which it is taken as cut short.
IDLE_AFTER = 0.3


class SessionLost(Exception):
    """The LLRP session cannot go on (refused, failed set-up, silent, closed)."""


@dataclass(frozen=True)
class LLRPInfo:
    """What the reader said about itself at the last connect."""

    version: int = VERSION_1_0_1
    manufacturer: int = 0
    model: int = 0
    firmware: str = ""
    max_antennas: int = 0


def parse_url(url: str) -> tuple[str, int]:
    """``llrp://host[:port]`` → (host, port); port 5084 by default."""
    parts = urlsplit(url)
    if parts.scheme != "llrp" or not parts.hostname:
        raise InvalidInput("url", f"{url!r} is not llrp://host[:port]")
    try:
        port = parts.port or llrp.PORT
    except ValueError as exc:
        raise InvalidInput("url", f"{url!r} has a bad port") from exc
    return parts.hostname, port


class LLRPReader:
    """The LLRP driver (see the module docstring). ``antennas`` maps antenna numbers to
    read points; empty: every antenna, all reported as ``read_point``."""

    def __init__(
        self,
        url: str,
        read_point: str,
        on_read: Callable[[TagRead], None],
        *,
        antennas: Mapping[int, str] | None = None,
        keepalive: float = 5.0,
        missed_keepalives: int = 3,
        rospec_id: int = 1,
        reply_timeout: float = 3.0,
        stop_timeout: float = 1.0,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.read_point = read_point
        self._host, self._port = parse_url(url)
        self._on_read = on_read
        self._antennas = dict(antennas or {})
        self._keepalive = keepalive
        self._silence = keepalive * missed_keepalives
        self._rospec = ROSpec(rospec_id, tuple(sorted(self._antennas)))
        self._reply_timeout = reply_timeout
        self._stop_timeout = stop_timeout
        self._backoff = backoff or Backoff(0.2, 10.0)
        self._clock = clock
        self._wall = wall
        self._framer = LLRPFramer()
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._up = threading.Event()
        self._thread: threading.Thread | None = None
        self._first: socket.socket | None = None
        self._version = VERSION_1_0_1
        self._min_lag: int | None = None
        self._reads = 0
        self._reconnects = 0
        self._connected_once = False
        self._last_heard: float | None = None
        self._last_byte_at: float | None = None
        self._last_error: str | None = None
        self._idle = True
        self.info = LLRPInfo()
        self.unmapped = 0  # reads from antennas the site file does not name
        self.closed_cleanly = False

    # --- public ---------------------------------------------------------------------

    def start(self, *, require_port: bool = False) -> None:
        """Connect and read in the background. With ``require_port`` a reader that
        cannot be reached raises :class:`PortUnavailable` now instead of being retried."""
        if self._thread is not None:
            return
        self._stop.clear()
        if require_port:
            self._first = self._connect()
        self._thread = threading.Thread(
            target=self._run, name=f"llrp {self.read_point}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop and delete the ROSpec, close the LLRP connection, stop the thread."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=3 * self._stop_timeout + 2.0)
            if thread.is_alive():
                logger.warning("LLRP reader %s did not stop in time", self.read_point)
        self._thread = None

    def wait_connected(self, timeout: float) -> bool:
        """Block until the reader is inventorying (True) or ``timeout`` passes."""
        return self._up.wait(timeout)

    def stats(self) -> ReaderStats:
        """A snapshot of the counters."""
        fs = self._framer.stats()
        return ReaderStats(
            self.read_point,
            self.url,
            self._up.is_set(),
            fs.frames_ok,
            self._reads,
            fs.dropped,
            fs.garbage_bytes,
            self._reconnects,
            self._last_heard,
            self._last_byte_at,
            self._last_error,
        )

    # --- the connection thread ------------------------------------------------------

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self._host, self._port), timeout=self._reply_timeout)
        except OSError as exc:
            self._last_error = str(exc)
            raise PortUnavailable(self.url, str(exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(0.1)
        return sock

    def _run(self) -> None:
        delays = self._backoff.delays()
        sock, self._first = self._first, None
        while not self._stop.is_set():
            if sock is None:
                try:
                    sock = self._connect()
                except PortUnavailable as exc:
                    delay = delays()
                    logger.warning("%s; retrying in %.1f s", exc, delay)
                    self._stop.wait(delay)
                    continue
            try:
                self._session(sock)
            except (OSError, SessionLost) as exc:
                if self._stop.is_set():  # closed while connecting or setting up
                    logger.debug("LLRP reader %s closed: %s", self.read_point, exc)
                else:
                    self._last_error = str(exc)
                    logger.warning("LLRP reader %s: %s", self.read_point, exc)
            finally:
                reached = self._up.is_set()
                self._up.clear()
                sock.close()
                sock = None
            if self._stop.is_set():
                break
            if reached:  # a session that got as far as inventorying earns a fresh backoff
                delays = self._backoff.delays()
            self._stop.wait(delays())

    def _session(self, sock: socket.socket) -> None:
        self._framer.reset()
        self._version = VERSION_1_0_1
        self._min_lag = None
        self._await_connection(sock)
        self._negotiate(sock)
        caps = self._request(sock, llrp.GetReaderCapabilities(requested=1))
        if isinstance(caps, llrp.ReaderCapabilities):
            self.info = LLRPInfo(
                self._version, caps.manufacturer, caps.model, caps.firmware, caps.max_antennas
            )
            beyond = [a for a in self._antennas if caps.max_antennas and a > caps.max_antennas]
            if beyond:
                logger.warning(
                    "%s: antennas %s are not on this %d-port reader",
                    self.read_point,
                    beyond,
                    caps.max_antennas,
                )
        events = (EVENT_CONNECTION_ATTEMPT, EVENT_ROSPEC, EVENT_ANTENNA, EVENT_READER_EXCEPTION)
        config = llrp.SetReaderConfig(
            reset=True,
            events=tuple((e, True) for e in events),
            keepalive_ms=round(self._keepalive * 1000),
            hold_on_reconnect=False,
        )
        for step in (
            config,
            llrp.AddROSpec(rospec=self._rospec),
            llrp.EnableROSpec(rospec_id=self._rospec.rospec_id),
            llrp.StartROSpec(rospec_id=self._rospec.rospec_id),
        ):
            self._checked(sock, step)
        logger.info("LLRP reader %s inventorying (%s)", self.read_point, self.info)
        self._up.set()
        while not self._stop.is_set():
            self._pump(sock)
            quiet = self._clock() - (self._last_heard or 0.0)
            if quiet > self._silence:
                raise SessionLost(f"nothing heard for {quiet:.1f} s (keepalive missed)")
        self._teardown(sock)

    def _await_connection(self, sock: socket.socket) -> None:
        deadline = self._clock() + self._reply_timeout
        while self._clock() < deadline and not self._stop.is_set():
            for message in self._pump(sock):
                if isinstance(message, llrp.ReaderEventNotification):
                    status = message.event.connection_attempt
                    if status == CONNECTION_SUCCESS:
                        if self._connected_once:
                            self._reconnects += 1
                        self._connected_once = True
                        return
                    if status is not None:
                        raise SessionLost(f"reader refused the connection (status {status})")
        raise SessionLost("no ConnectionAttemptEvent from the reader")

    def _negotiate(self, sock: socket.socket) -> None:
        answer = self._request(sock, llrp.GetSupportedVersion(), version=VERSION_1_1)
        if isinstance(answer, llrp.SupportedVersion) and answer.supported >= VERSION_1_1:
            done = self._request(
                sock, llrp.SetProtocolVersion(protocol=VERSION_1_1), version=VERSION_1_1
            )
            if isinstance(done, llrp.StatusResponse) and done.status.ok:
                self._version = VERSION_1_1
        # Anything else (an ERROR_MESSAGE from a 1.0.1 reader): stay at version 1.

    def _checked(self, sock: socket.socket, message: llrp.LLRPMessage) -> None:
        answer = self._request(sock, message)
        if not isinstance(answer, llrp.StatusResponse) or not answer.status.ok:
            status = answer.status if isinstance(answer, llrp.StatusResponse) else None
            raise SessionLost(f"{type(message).__name__} refused: {status}")

    def _request(
        self, sock: socket.socket, message: llrp.LLRPMessage, *, version: int | None = None
    ) -> llrp.LLRPMessage:
        """Send ``message`` and return the reader's answer to it (same message id)."""
        return self._exchange(sock, message, version, self._reply_timeout)

    def _exchange(
        self,
        sock: socket.socket,
        message: llrp.LLRPMessage,
        version: int | None,
        timeout: float,
    ) -> llrp.LLRPMessage:
        mid = next(self._ids) & 0xFFFFFFFF
        ver = self._version if version is None else version
        sock.sendall(replace(message, message_id=mid, version=ver).to_bytes())
        wanted = (llrp.RESPONSE_TO[message.msg_type], llrp.ERROR_MESSAGE)
        deadline = self._clock() + timeout
        while self._clock() < deadline:
            for answer in self._pump(sock):
                if answer.message_id == mid and answer.msg_type in wanted:
                    return answer
        raise SessionLost(f"no answer to {type(message).__name__} within {timeout:.1f} s")

    def _pump(self, sock: socket.socket) -> list[llrp.LLRPMessage]:
        """Read what has arrived (waiting up to 0.1 s), handle reports and keepalives,
        and return every message for the caller to look at."""
        try:
            data = sock.recv(65536)
        except TimeoutError:
            quiet_since = self._last_byte_at
            if self._idle or quiet_since is None or self._clock() - quiet_since < IDLE_AFTER:
                return []
            # The stream went quiet inside a message: it was cut short; drop it and
            # look for whole messages behind it.
            self._idle = True
            return self._act(sock, self._framer.on_idle(), self._clock())
        if not data:
            raise SessionLost("the reader closed the connection")
        return self._received(sock, data)

    def _received(self, sock: socket.socket | None, data: bytes) -> list[llrp.LLRPMessage]:
        """Frame ``data`` and act on what it completes (``sock`` answers keepalives)."""
        now = self._clock()
        self._last_byte_at = now
        self._idle = False
        return self._act(sock, self._framer.feed(data), now)

    def _act(
        self, sock: socket.socket | None, messages: list[llrp.LLRPMessage], now: float
    ) -> list[llrp.LLRPMessage]:
        if messages:
            self._last_heard = now
        for message in messages:
            if isinstance(message, llrp.Keepalive) and sock is not None:
                ack = llrp.KeepaliveAck(message_id=message.message_id, version=self._version)
                sock.sendall(ack.to_bytes())
            elif isinstance(message, llrp.ROAccessReport):
                for tag in message.tags:
                    self._tag(tag, now)
            elif isinstance(message, llrp.ReaderEventNotification):
                self._event(message.event)
        return messages

    def _event(self, event: ReaderEvent) -> None:
        if event.connection_closed:
            raise SessionLost("the reader is closing the connection")
        for antenna, connected in event.antenna_events:
            log = logger.info if connected else logger.warning
            log("%s: antenna %d %s", self.read_point, antenna, "connected" if connected else "lost")

    def _tag(self, tag: TagReport, now: float) -> None:
        if self._antennas:
            point = self._antennas.get(tag.antenna or 0)
            if point is None:
                self.unmapped += 1
                return
        else:
            point = self.read_point
        at = now
        if tag.first_seen_us is not None:
            # The reader's clock and ours differ by an unknown constant; the smallest lag
            # seen on this connection stands for it, so only the extra delay of this
            # report (buffering at the reader) moves the read back in time.
            lag = round(self._wall() * 1e6) - tag.first_seen_us
            self._min_lag = lag if self._min_lag is None else min(self._min_lag, lag)
            at = now - min(2.0, (lag - self._min_lag) / 1e6)
        rssi = tag.peak_rssi if tag.peak_rssi is not None else UNKNOWN_RSSI
        pc = tag.pc if tag.pc is not None else (len(tag.epc) // 2) << 11
        self._reads += 1
        try:
            self._on_read(TagRead(tag.epc_hex, pc, rssi, point, at))
        except Exception:
            # The consumer's bug must not stop the reader.
            logger.exception("on_read callback failed for %s", self.read_point)

    def _teardown(self, sock: socket.socket) -> None:
        rid = self._rospec.rospec_id
        try:
            for step in (
                llrp.StopROSpec(rospec_id=rid),
                llrp.DeleteROSpec(rospec_id=rid),
                llrp.CloseConnection(),
            ):
                self._exchange(sock, step, None, self._stop_timeout)
            self.closed_cleanly = True
        except (OSError, SessionLost) as exc:
            logger.warning("LLRP reader %s did not close cleanly: %s", self.read_point, exc)
