"""A Chafon CF-RU5102 / UHFReader18 reader on a serial line, kept inventorying.

The reader speaks only when asked (answer mode), so the driver asks all the time: on
every (re)connect it reads the reader information (firmware version, type, power), then
sends an inventory, and the next one as soon as the last frame of the answer is in
(or after ``answer_timeout`` s without one). Every answer — "no tag" included — is the
reader's pulse: a reader that stops answering is not heard and so goes offline.
The answers carry no RSSI: reads are reported at :data:`drivers.reads.UNKNOWN_RSSI`
(plus the reader's ``rssi_offset`` in the gateway), so a door orders its zones by
first sight.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from drivers import chafon
from drivers.readers import SerialReader
from drivers.reads import UNKNOWN_RSSI, TagRead
from drivers.transport import Backoff

logger = logging.getLogger(__name__)


class ChafonReader(SerialReader[chafon.ChafonMessage, TagRead]):
    """The UHFReader18 driver (see the module docstring). ``address`` is the reader's
    address on its line; 255 (broadcast) asks whichever reader is there and accepts
    its answers whatever address it has."""

    def __init__(
        self,
        url: str,
        read_point: str,
        on_read: Callable[[TagRead], None],
        *,
        address: int = chafon.BROADCAST,
        baudrate: int = chafon.BAUDRATE,
        answer_timeout: float = 1.5,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            url,
            read_point,
            on_read,
            chafon.ChafonFramer(),
            baudrate=baudrate,
            backoff=backoff,
            clock=clock,
            idle_after=0.2,
            tick_every=0.1,
        )
        self.address = address
        self._inventory = chafon.ChafonCommand.inventory(address).to_bytes()
        self._info_cmd = chafon.ChafonCommand.reader_info(address).to_bytes()
        self._answer_timeout = answer_timeout
        self._asked_at: float | None = None
        self.info: chafon.ReaderInfo | None = None
        self.inventories = 0
        self.timeouts = 0
        self.foreign = 0  # answers from another address on a shared line

    def _on_connect(self) -> None:
        super()._on_connect()
        self._ask(self._info_cmd)

    def _ask(self, command: bytes) -> None:
        self._asked_at = self._clock()
        if not self._send(command):
            self._asked_at = None

    def _on_tick(self) -> None:
        asked = self._asked_at
        if asked is None:
            self._ask(self._inventory)
        elif self._clock() - asked >= self._answer_timeout:
            self.timeouts += 1
            self._ask(self._inventory)

    def _handle(self, message: chafon.ChafonMessage) -> TagRead | None:
        if self.address not in (chafon.BROADCAST, message.address):
            self.foreign += 1
            return None
        if isinstance(message, chafon.ReaderInfo):
            if self.info is None or self.info != message:
                logger.info("%s: UHFReader18 %s", self.read_point, message)
            self.info = message
            self._ask(self._inventory)
        elif isinstance(message, chafon.InventoryAnswer):
            now = self._clock()
            for epc in message.epcs:
                pc = (len(epc) // 2) << 11
                self._deliver(TagRead(epc.hex().upper(), pc, UNKNOWN_RSSI, self.read_point, now))
            if message.final:
                self.inventories += 1
                self._ask(self._inventory)
        elif isinstance(message, chafon.ChafonResponse):
            logger.debug("%s answered %r", self.read_point, message)
            if message.command == chafon.CMD_READER_INFO:
                self._ask(self._inventory)  # an old reader without the info command
        return None
