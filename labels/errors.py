"""Errors of the labels package, all inside the project's one tree."""

from __future__ import annotations

from tracker.domain.errors import LabelError, PrinterError


class PrinterFault(PrinterError):
    """The printer reports a condition that stops printing (paper out, head open …).

    ``conditions`` holds the machine names (``paper_out``, ``head_up``, ``ribbon_out``,
    ``paused`` …) so a caller can react without parsing text.
    """

    code = "printer_fault"

    def __init__(self, message: str, *, zh: str, conditions: list[str]) -> None:
        super().__init__(message, zh=zh)
        self.conditions = conditions


class RfidEncodeError(PrinterError):
    """The printer could not write (or confirm) the EPC on the label's tag."""

    code = "rfid_encode_failed"


class PrinterNotResponding(PrinterError):
    """The printer accepted the connection but did not answer a status query."""

    code = "printer_not_responding"


class ReadbackError(LabelError):
    """A printed label failed its read-back; ``part`` is ``barcode`` or ``epc``."""

    code = "label_readback_failed"

    def __init__(self, part: str, message: str, *, zh: str) -> None:
        super().__init__(message, zh=zh)
        self.part = part
