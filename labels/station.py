"""A label station: a printer plus the means to read a printed label back. It prints a
carrier's label and confirms that the label's barcode reads the serial and its tag holds
the intended EPC before the carrier counts as labelled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from labels.content import LabelContent
from labels.printers import Printer, open_printer, render_job
from labels.readback import confirm_label
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StationResult:
    """What the station confirmed (matches ``tracker.services.ports.PrintResult``)."""

    printer: str
    kind: str
    barcode: str
    tag_epc: str | None


class LabelStation:
    """Prints on ``url`` and reads back. ``tag_reader`` reads the EPC of the label just
    printed when the printer itself cannot (a desk RFID reader); RFID label printers
    report the EPC they read back from the tag."""

    def __init__(
        self,
        printer_id: str,
        url: str,
        *,
        size: tuple[float, float] = (60.0, 30.0),
        lang: str = "zh",
        tag_reader: Callable[[str], str | None] | None = None,
        printer: Printer | None = None,
    ) -> None:
        self._id = printer_id
        self.printer = printer or open_printer(url)
        self.size, self.lang, self.tag_reader = size, lang, tag_reader

    @property
    def printer_id(self) -> str:
        """The site file's id of the printer."""
        return self._id

    def print_label(self, carrier: Carrier, *, reprint: int = 0) -> StationResult:
        """Print and confirm; raises PrinterError / DeviceUnavailable / ReadbackError."""
        if not carrier.epc:
            raise LabelError(
                f"carrier {carrier.serial} has no EPC to write", zh=f"载体 {carrier.serial} 没有EPC"
            )
        content = LabelContent.from_carrier(
            carrier,
            reprint=reprint > 0,
            reprint_count=reprint or None,
            lang=self.lang,
            size=self.size,
        )
        job = render_job(self.printer, content)
        receipt = self.printer.send(job)
        tag = receipt.tag_epc
        if tag is None and self.tag_reader is not None:
            tag = self.tag_reader(carrier.serial)
        result = confirm_label(
            job.data, serial=carrier.serial, intended_epc=carrier.epc, tag_epc=tag
        )
        barcode = next((d.text for d in result.barcodes), carrier.serial)
        logger.info("labelled %s on %s (%s)", carrier.serial, self._id, job.kind)
        return StationResult(self._id, job.kind, barcode, result.tag_epc)
