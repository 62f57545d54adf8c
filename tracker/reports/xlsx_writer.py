"""A register as an XLSX workbook, written by libxlsxwriter in its constant-memory mode
(:mod:`tracker.reports.lxw`): each row goes to a temporary file as soon as the next one
starts, so a book of any length takes the same memory.

Layout: the title and the heading lines, the column headings on row 4 (frozen, with a
filter, repeated on every printed page), the data from row 5 on, then the count and the
register's summary and signature lines; printed A4 landscape, one page wide. Times are
real spreadsheet dates in the site's time zone.

Why a library and not our own XML (docs/REGISTERS.md): libxlsxwriter is kept up to date,
and the files it writes are known to open cleanly in Excel, WPS and LibreOffice. The row
loop is the only place where speed matters (a book of 100,000 rows runs it a million
times), so it calls the typed ``write_string`` / ``write_number`` with a format made once
per style and turns times into day numbers itself (bench/RESULTS.md has the profile).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from tracker.reports.lxw import Workbook, check
from tracker.services.registers.base import Cell, Register

HEAD_ROWS = 3  # rows above the column headings (0-based: the headings are row 3)
_UNIT_WIDTH = 11.0  # characters per relative width unit
_ORDINAL_0 = datetime(1899, 12, 30).toordinal()  # day 0 (right for days after 1900-02-28)

# Characters XML 1.0 does not allow: dropped (a title pasted from elsewhere may hold
# them; a writer would have to write them as _xHHHH_, which only Excel reads back)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_A4, _THIN, _GREY = 9, 1, 0xDDDDDD


def _clean(text: str) -> str:
    """``text`` without the characters a workbook cannot hold (cheap when it has none)."""
    return text if text.isprintable() else _ILLEGAL.sub("", text)


def _serial(at: datetime) -> float:
    """The spreadsheet's number of a (local) time: days since 1899-12-30 and the day's
    fraction (by ordinal arithmetic: no datetime subtraction per cell)."""
    seconds = at.hour * 3600 + at.minute * 60 + at.second + at.microsecond / 1e6
    return at.toordinal() - _ORDINAL_0 + seconds / 86400


def write_xlsx(register: Register, out: BinaryIO) -> None:
    """Write ``register`` to ``out`` as an XLSX workbook, row by row. Nothing is written
    to ``out`` if the rows fail part way; the library's temporary files and the workbook
    itself live in a private directory (0700) removed in every case."""
    with tempfile.TemporaryDirectory(prefix="tracker-xlsx-") as tmp:
        path = Path(tmp) / "register.xlsx"
        book = Workbook(path, Path(tmp))
        try:
            _write_book(book, register)
        except BaseException:
            book.discard()
            raise
        book.close()  # only now is the zip assembled
        with path.open("rb") as done:
            shutil.copyfileobj(done, out)


def _write_book(book: Workbook, register: Register) -> None:
    lib = book.lib
    lang = register.lang
    en = lang == "en"
    data = register.data_columns()
    last = len(data) - 1
    book.properties(_clean(f"{register.unit} {register.title}"), "carrier-tracker")
    sheet = book.add_sheet(_sheet_name(register.title))
    title = book.add_format(bold=True, size=14)
    heading = book.add_format(bold=True, fill=_GREY, border=_THIN, wrap=True)
    stamp = book.add_format(number="yyyy-mm-dd hh:mm")
    day = book.add_format(number="yyyy-mm-dd")
    for j, i in enumerate(data):
        check(
            lib.worksheet_set_column(sheet, j, j, register.columns[i].width * _UNIT_WIDTH, None),
            "column",
        )
    lib.worksheet_set_landscape(sheet)
    lib.worksheet_set_paper(sheet, _A4)
    lib.worksheet_fit_to_pages(sheet, 1, 0)  # one page wide, as many long as it takes
    check(lib.worksheet_repeat_rows(sheet, HEAD_ROWS, HEAD_ROWS), "print titles")
    lib.worksheet_freeze_panes(sheet, HEAD_ROWS + 1, 0)
    period, scope = ("Period: ", "Scope: ") if en else ("期间：", "范围：")
    by = "Exported by " if en else "导出人："
    text = _text_writer(book, sheet)
    text(0, f"{register.unit} {register.title}", title)
    text(1, f"{period}{register.period}    {scope}{register.filters}")
    text(2, f"{by}{register.reader}    {register.generated_at:%Y-%m-%d %H:%M}")
    for j, i in enumerate(data):
        text(HEAD_ROWS, _clean(register.columns[i].heading(lang)), heading, j)
    write = _row_writer(book, sheet, data, stamp, day)
    r = HEAD_ROWS
    for row in register.counted():
        r += 1
        write(r, row)
    check(lib.worksheet_autofilter(sheet, HEAD_ROWS, 0, r, last), "filter")
    footer = register.footer()
    r += 2
    text(r, f"{register.count} record(s)" if en else f"共 {register.count} 条记录")
    for line in footer.lines:
        r += 1
        text(r, line)
    for name in footer.signatures:
        r += 2
        text(r, f"{name}：" + "_" * 20)


def _text_writer(book: Workbook, sheet: int) -> Callable[..., None]:
    """A function writing a line of text into row ``r`` (0-based), column ``c``."""
    string = book.lib.worksheet_write_string

    def text(r: int, value: str, style: int | None = None, c: int = 0) -> None:
        check(string(sheet, r, c, _clean(value).encode(), style), f"row {r + 1}")

    return text


def _row_writer(
    book: Workbook, sheet: int, data: list[int], stamp: int, day: int
) -> Callable[[int, tuple[Cell, ...]], None]:
    """A function writing one data row (``r`` 0-based) of a register's row: this is the
    loop a book of 100,000 rows runs a million times, so the library's functions are
    looked up once, each value's type is compared by identity, and a call's error
    number is looked at only when it is not 0."""
    string, number = book.lib.worksheet_write_string, book.lib.worksheet_write_number
    cells = list(enumerate(data))  # (column in the sheet, index in the register's row)

    def write(r: int, row: tuple[Cell, ...]) -> None:
        for j, i in cells:
            value: Any = row[i]
            kind = type(value)
            if kind is str:
                failed = value and string(sheet, r, j, _clean(value).encode(), None)
            elif kind is datetime:
                failed = number(sheet, r, j, _serial(value), stamp)
            elif kind is int:
                failed = number(sheet, r, j, value, None)
            elif kind is date:
                failed = number(sheet, r, j, value.toordinal() - _ORDINAL_0, day)
            elif value is not None and (text := _clean(str(value))):  # anything else: text
                failed = string(sheet, r, j, text.encode(), None)
            else:
                continue
            if failed:
                check(failed, f"row {r + 1}, column {j + 1}")

    return write


def _sheet_name(title: str) -> str:
    """A legal sheet name: at most 31 characters, none of []:*?/\\ nor control
    characters, not starting or ending with an apostrophe."""
    name = "".join(ch if ch.isprintable() and ch not in "[]:*?/\\" else " " for ch in title)
    return name[:31].strip("'") or "Sheet1"
