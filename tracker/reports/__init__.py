"""Rendering the registers and reports as files: PDF (fpdf2), XLSX (libxlsxwriter), CSV,
and charts (matplotlib). An adapter: the services decide what goes into a register;
this package only lays it out. Each format's library is imported when first used, so
the command line starts fast."""

from __future__ import annotations

from typing import BinaryIO

from tracker.domain.errors import InvalidInput
from tracker.services.registers.base import Register
from tracker.services.registers.stats import Summary


class ReportWriter:
    """The :class:`~tracker.services.registers.export.RegisterWriter` port."""

    def write(self, register: Register, fmt: str, out: BinaryIO) -> None:
        """Write ``register`` as ``fmt`` (pdf / xlsx / csv) to ``out``."""
        if fmt == "csv":
            from tracker.reports.csv_writer import write_csv

            write_csv(register, out)
        elif fmt == "xlsx":
            from tracker.reports.xlsx_writer import write_xlsx

            write_xlsx(register, out)
        elif fmt == "pdf":
            from tracker.reports.pdf_writer import write_pdf

            write_pdf(register, out)
        else:
            raise InvalidInput("format", f"unknown format {fmt!r}", zh=f"未知格式 {fmt!r}")

    def write_summary(self, summary: Summary, out: BinaryIO, lang: str = "zh") -> None:
        """Write the statistics report (PDF with charts) to ``out``."""
        from tracker.reports.summary import summary_pdf

        out.write(summary_pdf(summary, lang))


def writer() -> ReportWriter:
    """The writer the entry points pass to ``export_register``."""
    return ReportWriter()
