"""A Chafon CF-RU5102 / UHFReader18 reader, simulated byte-exactly over a pty.

It answers the host's commands with the frames of the UHFReader18 manual (built with
the driver's codec, itself tested against the vendor document's CRC examples):

- inventory → after ``inventory_time`` s (the reader's scan), the EPCs of the tags in
  its field, several per frame, split over frames with status ``03`` when they do not
  fit one; ``FB`` when no tag answers;
- reader information → version, type, band and power;
- anything else → status ``FE`` (illegal command).

It answers commands for its ``address`` or the broadcast address, with its own
address in every answer. :attr:`ChafonSimulator.silent` makes a reader that answers
nothing; the :class:`~simulators.device.Faults` add noise, cut and corrupted copies.
"""

from __future__ import annotations

import logging
from pathlib import Path

from drivers import chafon
from simulators.device import Faults, SerialDeviceSimulator
from simulators.field import TagPopulation

logger = logging.getLogger(__name__)

STATUS_ILLEGAL_COMMAND = 0xFE


class ChafonSimulator(SerialDeviceSimulator):
    """The reader's side of the UHFReader18 protocol (see the module docstring)."""

    def __init__(
        self,
        link: str | Path,
        *,
        faults: Faults | None = None,
        seed: int | None = None,
        address: int = 0x00,
        inventory_time: float = 0.02,
        miss_prob: float = 0.0,
    ) -> None:
        super().__init__(link, faults=faults, seed=seed)
        self.address = address
        self.inventory_time = inventory_time
        self.miss_prob = miss_prob
        self.silent = False
        self.info = chafon.ReaderInfo((2, 0), 0x09, 0x02, 0x4E, 0x00, 30, 10, address)
        self._framer = chafon.ChafonFramer(commands=True)
        self._field = TagPopulation()
        self._due: float | None = None  # when the running inventory answers
        self.commands: list[int] = []
        self.inventories = 0

    # --- the field ----------------------------------------------------------------------

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """Put a tag in the field until :meth:`remove_tag` (the reader reports no RSSI)."""
        self._field.add(epc, rssi)

    def remove_tag(self, epc: str) -> None:
        """Take a tag out of the field."""
        self._field.remove(epc)

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        """A tag carried through the field for ``duration`` s from ``delay`` s on."""
        self._field.carry(epc, duration, delay=delay, now=now)

    def tags_in_field(self, now: float) -> list[str]:
        """EPCs (upper-case hex) in the field at ``now``."""
        return self._field.in_field(now)

    @property
    def polling(self) -> bool:
        """True once a host has asked for an inventory."""
        return self.inventories > 0 or self._due is not None

    # --- device behaviour (sim thread) ----------------------------------------------------

    def _on_host_bytes(self, data: bytes, now: float) -> None:
        for command in self._framer.feed(data):
            if not isinstance(command, chafon.ChafonCommand):
                continue
            self.commands.append(command.command)
            if self.silent or command.address not in (self.address, chafon.BROADCAST):
                continue
            if command.command == chafon.CMD_INVENTORY:
                self._due = now + self.inventory_time
            elif command.command == chafon.CMD_READER_INFO:
                self._send_frame(self.info.to_bytes())
            else:
                refused = chafon.ChafonResponse(command.command, STATUS_ILLEGAL_COMMAND)
                self._send_frame(refused.to_bytes())

    def _step(self, now: float) -> float:
        if self._due is None:
            return self.idle_wait  # it speaks only when asked (host bytes wake it)
        if now < self._due:
            return self._due - now
        self._due = None
        self.inventories += 1
        epcs = [epc for epc, _ in self._field.reads(now, self.rng, miss=self.miss_prob)]
        for frame in self._answers(epcs):
            self._send_frame(frame.to_bytes())
        return self.tick

    def _answers(self, epcs: list[bytes]) -> list[chafon.InventoryAnswer]:
        if not epcs:
            return [chafon.InventoryAnswer((), chafon.STATUS_NO_TAG, self.address)]
        frames: list[list[bytes]] = [[]]
        room = chafon.MAX_LEN - 6  # Len, Adr, reCmd, Status, Num and the CRC aside
        for epc in epcs:
            if sum(len(e) + 1 for e in frames[-1]) + len(epc) + 1 > room:
                frames.append([])
            frames[-1].append(epc)
        last = len(frames) - 1
        return [
            chafon.InventoryAnswer(
                tuple(f), chafon.STATUS_DONE if i == last else chafon.STATUS_MORE, self.address
            )
            for i, f in enumerate(frames)
        ]

    def _corrupt(self, frame: bytes) -> bytes:
        bad = bytearray(frame)
        i = self.rng.randrange(1, len(frame))
        bad[i] ^= self.rng.randrange(1, 256)
        return bytes(bad)

    def _on_unplug(self) -> None:
        self._due = None
        self._framer.reset()
