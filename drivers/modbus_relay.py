"""Modbus RTU relay boards on a serial line (RS-485 through a USB adapter), driven with
pymodbus: each relay is a coil, written with function 05 (write single coil: ``FF 00``
on, ``00 00`` off) — ``01 05 00 00 FF 00 8C 3A`` energises coil 0 of unit 1 — and the
board answers every request, so one that stops answering is noticed: while idle the
driver reads the coils back (function 01) every ``probe_every`` seconds.

pymodbus does the framing (RTU, CRC-16) and the serial line; this module adds the
board's life: a thread that owns the client, writes the queued commands, probes, and
after any failure closes the line and reopens it with backoff, writing every relay's
wanted state again once the board answers.
"""

from __future__ import annotations

import logging
import time

from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ModbusException

from drivers.relay import OutputStats, RelayBoard
from drivers.transport import Backoff

logger = logging.getLogger(__name__)

MODBUS_BAUD = 9600


class ModbusRelay(RelayBoard):
    """Relays as coils ``coil_base`` … ``coil_base + channels - 1`` of Modbus unit
    ``unit``; relay 1 is coil ``coil_base``."""

    def __init__(
        self,
        output: str,
        url: str,
        channels: int = 1,
        *,
        unit: int = 1,
        coil_base: int = 0,
        baudrate: int = MODBUS_BAUD,
        timeout: float = 0.3,
        probe_every: float = 2.0,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(output, url, channels)
        self.unit, self.coil_base = unit, coil_base
        self.probe_every = probe_every
        self._backoff = backoff or Backoff(0.2, 5.0)
        self._client = ModbusSerialClient(
            port=url, baudrate=baudrate, timeout=timeout, retries=0, name=f"relay {output}"
        )
        self._connected = False

    def stats(self) -> OutputStats:
        """Whether the board answered its last request, and the counters."""
        return OutputStats(
            self.output,
            self.url,
            self._connected,
            self.last_ok,
            self.commands,
            self.failures,
            self.last_error,
        )

    def _exchange(self, channel: int | None, on: bool = False) -> None:
        """Write one coil, or (``channel`` None) read every coil back; raises
        ModbusException or OSError when the board does not answer properly."""
        if channel is None:
            reply = self._client.read_coils(
                self.coil_base, count=self.channels, device_id=self.unit
            )
        else:
            address = self.coil_base + channel - 1
            reply = self._client.write_coil(address, on, device_id=self.unit)
        if reply.isError():
            raise ModbusException(f"the board answered with an error: {reply}")

    def _connect(self) -> bool:
        try:
            if not self._client.connect():
                raise ModbusException(f"cannot open {self.url}")
            self._exchange(None)
            for channel, on in sorted(self.wanted().items()):
                self._exchange(channel, on)
        except (ModbusException, OSError) as exc:
            self._lost(str(exc))
            return False
        if not self._connected:
            logger.info("relay board %s answers at %s", self.output, self.url)
        self._connected = True
        self._ok()
        return True

    def _lost(self, error: str) -> None:
        if self._connected:
            logger.warning("relay board %s stopped answering: %s", self.output, error)
        self._connected = False
        self._failed(error)
        self._client.close()  # type: ignore[no-untyped-call]

    def _run(self) -> None:
        delays = self._backoff.delays()
        while not self._stop.is_set():
            if not self._connected:
                if not self._connect():
                    self._stop.wait(delays())
                    continue
                delays = self._backoff.delays()
            item = self._next(self.probe_every)
            if self._stop.is_set():
                break
            try:
                if item is None:
                    self._exchange(None)
                else:
                    self._exchange(*item)
                self._ok()
            except (ModbusException, OSError) as exc:
                # The wanted state is kept; _connect writes it all again.
                self._lost(str(exc))
        self._client.close()  # type: ignore[no-untyped-call]

    def wait_connected(self, timeout: float) -> bool:
        """Block until the board has answered (True) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not self._connected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._connected
