"""A byte pipe to a reader, opened by URL, that keeps itself connected.

The only module that imports pyserial. A device is chosen by URL as pyserial's
``serial_for_url`` understands it: a device path (``/dev/ttyUSB0``,
``/dev/serial/by-id/...``, a pty or a symlink to one), ``socket://host:port`` or
``rfc2217://host:port``. The transport does not look at the bytes: a read thread hands
every chunk to ``on_data`` and calls ``on_idle`` when the line has been quiet, so a
framer above can drop a truncated frame.

On unplug or any I/O error the port is closed and reopened with capped exponential
backoff, forever, until :meth:`SerialTransport.close`; ``on_connect`` runs after every
successful (re)connect — the place for a driver to restart whatever the device forgot.
Callbacks run in the read thread; an exception in one is logged and the loop goes on.
"""

from __future__ import annotations

import logging
import math
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import serial

from drivers.errors import PortUnavailable
from tracker.domain.errors import DeviceUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: ``initial`` doubling up to ``maximum`` seconds."""

    initial: float = 0.1
    maximum: float = 5.0
    factor: float = 2.0

    def delays(self) -> Callable[[], float]:
        """A fresh generator-like callable giving the next delay on each call."""
        state = {"next": self.initial}

        def step() -> float:
            delay = state["next"]
            state["next"] = min(self.maximum, delay * self.factor)
            return delay

        return step


@dataclass(frozen=True)
class TransportStatus:
    """Connection state. ``last_byte_at`` is ``time.monotonic()`` of the last byte
    received (None before any); ``reconnects`` counts successful re-opens after a loss;
    ``failed_opens`` counts attempts that failed."""

    url: str
    connected: bool
    last_byte_at: float | None
    reconnects: int
    failed_opens: int
    last_error: str | None


#: How far a read's wait may miss its due time before the port's timeout is set again:
#: setting it reconfigures the port (a tcgetattr), which a busy line would otherwise do
#: for every chunk, while an idle report or a tick this much late changes nothing.
RETIME_SLACK = 0.05


def _retime(current: float | None, wanted: float | None) -> bool:
    """Whether a port's read timeout ``current`` must become ``wanted``."""
    if current is None or wanted is None:
        return current is not wanted
    if (current == 0) != (wanted == 0):
        return True  # a zero timeout would spin until the due time; a wait is no poll
    return abs(current - wanted) > RETIME_SLACK


class Transport(Protocol):
    """The small interface drivers use: start, write bytes, status, close."""

    def start(self, *, require_port: bool = False) -> None:
        """Begin connecting and reading in the background."""
        ...

    def write(self, data: bytes) -> None:
        """Send bytes now; raise :class:`DeviceUnavailable` when not connected."""
        ...

    def status(self) -> TransportStatus:
        """Current connection state."""
        ...

    def close(self) -> None:
        """Stop reading and close the port; idempotent."""
        ...


class SerialTransport:
    """:class:`Transport` over pyserial, with a read thread and reconnects.

    ``on_data(bytes)`` gets every received chunk; ``on_connect()`` runs after each
    successful open (in the read thread, before any byte of that connection is read);
    ``on_idle()`` runs once after ``idle_after`` seconds with no byte, and
    ``on_tick()`` about every ``tick_every`` seconds while connected (for keep-alives).
    ``read_timeout`` bounds a read's wait only on ports other than a device or pty,
    where a read waits for the next of those instead.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int,
        on_data: Callable[[bytes], None],
        on_connect: Callable[[], None] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        on_idle: Callable[[], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        backoff: Backoff | None = None,
        read_timeout: float = 0.05,
        idle_after: float = 0.3,
        tick_every: float = 1.0,
        name: str | None = None,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self._on_data = on_data
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._on_idle = on_idle
        self._on_tick = on_tick
        self._backoff = backoff or Backoff()
        self._read_timeout = read_timeout
        self._idle_after = idle_after
        self._tick_every = tick_every
        self._name = name or f"transport {url}"
        self._port: serial.SerialBase | None = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ever_connected = False
        self._connected = False
        self._last_byte_at: float | None = None
        self._reconnects = 0
        self._failed_opens = 0
        self._last_error: str | None = None

    # --- public ---------------------------------------------------------------------

    def start(self, *, require_port: bool = False) -> None:
        """Start the read thread. With ``require_port`` the first open happens here and
        a failure raises :class:`PortUnavailable` instead of being retried."""
        if self._thread is not None:
            return
        self._stop.clear()
        if require_port:
            self._adopt(self._open())
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """Send ``data``; raise :class:`DeviceUnavailable` if the port is not open."""
        with self._write_lock:
            port = self._port
            if port is None or not self._connected:
                raise DeviceUnavailable(
                    f"reader port {self.url} is not connected", zh=f"读卡器端口 {self.url} 未连接"
                )
            try:
                port.write(data)
                port.flush()
            except (serial.SerialException, OSError, termios.error) as exc:
                # termios.error (not an OSError): tcdrain on a line that just went away.
                # The read loop notices the same failure and reconnects.
                raise PortUnavailable(self.url, str(exc)) from exc

    def status(self) -> TransportStatus:
        """Current connection state."""
        return TransportStatus(
            self.url,
            self._connected,
            self._last_byte_at,
            self._reconnects,
            self._failed_opens,
            self._last_error,
        )

    def close(self) -> None:
        """Stop the read thread and close the port (idempotent)."""
        self._stop.set()
        port = self._port
        if port is not None and hasattr(port, "cancel_read"):
            try:
                port.cancel_read()
            except (serial.SerialException, OSError):
                logger.debug("cancel_read failed on %s", self.url)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
            if thread.is_alive():
                logger.warning("read thread of %s did not stop within 5 s", self.url)
        self._thread = None
        self._drop_port()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected or ``timeout`` seconds pass; True when connected."""
        deadline = time.monotonic() + timeout
        while not self._connected:
            if time.monotonic() >= deadline or self._stop.is_set():
                return self._connected
            time.sleep(0.01)
        return True

    # --- internals ------------------------------------------------------------------

    def _open(self) -> serial.SerialBase:
        try:
            port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, timeout=self._read_timeout, write_timeout=2.0
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            self._failed_opens += 1
            self._last_error = str(exc)
            raise PortUnavailable(self.url, str(exc)) from exc
        return port

    def _adopt(self, port: serial.SerialBase) -> None:
        with self._write_lock:
            self._port = port
            self._connected = True
        if self._ever_connected:
            self._reconnects += 1
            logger.info("reconnected to %s (%d reconnects)", self.url, self._reconnects)
        else:
            logger.info("connected to %s", self.url)
        self._ever_connected = True
        self._call(self._on_connect, "on_connect")

    def _drop_port(self) -> None:
        with self._write_lock:
            port, self._port = self._port, None
            was_connected, self._connected = self._connected, False
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                logger.debug("closing %s failed", self.url, exc_info=True)
        if was_connected:
            self._call(self._on_disconnect, "on_disconnect")

    def _call(self, hook: Callable[[], None] | None, what: str) -> None:
        if hook is None:
            return
        try:
            hook()
        except Exception:
            # A driver bug must not stop the reader; it is logged with its traceback.
            logger.exception("%s hook of %s failed", what, self.url)

    def _run(self) -> None:
        next_delay = self._backoff.delays()
        while not self._stop.is_set():
            if self._port is None:
                try:
                    port = self._open()
                except PortUnavailable as exc:
                    delay = next_delay()
                    logger.warning("%s; retrying in %.2f s", exc, delay)
                    self._stop.wait(delay)
                    continue
                next_delay = self._backoff.delays()
                self._adopt(port)
            try:
                self._pump()
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's posix read after a concurrent
                # close() dereferences a fd that is already None.
                if self._stop.is_set():
                    break
                self._last_error = str(exc)
                logger.warning("lost %s: %s", self.url, exc)
                self._drop_port()
                self._stop.wait(next_delay())
        self._drop_port()

    def _pump(self) -> None:
        port = self._port
        assert port is not None
        # On a device or pty the read waits exactly until the next idle report or tick
        # is due (close() cuts it short with cancel_read), so a quiet line costs no CPU;
        # other ports (sockets, RFC 2217) keep the short fixed timeout.
        until_due = type(port).__module__ == "serial.serialposix"
        quiet_since = time.monotonic()
        idle_reported = True
        last_tick = quiet_since
        while not self._stop.is_set():
            if until_due:
                due = last_tick + self._tick_every if self._on_tick else math.inf
                if not idle_reported:
                    due = min(due, quiet_since + self._idle_after)
                wait = None if due == math.inf else max(0.0, due - time.monotonic())
                if _retime(port.timeout, wait):
                    port.timeout = wait  # None: until bytes come (or close() cancels)
            data = port.read(port.in_waiting or 1)
            if len(data) == 1 and port.in_waiting:
                # Woken by the first byte of a burst: take the rest with it, so a
                # frame (or a round of them) is handed on in one piece, one loop.
                data += port.read(port.in_waiting)
            now = time.monotonic()
            if data:
                self._last_byte_at = now
                quiet_since = now
                idle_reported = False
                try:
                    self._on_data(data)
                except Exception:
                    logger.exception("on_data hook of %s failed", self.url)
            elif not idle_reported and now - quiet_since >= self._idle_after:
                idle_reported = True
                self._call(self._on_idle, "on_idle")
            if now - last_tick >= self._tick_every:
                last_tick = now
                self._call(self._on_tick, "on_tick")
