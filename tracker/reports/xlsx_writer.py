"""A register as an XLSX workbook (XlsxWriter in constant-memory mode: each row goes to
a temporary file as it is written, so a book of any length takes the same memory).

Layout: the title and the heading lines, the column headings on row 4 (frozen, with a
filter), the data from row 5 on, then the register's summary and signature lines.
Times are real spreadsheet dates in the site's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import BinaryIO

import xlsxwriter

from tracker.services.registers.base import Register

HEAD_ROWS = 3  # rows above the column headings; data starts at HEAD_ROWS + 1 (0-based)
_UNIT_WIDTH = 11.0  # characters per relative width unit


_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (for dates after February 1900)


def _serial(at: datetime) -> float:
    """The spreadsheet's date number of a (local) time: days since its epoch (cheaper
    than XlsxWriter's general conversion, which dominated the profile)."""
    return (at.replace(tzinfo=None) - _EPOCH) / _DAY


_DAY = timedelta(days=1)


def write_xlsx(register: Register, out: BinaryIO) -> None:
    """Write ``register`` to ``out`` (a binary file: XlsxWriter seeks while zipping)."""
    lang = register.lang
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "remove_timezone": True, "strings_to_numbers": False}
    )
    try:
        sheet = book.add_worksheet(register.title[:31])
        title = book.add_format({"bold": True, "font_size": 14})
        head = book.add_format(
            {"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True}
        )
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        data = register.data_columns()
        for j, i in enumerate(data):
            sheet.set_column(j, j, register.columns[i].width * _UNIT_WIDTH)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(HEAD_ROWS)
        sheet.write_string(0, 0, f"{register.unit} {register.title}", title)
        period = "Period: " if lang == "en" else "期间："
        scope = "Scope: " if lang == "en" else "范围："
        sheet.write_string(1, 0, f"{period}{register.period}    {scope}{register.filters}")
        by = "Exported by " if lang == "en" else "导出人："
        sheet.write_string(2, 0, f"{by}{register.reader}    {register.generated_at:%Y-%m-%d %H:%M}")
        for j, i in enumerate(data):
            sheet.write_string(HEAD_ROWS, j, register.columns[i].heading(lang), head)
        sheet.freeze_panes(HEAD_ROWS + 1, 0)
        r = HEAD_ROWS
        for row in register.counted():
            r += 1
            for j, i in enumerate(data):
                value = row[i]
                if value is None or value == "":
                    continue
                if isinstance(value, datetime):
                    sheet.write_number(r, j, _serial(value), stamp)
                elif isinstance(value, date):
                    sheet.write_number(r, j, _serial(datetime.combine(value, time())), day)
                elif isinstance(value, int):
                    sheet.write_number(r, j, value)
                else:
                    sheet.write_string(r, j, value)
        sheet.autofilter(HEAD_ROWS, 0, max(r, HEAD_ROWS), len(data) - 1)
        footer = register.footer()
        r += 2
        total = f"{register.count} record(s)" if lang == "en" else f"共 {register.count} 条记录"
        sheet.write_string(r, 0, total)
        for line in footer.lines:
            r += 1
            sheet.write_string(r, 0, line)
        for name in footer.signatures:
            r += 2
            sheet.write_string(r, 0, f"{name}：" + "_" * 20)
    finally:
        book.close()
