"""Relay boards, simulated on real pseudo-terminals: the board's side of the line, and a
log of every command it was given, with the monotonic time it arrived.

- :class:`LcusSimulator` — a CH340 LCUS module: decodes ``A0 relay state checksum``
  commands (the driver's codec, itself tested against the golden bytes) and switches
  its relays; it never answers, as the real module does not.
- :class:`ModbusRelaySimulator` — a Modbus RTU coil board played by pymodbus's own
  serial server, reached through a second pty and a small bridge (a "cable" that can
  be pulled — :meth:`unplug` — or go dead while powered — :meth:`mute`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import threading
import time
import tty
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drivers.relay import lcus_decode
from simulators.device import SerialDeviceSimulator
from simulators.pty import PtyLink

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayCommand:
    """What a simulated board was told: relay ``relay`` on or off at ``at`` (monotonic)."""

    at: float
    relay: int
    on: bool


class CommandLog:
    """The commands a board received, and its relays' state (thread-safe); each command is
    logged (INFO) as it arrives, and :meth:`report` lists them with wall-clock times."""

    def __init__(self, name: str = "relay board") -> None:
        self.name = name
        self._lock = threading.Condition()
        self.commands: list[RelayCommand] = []
        self._state: dict[int, bool] = {}

    def record(self, relay: int, on: bool, at: float | None = None) -> None:
        """Note a command."""
        command = RelayCommand(time.monotonic() if at is None else at, relay, on)
        with self._lock:
            self.commands.append(command)
            self._state[relay] = on
            self._lock.notify_all()
        logger.info(
            "%s: relay %d %s at %s", self.name, relay, "on" if on else "off", _wall(command.at)
        )

    def state(self) -> dict[int, bool]:
        """Which relays are energised now."""
        with self._lock:
            return dict(self._state)

    def report(self, last: int = 20) -> dict[str, Any]:
        """The relays' state and the last ``last`` commands, each with the wall-clock
        time (UTC ISO, milliseconds) it arrived."""
        with self._lock:
            commands = self.commands[-last:] if last > 0 else []
            state = dict(self._state)
        return {
            "state": {str(r): on for r, on in sorted(state.items())},
            "commands": [{"at": _wall(c.at), "relay": c.relay, "on": c.on} for c in commands],
        }

    def wait_for(
        self, relay: int, on: bool, *, after: float = 0.0, timeout: float = 5.0
    ) -> RelayCommand | None:
        """The first command setting ``relay`` to ``on`` received at or after ``after``
        (monotonic), waiting up to ``timeout`` s for it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for c in self.commands:
                    if c.relay == relay and c.on == on and c.at >= after:
                        return c
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(left)


def _wall(at: float) -> str:
    """A monotonic time as UTC ISO wall-clock time."""
    wall = time.time() - (time.monotonic() - at)
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")


class LcusSimulator(SerialDeviceSimulator):
    """A CH340 LCUS relay module (see the module docstring)."""

    def __init__(self, link: str | Path, *, seed: int | None = None, faults: Any = None) -> None:
        super().__init__(link, faults=faults, seed=seed)
        self.log = CommandLog(f"LCUS module {Path(link).name}")
        self.garbage = 0
        self._buffer = b""

    def state(self) -> dict[int, bool]:
        """Which relays are energised now."""
        return self.log.state()

    def report(self, last: int = 20) -> dict[str, Any]:
        """What the module was told (:meth:`CommandLog.report`)."""
        return self.log.report(last)

    def _on_host_bytes(self, data: bytes, now: float) -> None:
        commands, self._buffer, skipped = lcus_decode(self._buffer + data)
        self.garbage += skipped
        for c in commands:
            self.log.record(c.relay, c.on, now)

    def _on_unplug(self) -> None:
        # Powered from USB: unplugged, every relay drops out.
        self._buffer = b""
        for relay, on in self.log.state().items():
            if on:
                self.log.record(relay, False)

    def _step(self, now: float) -> float:
        return self.idle_wait  # it only ever listens (host bytes wake it)


class ModbusRelaySimulator:
    """A Modbus RTU coil board (see the module docstring): ``channels`` coils from
    ``coil_base`` on unit ``unit``; relay *n* is coil ``coil_base + n - 1``."""

    def __init__(
        self,
        link: str | Path,
        *,
        channels: int = 8,
        unit: int = 1,
        coil_base: int = 0,
        baudrate: int = 9600,
    ) -> None:
        self.link_path = Path(link)
        self.channels, self.unit, self.coil_base, self.baudrate = (
            channels,
            unit,
            coil_base,
            baudrate,
        )
        self.log = CommandLog(f"Modbus board {self.link_path.name}")
        self.muted = False
        self._host: PtyLink | None = None
        self._board: tuple[int, int] | None = None  # master, slave of the server's pty
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._replug_at: float | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Where a driver opens the board."""
        return str(self.link_path)

    def state(self) -> dict[int, bool]:
        """Which relays are energised now."""
        return self.log.state()

    def report(self, last: int = 20) -> dict[str, Any]:
        """What the board was told (:meth:`CommandLog.report`)."""
        return self.log.report(last)

    def mute(self, muted: bool = True) -> None:
        """The board stays plugged in but stops answering (a dead controller, a broken
        RS-485 pair) — or answers again."""
        self.muted = muted

    def unplug(self, seconds: float | None = None) -> None:
        """Pull the USB adapter; plug it back after ``seconds`` (never if None)."""
        with self._lock:
            if self._host is not None:
                self._host.unplug()
            self._replug_at = None if seconds is None else time.monotonic() + seconds

    def replug(self) -> None:
        """Plug the adapter back now."""
        with self._lock:
            self._replug_at = time.monotonic()

    def start(self) -> ModbusRelaySimulator:
        """Power the board: the pymodbus server on one pty, the host's link on another."""
        if self._threads:
            return self
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        os.set_blocking(master, False)
        self._board = (master, slave)
        self._host = PtyLink(self.link_path)
        self._stop.clear()
        ready = threading.Event()
        serve = threading.Thread(
            target=self._serve, args=(os.ttyname(slave), ready), daemon=True, name="modbus-sim"
        )
        bridge = threading.Thread(target=self._bridge, daemon=True, name="modbus-bridge")
        self._threads = [serve, bridge]
        serve.start()
        if not ready.wait(10):
            raise RuntimeError("the pymodbus server did not start")
        bridge.start()
        return self

    def stop(self) -> None:
        """Stop the server and the bridge, close the ptys, remove the link."""
        self._stop.set()
        loop, server = self._loop, self._server
        if loop is not None and server is not None:
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(server.shutdown(), loop).result(5)
        for t in self._threads:
            t.join(5)
        self._threads = []
        if self._host is not None:
            self._host.close()
            self._host = None
        if self._board is not None:
            for fd in self._board:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._board = None

    def __enter__(self) -> ModbusRelaySimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the board -------------------------------------------------------------------

    def _serve(self, port: str, ready: threading.Event) -> None:
        from pymodbus.server import ModbusSerialServer
        from pymodbus.simulator import SimData, SimDevice
        from pymodbus.simulator.simutils import DataType

        async def record(
            fc: int, _start: int, address: int, _count: int, _regs: list[int], values: Any
        ) -> None:
            if values is None or fc not in (5, 15):
                return
            for i, v in enumerate(values):
                relay = address + i - self.coil_base + 1
                if 1 <= relay <= self.channels:
                    self.log.record(relay, bool(v))

        def bits(count: int) -> list[Any]:
            return [SimData(self.coil_base, count=count, values=False, datatype=DataType.BITS)]

        def regs() -> list[Any]:
            return [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]

        device = SimDevice(
            self.unit,
            simdata=(bits(self.channels), bits(self.channels), regs(), regs()),
            action=record,
        )

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._server = ModbusSerialServer(device, port=port, baudrate=self.baudrate)
            await self._server.serve_forever(background=True)
            ready.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.05)
            await self._server.shutdown()

        try:
            asyncio.run(main())
        except Exception:  # the simulator thread must end quietly, whatever pymodbus does
            logger.exception("modbus relay simulator at %s failed", self.link_path)
            ready.set()

    def _bridge(self) -> None:
        assert self._board is not None
        board = self._board[0]
        while not self._stop.is_set():
            with self._lock:
                host = self._host
                replug = self._replug_at
                due = replug is not None and time.monotonic() >= replug
                if host is not None and not host.plugged and due:
                    self._replug_at = None
                    host.plug()
                fd = host.fileno() if host is not None else None
            fds = [board] + ([fd] if fd is not None else [])
            try:
                ready, _, _ = select.select(fds, [], [], 0.05)
            except (OSError, ValueError):
                continue  # the host link was unplugged under us
            for r in ready:
                try:
                    data = os.read(r, 4096)
                except (BlockingIOError, OSError):
                    continue
                if r == board:
                    if host is not None and not self.muted:
                        host.write(data)
                elif not self.muted:
                    _write_all(board, data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 0.05)
            continue
        view = view[n:]
