"""A register as CSV: a heading row and the data rows, UTF-8 with a byte-order mark so
spreadsheet programs read the Chinese correctly. Signature columns are left out."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from tracker.reports.cells import cell_text
from tracker.services.registers.base import Register


def write_csv(register: Register, out: BinaryIO) -> None:
    """Write ``register`` to ``out`` row by row."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        data = register.data_columns()
        w = csv.writer(text)
        w.writerow([register.columns[i].heading(register.lang) for i in data])
        for row in register.counted():
            w.writerow([cell_text(row[i]) for i in data])
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
