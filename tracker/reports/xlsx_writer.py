"""A register as an XLSX workbook, written with XlsxWriter in its constant-memory mode:
each row goes to a temporary file as soon as the next one starts, so a book of any
length takes the same memory.

Layout: the title and the heading lines, the column headings on row 4 (frozen, with a
filter, repeated on every printed page), the data from row 5 on, then the count and the
register's summary and signature lines; printed A4 landscape, one page wide. Times are
real spreadsheet dates in the site's time zone.

Why XlsxWriter and not our own XML (docs/REGISTERS.md): it is kept up to date, and the
files it writes are known to open cleanly in Excel, WPS and LibreOffice. The row loop is
the only place where speed matters (a book of 100,000 rows runs it a million times), so
it calls the typed ``write_string`` / ``write_number`` with a format made once per style
instead of the generic ``write()``, and turns times into day numbers itself
(bench/RESULTS.md has the profile).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from tracker.services.registers.base import Cell, Register

HEAD_ROWS = 3  # rows above the column headings (0-based: the headings are row 3)
_UNIT_WIDTH = 11.0  # characters per relative width unit
_ORDINAL_0 = datetime(1899, 12, 30).toordinal()  # day 0 (right for days after 1900-02-28)

# Characters XML 1.0 does not allow: dropped (a title pasted from elsewhere may hold
# them; XlsxWriter would write them as _xHHHH_, which only Excel reads back)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """``text`` without the characters a workbook cannot hold (cheap when it has none)."""
    return text if text.isprintable() else _ILLEGAL.sub("", text)


def _serial(at: datetime) -> float:
    """The spreadsheet's number of a (local) time: days since 1899-12-30 and the day's
    fraction (cheaper than XlsxWriter's general conversion, which subtracts datetimes
    and copies the time zone)."""
    seconds = at.hour * 3600 + at.minute * 60 + at.second + at.microsecond / 1e6
    return at.toordinal() - _ORDINAL_0 + seconds / 86400


def write_xlsx(register: Register, out: BinaryIO) -> None:
    """Write ``register`` to ``out`` as an XLSX workbook, row by row. Nothing is written
    to ``out`` if the rows fail part way; XlsxWriter's temporary files (0600) live in a
    private directory removed in every case."""
    with tempfile.TemporaryDirectory(prefix="tracker-xlsx-") as tmp:
        book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "tmpdir": tmp,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        _write_book(book, register)
        book.close()  # only now is the zip assembled into ``out``


def _write_book(book: xlsxwriter.Workbook, register: Register) -> None:
    lang = register.lang
    en = lang == "en"
    data = register.data_columns()
    last = len(data) - 1
    book.set_properties(
        {"title": _clean(f"{register.unit} {register.title}"), "author": "carrier-tracker"}
    )
    sheet = book.add_worksheet(_sheet_name(register.title))
    title = book.add_format({"bold": True, "font_size": 14})
    heading = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for j, i in enumerate(data):
        sheet.set_column(j, j, register.columns[i].width * _UNIT_WIDTH)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(HEAD_ROWS)
    sheet.freeze_panes(HEAD_ROWS + 1, 0)
    period, scope = ("Period: ", "Scope: ") if en else ("期间：", "范围：")
    by = "Exported by " if en else "导出人："
    _text(sheet, 0, f"{register.unit} {register.title}", title)
    _text(sheet, 1, f"{period}{register.period}    {scope}{register.filters}")
    _text(sheet, 2, f"{by}{register.reader}    {register.generated_at:%Y-%m-%d %H:%M}")
    sheet.write_row(
        HEAD_ROWS, 0, [_clean(register.columns[i].heading(lang)) for i in data], heading
    )
    write = _row_writer(sheet, data, stamp, day)
    r = HEAD_ROWS
    for row in register.counted():
        r += 1
        write(r, row)
    sheet.autofilter(HEAD_ROWS, 0, r, last)
    footer = register.footer()
    r += 2
    _text(sheet, r, f"{register.count} record(s)" if en else f"共 {register.count} 条记录")
    for line in footer.lines:
        r += 1
        _text(sheet, r, line)
    for name in footer.signatures:
        r += 2
        _text(sheet, r, f"{name}：" + "_" * 20)


def _text(sheet: Worksheet, r: int, text: str, style: Format | None = None) -> None:
    """A line of text in column A of row ``r`` (0-based)."""
    sheet.write_string(r, 0, _clean(text), style)


def _row_writer(
    sheet: Worksheet, data: list[int], stamp: Format, day: Format
) -> Callable[[int, tuple[Cell, ...]], None]:
    """A function writing one data row (``r`` 0-based) of a register's row: this is the
    loop a book of 100,000 rows runs a million times, so the sheet's typed methods are
    looked up once and each value's type is compared by identity."""
    string, number = sheet.write_string, sheet.write_number
    cells = list(enumerate(data))  # (column in the sheet, index in the register's row)

    def write(r: int, row: tuple[Cell, ...]) -> None:
        for j, i in cells:
            value: Any = row[i]
            kind = type(value)
            if kind is str:
                if value:
                    string(r, j, _clean(value))
            elif kind is datetime:
                number(r, j, _serial(value), stamp)
            elif kind is int:
                number(r, j, value)
            elif kind is date:
                number(r, j, value.toordinal() - _ORDINAL_0, day)
            elif value is not None and (text := _clean(str(value))):  # anything else: text
                string(r, j, text)

    return write


def _sheet_name(title: str) -> str:
    """A legal sheet name: at most 31 characters, none of []:*?/\\ nor control
    characters, not starting or ending with an apostrophe."""
    name = "".join(ch if ch.isprintable() and ch not in "[]:*?/\\" else " " for ch in title)
    return name[:31].strip("'") or "Sheet1"
