"""An M100 / YRM100 UHF module, simulated byte-exactly over a pty.

It answers the host's commands with the frames of ``PROTOCOLS.md`` (built with the
driver's own codec, which is itself tested against the golden bytes):

- single inventory → one notification per tag in the field, or ``BB 01 FF 00 01 15 16 7E``;
- multi-poll (count) → a round every ``round_interval`` s (± jitter), each sending one
  notification per tag in the field, until stopped or the count runs out;
- stop → ``BB 01 28 00 01 00 2A 7E``.

Tags are put in the field with :meth:`M100Simulator.add_tag` (fixed RSSI) or
:meth:`M100Simulator.pass_tag` (RSSI sweeping low → high → low as a person walks by).
:meth:`M100Simulator.emit_once` queues notifications that are sent exactly once, in the
next polling round — the finite, known set that "exactly once" tests count.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from drivers import m100
from simulators.device import Faults, SerialDeviceSimulator
from simulators.field import TagPopulation, parse_epc

__all__ = ["M100Simulator", "parse_epc"]

logger = logging.getLogger(__name__)


class M100Simulator(SerialDeviceSimulator):
    """The module's side of the serial protocol (see the module docstring)."""

    def __init__(
        self,
        link: str | Path,
        *,
        faults: Faults | None = None,
        seed: int | None = None,
        round_interval: float = 0.03,
        jitter: float = 0.01,
        rssi_noise: int = 2,
        miss_prob: float = 0.0,
    ) -> None:
        super().__init__(link, faults=faults, seed=seed)
        self.round_interval = round_interval
        self.jitter = jitter
        self.rssi_noise = rssi_noise
        self.miss_prob = miss_prob
        self._framer = m100.M100Framer()
        self._field = TagPopulation()
        self._tags = self._field.tags
        self._once: deque[m100.TagNotification] = deque()
        self._polling = False
        self._rounds_left = 0
        self._next_round = 0.0
        self.commands: list[str] = []

    # --- the field (any thread) ----------------------------------------------------------

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """Put a tag in the field at a steady RSSI until :meth:`remove_tag`."""
        self._field.add(epc, rssi)

    def remove_tag(self, epc: str) -> None:
        """Take a tag out of the field."""
        self._field.remove(epc)

    def pass_tag(
        self,
        epc: str,
        duration: float,
        *,
        delay: float = 0.0,
        low: int = -75,
        high: int = -45,
        now: float | None = None,
    ) -> None:
        """A tag carried through the field: in it from ``delay`` s for ``duration`` s,
        RSSI rising ``low`` → ``high`` at the middle → ``low``."""
        self._field.carry(epc, duration, delay=delay, low=low, high=high, now=now)

    def tags_in_field(self, now: float) -> list[str]:
        """EPCs (upper-case hex) in the field at ``now``."""
        return self._field.in_field(now)

    def emit_once(self, epc: str, rssi: int = -50) -> None:
        """Queue one notification, sent exactly once during the next polling round."""
        note = m100.TagNotification.build(parse_epc(epc), rssi)
        with self._lock:
            self._once.append(note)

    @property
    def polling(self) -> bool:
        """True while a multi-poll is running."""
        return self._polling

    @property
    def pending_once(self) -> int:
        """One-shot notifications not yet sent."""
        with self._lock:
            return len(self._once)

    # --- device behaviour (sim thread) ---------------------------------------------------

    def _on_host_bytes(self, data: bytes, now: float) -> None:
        for message in self._framer.feed(data):
            self.commands.append(type(message).__name__)
            if isinstance(message, m100.InventoryCommand):
                notes = self._notifications(now)
                if not notes:
                    self._send_frame(m100.ErrorResponse(m100.ERROR_NO_TAG).to_bytes())
                for note in notes:
                    self._send_frame(note.to_bytes())
            elif isinstance(message, m100.MultiPollCommand):
                self._polling = message.count > 0
                self._rounds_left = message.count
                self._next_round = now
            elif isinstance(message, m100.StopCommand):
                self._polling = False
                self._send_frame(m100.StopResponse(0).to_bytes())
            else:
                logger.debug("M100 sim ignores %r", message)

    def _step(self, now: float) -> float:
        if not self._polling:
            return self.tick * 4
        if now < self._next_round:
            return self._next_round - now
        for note in self._notifications(now):
            self._send_frame(note.to_bytes())
        with self._lock:
            once = list(self._once)
            self._once.clear()
        for note in once:
            self._send_frame(note.to_bytes())
        self._rounds_left -= 1
        if self._rounds_left <= 0:
            self._polling = False
        self._next_round = now + max(
            0.001, self.round_interval + self.rng.uniform(-self.jitter, self.jitter)
        )
        return self._next_round - now

    def _notifications(self, now: float) -> list[m100.TagNotification]:
        reads = self._field.reads(now, self.rng, noise=self.rssi_noise, miss=self.miss_prob)
        return [m100.TagNotification.build(epc, rssi) for epc, rssi in reads]

    def _corrupt(self, frame: bytes) -> bytes:
        bad = bytearray(frame)
        if len(frame) > 12 and self.rng.random() < 0.5:
            # Damage PC/EPC/CRC and repair the checksum: only the CRC can catch this.
            i = self.rng.randrange(6, len(frame) - 2)
            bad[i] ^= self.rng.randrange(1, 256)
            bad[-2] = sum(bad[1:-2]) & 0xFF
        else:
            i = self.rng.randrange(5, len(frame) - 1)
            bad[i] ^= self.rng.randrange(1, 256)
        return bytes(bad)

    def _on_unplug(self) -> None:
        self._polling = False
        self._framer.reset()
