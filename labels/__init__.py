"""Carrier labels: layout and rendering (PNG, PDF, ZPL), printers, and read-back.

Entry points for the receive flow and the CLI::

    content = LabelContent.from_carrier(carrier, reprint=False, lang="zh")
    render_png(content) -> bytes          # 300 dpi PNG
    render_pdf([content, ...], sheet="label" | "a4") -> bytes
    render_zpl(content, dpmm=8) -> bytes  # ~DY font subset + ^XA…^XZ with RFID encode
    printer = open_printer("tcp://host:9100" | "file:///dir" | "cups://QUEUE")
    receipt = printer.send(render_job(printer, content))  # receipt.tag_epc
    confirm_label(job_bytes, serial=..., intended_epc=..., tag_epc=...)
"""

from __future__ import annotations

from labels.content import LabelContent
from labels.printers import PrintJob, PrintReceipt, open_printer, render_job
from labels.readback import confirm_label, verify_readback
from labels.render_pdf import render_pdf
from labels.render_png import render_png
from labels.render_zpl import render_zpl

__all__ = [
    "LabelContent",
    "PrintJob",
    "PrintReceipt",
    "confirm_label",
    "open_printer",
    "render_job",
    "render_pdf",
    "render_png",
    "render_zpl",
    "verify_readback",
]
