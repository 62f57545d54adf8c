"""An M100 / YRM100 UHF module, simulated byte-exactly over a pty.

It answers the host's commands with the frames of ``PROTOCOLS.md`` (built with the
driver's own codec, which is itself tested against the golden bytes):

- single inventory → one notification per tag in the field, or ``BB 01 FF 00 01 15 16 7E``;
- multi-poll (count) → a round every ``round_interval`` s (± jitter), each sending one
  notification per tag in the field, until stopped or the count runs out;
- stop → ``BB 01 28 00 01 00 2A 7E``;
- module information, set / get region, set / get transmit power → the answers of the
  vendor's manual (:mod:`drivers.m100_setup`); a power above the board's rating is
  clipped to it, as a real board does; anything else → error ``17``.

:attr:`M100Simulator.silent` makes a module that answers nothing at all.

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
from drivers import m100_setup as setup
from simulators.device import Faults, SerialDeviceSimulator
from simulators.field import TagPopulation, parse_epc

__all__ = ["M100Simulator", "parse_epc"]

#: Region codes the module accepts (China 900, US, Europe, China 800, Korea).
REGIONS = (0x01, 0x02, 0x03, 0x04, 0x06)
ERROR_COMMAND = 0x17  # "malformed / unsupported command frame"

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
        #: Module information by kind (hardware, software, manufacturer), as a 26 dBm
        #: board of the vendor document answers it.
        self.info = {
            setup.INFO_HARDWARE: "M100 26dBm V1.0",
            setup.INFO_SOFTWARE: "V2.3.1",
            setup.INFO_MANUFACTURER: "MagicRF",
        }
        self.region = 0x02  # as shipped: US; a Chinese site must set China 920-925 MHz
        self.power = 2000  # 20.00 dBm
        self.max_power = 2600
        self._silent = False
        self._field = TagPopulation()
        self._tags = self._field.tags
        self._once: deque[m100.TagNotification] = deque()
        self._polling = False
        self._rounds_left = 0
        self._next_round = 0.0
        self._dozing = False
        self.commands: list[str] = []

    # --- the field (any thread) ----------------------------------------------------------

    @property
    def silent(self) -> bool:
        """A module that answers nothing (powered, wired, dead): the driver must notice."""
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self._silent = value
        self._wake()

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """Put a tag in the field at a steady RSSI until :meth:`remove_tag`."""
        self._field.add(epc, rssi)
        self._wake()

    def remove_tag(self, epc: str) -> None:
        """Take a tag out of the field."""
        self._field.remove(epc)
        self._wake()

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
        self._wake()

    def tags_in_field(self, now: float) -> list[str]:
        """EPCs (upper-case hex) in the field at ``now``."""
        return self._field.in_field(now)

    def emit_once(self, epc: str, rssi: int = -50) -> None:
        """Queue one notification, sent exactly once during the next polling round."""
        note = m100.TagNotification.build(parse_epc(epc), rssi)
        with self._lock:
            self._once.append(note)
        self._wake()

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
        for frame in self._framer.feed(data):
            message = setup.decode_setup(frame) if isinstance(frame, m100.M100Frame) else frame
            self.commands.append(type(message).__name__)
            if self.silent:
                continue
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
                self._dozing = False
            elif isinstance(message, m100.StopCommand):
                self._polling = False
                self._send_frame(m100.StopResponse(0).to_bytes())
            else:
                self._set_up(message)

    def _set_up(self, message: object) -> None:
        """Answer the module-information, region and power commands."""
        answer: setup.SetupMessage | m100.ErrorResponse
        if isinstance(message, setup.InfoCommand) and message.kind in self.info:
            answer = setup.InfoResponse(message.kind, self.info[message.kind])
        elif isinstance(message, setup.SetRegionCommand) and message.region in REGIONS:
            self.region = message.region
            answer = setup.SetResponse(setup.CMD_SET_REGION, 0)
        elif isinstance(message, setup.GetRegionCommand):
            answer = setup.RegionResponse(self.region)
        elif isinstance(message, setup.SetPowerCommand):
            # A board transmits at most its rated power; asking for more gets the most.
            self.power = min(message.centi_dbm, self.max_power)
            answer = setup.SetResponse(setup.CMD_SET_POWER, 0)
        elif isinstance(message, setup.GetPowerCommand):
            answer = setup.PowerResponse(self.power)
        else:
            logger.debug("M100 sim refuses %r", message)
            answer = m100.ErrorResponse(ERROR_COMMAND)
        self._send_frame(answer.to_frame().to_bytes())

    def _step(self, now: float) -> float:
        if not self._polling or self.silent:
            return self.idle_wait
        if self._dozing:
            # Rounds that would have found nothing were slept through (below); they still
            # ran on the module's clock: count them, and read at the next round's time.
            self._dozing = False
            if now >= self._next_round:
                passed = int((now - self._next_round) / self.round_interval) + 1
                self._rounds_left -= passed
                self._next_round += passed * self.round_interval
                if self._rounds_left <= 0:
                    self._polling = False
                    return self.idle_wait
        if now < self._next_round:
            return self._next_round - now
        with self._lock:
            once = list(self._once)
            self._once.clear()
        self._send_frames([n.to_bytes() for n in [*self._notifications(now), *once]])
        self._rounds_left -= 1
        if self._rounds_left <= 0:
            self._polling = False
        self._next_round = now + max(
            0.001, self.round_interval + self.rng.uniform(-self.jitter, self.jitter)
        )
        quiet = self._field.quiet_until(now)
        if self._polling and quiet > self._next_round and not once:
            # An empty field: the rounds find nothing and send nothing, so sleep until a
            # carried tag's passage begins, the count runs out, or the field is changed
            # (which wakes the thread) — then go on at the rounds' own pace.
            self._dozing = True
            last = self._next_round + (self._rounds_left - 1) * self.round_interval
            return min(quiet, last) - now
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
