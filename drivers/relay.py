"""Relay boards that drive a door's stack light and buzzer.

The LCUS codec — the CH340 "LCUS" USB relay modules (LCUS-1/2/4/8): 9600 baud 8N1, a
4-byte command ``A0 | relay | state | checksum`` with relay 1-8, state ``01`` on /
``00`` off and checksum = the sum of the first three bytes (mod 256):
``A0 01 01 A2`` energises relay 1, ``A0 01 00 A1`` releases it. The module never answers,
so the host cannot know that it obeyed: what the driver can know is that the line is
there, and it re-sends every relay's wanted state after each (re)connect (a board that
lost power comes back with every relay off).

:class:`RelayBoard` is what every board driver shares: :meth:`~RelayBoard.set` only
records the wanted state and queues the command, and the driver's own thread writes
it, so a slow or dead board never holds up the door logic that calls it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from drivers.transport import Backoff, SerialTransport
from tracker.domain.errors import DeviceUnavailable, InvalidInput

logger = logging.getLogger(__name__)

LCUS_BAUD = 9600
LCUS_START = 0xA0


def lcus_frame(relay: int, on: bool) -> bytes:
    """The LCUS command switching ``relay`` (1-8) on or off."""
    if not 1 <= relay <= 8:
        raise InvalidInput(
            "relay", f"LCUS relays are 1-8, not {relay}", zh=f"继电器编号应为1至8：{relay}"
        )
    body = bytes((LCUS_START, relay, 1 if on else 0))
    return body + bytes((sum(body) & 0xFF,))


@dataclass(frozen=True)
class LcusCommand:
    """One decoded LCUS command."""

    relay: int
    on: bool


def lcus_decode(buffer: bytes) -> tuple[list[LcusCommand], bytes, int]:
    """The complete valid commands in ``buffer``, the bytes left over (a partial frame)
    and how many bytes were skipped as garbage (a bad checksum or state costs its start
    byte, and scanning resumes after it)."""
    out: list[LcusCommand] = []
    i, skipped = 0, 0
    while i < len(buffer):
        if buffer[i] != LCUS_START:
            i, skipped = i + 1, skipped + 1
            continue
        if len(buffer) - i < 4:
            break
        relay, state, check = buffer[i + 1], buffer[i + 2], buffer[i + 3]
        if state in (0, 1) and 1 <= relay <= 8 and (LCUS_START + relay + state) & 0xFF == check:
            out.append(LcusCommand(relay, state == 1))
            i += 4
        else:
            i, skipped = i + 1, skipped + 1
    return out, buffer[i:], skipped


@dataclass(frozen=True)
class OutputStats:
    """A board's state: ``connected`` (the line is open and, for a board that answers,
    its last exchange succeeded), ``last_ok`` (monotonic time of the last command or
    probe that went through), counters."""

    output: str
    url: str
    connected: bool
    last_ok: float | None
    commands: int
    failures: int
    last_error: str | None


class RelayBoard:
    """The queue, wanted state and counters of a relay-board driver (module docstring).

    A subclass runs :meth:`_run` in its thread, taking commands with :meth:`_next`."""

    def __init__(self, output: str, url: str, channels: int) -> None:
        self.output, self.url, self.channels = output, url, channels
        self._want: dict[int, bool] = {}
        self._queue: queue.SimpleQueue[tuple[int, bool]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.commands = 0
        self.failures = 0
        self.last_ok: float | None = None
        self.last_error: str | None = None

    def set(self, channel: int, on: bool) -> None:
        """Energise or release relay ``channel`` (1-based); returns at once."""
        if not 1 <= channel <= self.channels:
            raise InvalidInput(
                "channel",
                f"{self.output} has relays 1-{self.channels}, not {channel}",
                zh=f"{self.output} 只有1至{self.channels}号继电器：{channel}",
            )
        with self._lock:
            self._want[channel] = on
        self._queue.put((channel, on))

    def wanted(self) -> dict[int, bool]:
        """The state every relay should be in."""
        with self._lock:
            return dict(self._want)

    def start(self) -> None:
        """Start the driver's thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"relay {self.output}", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the thread."""
        self._stop.set()
        self._queue.put((0, False))  # wake the thread
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        self._thread = None

    def _next(self, timeout: float | None) -> tuple[int, bool] | None:
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if item[0] == 0 else item

    def _ok(self) -> None:
        self.commands += 1
        self.last_ok = time.monotonic()

    def _failed(self, error: str) -> None:
        self.failures += 1
        self.last_error = error

    def _run(self) -> None:
        raise NotImplementedError


class LcusRelay(RelayBoard):
    """A CH340 LCUS relay module on a serial line (write-only; see the module docstring)."""

    def __init__(
        self,
        output: str,
        url: str,
        channels: int = 1,
        *,
        baudrate: int = LCUS_BAUD,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(output, url, channels)
        self._transport = SerialTransport(
            url,
            baudrate=baudrate,
            on_data=lambda _data: None,  # the module never talks; stray bytes are ignored
            on_connect=self._reassert,
            backoff=backoff,
            name=f"relay {output}",
        )

    def start(self) -> None:
        """Open the line (reconnecting in the background) and start writing."""
        self._transport.start()
        super().start()

    def close(self) -> None:
        """Stop writing and close the line."""
        super().close()
        self._transport.close()

    def stats(self) -> OutputStats:
        """The line's state and the counters."""
        ts = self._transport.status()
        return OutputStats(
            self.output,
            self.url,
            ts.connected,
            self.last_ok,
            self.commands,
            self.failures,
            self.last_error or ts.last_error,
        )

    def wait_connected(self, timeout: float) -> bool:
        """Block until the line is open (True) or ``timeout`` passes."""
        return self._transport.wait_connected(timeout)

    def _reassert(self) -> None:
        self.last_ok = time.monotonic()
        for channel, on in sorted(self.wanted().items()):
            self._queue.put((channel, on))

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._next(None)  # close() wakes it
            if item is None:
                continue
            channel, on = item
            try:
                self._transport.write(lcus_frame(channel, on))
                self._ok()
            except DeviceUnavailable as exc:
                # Kept in the wanted state: written again when the line comes back.
                self._failed(str(exc))


def open_lcus(output: str, url: str, channels: int, baudrate: int | None) -> LcusRelay:
    """An LCUS driver (not started)."""
    return LcusRelay(output, url, channels, baudrate=baudrate or LCUS_BAUD)
