"""Exporting a register in tests, and reading the files back with independent tools:
pdftotext and pdftoppm (poppler), openpyxl, the csv module."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path
from typing import Any

from tracker.reports import writer
from tracker.services.base import Services
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.export import Export, export_register


def export(
    svc: Services,
    actor: str,
    kind: str,
    query: RegisterQuery,
    fmt: str,
    path: Path,
    lang: str = "zh",
) -> Export:
    with path.open("wb") as fh:
        return export_register(svc, actor, kind, query, fmt, fh, writer(), lang)


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


def pdf_pages(path: Path, out_dir: Path, dpi: int = 50) -> list[Path]:
    """Each page rendered to a PNG by pdftoppm (fails on a broken PDF)."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(path), str(out_dir / "page")], check=True
    )
    return sorted(out_dir.glob("page-*.png"))


def csv_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_data(path: Path) -> tuple[list[Any], list[list[Any]]]:
    """(headings, data rows) of a register workbook, read with openpyxl."""
    from openpyxl import load_workbook

    from tracker.reports.xlsx_writer import HEAD_ROWS

    book = load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=HEAD_ROWS + 1, values_only=True)]
    book.close()
    head = rows[0]
    data = []
    for r in rows[1:]:
        if all(v is None for v in r):
            break  # the blank row before the summary
        data.append(r + [None] * (len(head) - len(r)))  # openpyxl drops empty cells at the end
    return head, data
