"""A register as an XLSX workbook, streamed: the worksheet's XML is written into the zip
as the rows come, so a book of any length takes the same memory.

Layout: the title and the heading lines, the column headings on row 4 (frozen, with a
filter, repeated on every printed page), the data from row 5 on, then the count and the
register's summary and signature lines; printed A4 landscape, one page wide. Times are
real spreadsheet dates in the site's time zone; text cells are inline strings (a shared
string table would have to be held until the end).

Why not a spreadsheet library: the registers need one sheet of plain cells in a few
styles, and the issue's goal is a book written within 3x the time of reading its rows.
XlsxWriter (constant-memory mode) spent ~7.5 us a cell in its per-cell API — alone
about 6x the bare query for the borrow register — and openpyxl's write-only mode was
slower still; this module writes a row as one string (see ``bench/RESULTS.md``).
The files are checked by reading them back with openpyxl, an independent reader.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import IO, BinaryIO

from tracker.services.registers.base import Cell, Register

HEAD_ROWS = 3  # rows above the column headings; data starts at HEAD_ROWS + 2 (1-based)
_UNIT_WIDTH = 11.0  # characters per relative width unit
_FLUSH = 256  # rows joined before each write to the zip
_MAX_TEXT = 32767  # the longest text a cell may hold
_ORDINAL_0 = datetime(1899, 12, 30).toordinal()  # day 0 (right for days after 1900-02-28)

# Style indexes (cellXfs in _STYLES)
_STAMP, _DAYS, _TITLE, _HEAD = 1, 2, 3, 4

# Characters XML 1.0 does not allow (a title pasted from elsewhere may hold them)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """``value`` as the character data of an inline string: bounded, escaped, legal."""
    value = value[:_MAX_TEXT]
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if not value.isprintable():
        value = _ILLEGAL.sub("", value)
    return value


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")


def column_name(index: int) -> str:
    """The spreadsheet's name of the 0-based column ``index`` (0 → A, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _serial(at: datetime) -> float:
    """The spreadsheet's number of a (local) time: days since 1899-12-30 and the day's
    fraction (cheaper than subtracting datetimes, which copies the time zone)."""
    seconds = at.hour * 3600 + at.minute * 60 + at.second + at.microsecond / 1e6
    return at.toordinal() - _ORDINAL_0 + seconds / 86400


_CACHED = 20_000  # distinct texts kept escaped (names, markings, titles repeat)


def _row_writer(refs: list[tuple[int, str]]) -> Callable[[tuple[Cell, ...], int], str]:
    """A function making the XML of one data row: ``refs`` pairs each value's index in
    the register's row with its column's name. One function for the whole row (not one
    call a cell), and each distinct text escaped once: this is the loop a book of
    100,000 rows runs a million times."""
    texts: dict[str, str] = {}  # text -> the cell's XML after its reference

    def inline(value: str) -> str:
        if len(texts) >= _CACHED:
            texts.clear()
        tail = texts[value] = _inline(value)
        return tail

    def write(row: tuple[Cell, ...], r: int) -> str:
        parts = [f'<row r="{r}">']
        add = parts.append
        for i, ref in refs:
            value = row[i]
            kind = type(value)
            if kind is str:
                tail = texts.get(value) or inline(value)  # type: ignore[arg-type]
                if tail:
                    add(f'<c r="{ref}{r}"{tail}')
            elif kind is datetime:
                add(f'<c r="{ref}{r}" s="{_STAMP}"><v>{_serial(value)!r}</v></c>')  # type: ignore[arg-type]
            elif kind is int:
                add(f'<c r="{ref}{r}"><v>{value}</v></c>')
            elif kind is date:
                add(f'<c r="{ref}{r}" s="{_DAYS}"><v>{value.toordinal() - _ORDINAL_0}</v></c>')  # type: ignore[union-attr]
            elif value is not None and (tail := inline(str(value))):  # anything else: text
                add(f'<c r="{ref}{r}"{tail}')
        add("</row>")
        return "".join(parts)

    return write


def _inline(value: str, style: int = 0) -> str:
    """A text cell's XML after its reference (empty for no text): an inline string,
    its spaces kept."""
    text = _text(value)
    if not text:
        return ""
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
    return f'{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _row(r: int, cells: Iterable[str]) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def _text_row(r: int, text: str, style: int = 0) -> str:
    tail = _inline(text, style)
    return _row(r, [f'<c r="A{r}"{tail}'] if tail else [])


def write_xlsx(register: Register, out: BinaryIO) -> None:
    """Write ``register`` to ``out`` as an XLSX workbook, row by row."""
    lang = register.lang
    data = register.data_columns()
    names = [column_name(j) for j in range(len(data))]
    last = names[-1]
    sheet = _sheet_name(register.title)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            end = _write_sheet(register, fh, data, names)
        quoted = "'" + sheet.replace("'", "''") + "'"
        head = HEAD_ROWS + 1
        z.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheet=_attr(sheet),
                titles=_attr(f"{quoted}!${head}:${head}"),
                filter=_attr(f"{quoted}!$A${head}:${last}${max(end, head)}"),
            ),
        )
        z.writestr(
            "docProps/core.xml",
            _CORE.format(title=_text(f"{register.unit} {register.title}"), lang=lang),
        )


def _write_sheet(register: Register, fh: IO[bytes], data: list[int], names: list[str]) -> int:
    """The worksheet's XML; returns the last data row (1-based)."""
    lang = register.lang
    en = lang == "en"
    cols = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{register.columns[i].width * _UNIT_WIDTH:.2f}"'
        ' customWidth="1"/>'
        for j, i in enumerate(data)
    )
    head = HEAD_ROWS + 1
    fh.write(_SHEET_START.format(top=f"A{head + 1}", split=head, cols=cols).encode())
    period, scope = ("Period: ", "Scope: ") if en else ("期间：", "范围：")
    by = "Exported by " if en else "导出人："
    lines = [
        _text_row(1, f"{register.unit} {register.title}", _TITLE),
        _text_row(2, f"{period}{register.period}    {scope}{register.filters}"),
        _text_row(3, f"{by}{register.reader}    {register.generated_at:%Y-%m-%d %H:%M}"),
        _row(
            head,
            (
                f'<c r="{ref}{head}"{_inline(register.columns[i].heading(lang), _HEAD)}'
                for ref, i in zip(names, data, strict=True)
            ),
        ),
    ]
    fh.write("".join(lines).encode())
    write = _row_writer(list(zip(data, names, strict=True)))
    r = head
    chunk: list[str] = []
    for row in register.counted():
        r += 1
        chunk.append(write(row, r))
        if len(chunk) >= _FLUSH:
            fh.write("".join(chunk).encode())
            chunk.clear()
    end = r
    footer = register.footer()
    r += 2
    chunk.append(
        _text_row(r, f"{register.count} record(s)" if en else f"共 {register.count} 条记录")
    )
    for line in footer.lines:
        r += 1
        chunk.append(_text_row(r, line))
    for name in footer.signatures:
        r += 2
        chunk.append(_text_row(r, f"{name}：" + "_" * 20))
    fh.write("".join(chunk).encode())
    fh.write(_SHEET_END.format(filter=f"A{head}:{names[-1]}{max(end, head)}").encode())
    return end


def _sheet_name(title: str) -> str:
    """A legal sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip("'") or "Sheet1"


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)

_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)

_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)

_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView activeTab="0"/></bookViews>'
    '<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets>'
    "<definedNames>"
    '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{filter}'
    "</definedName>"
    '<definedName name="_xlnm.Print_Titles" localSheetId="0">{titles}</definedName>'
    "</definedNames>"
    "</workbook>"
)

_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:title>{title}</dc:title><dc:creator>carrier-tracker</dc:creator>"
    "<dc:language>{lang}</dc:language>"
    "</cp:coreProperties>"
)

# Fonts: the body (宋体, GB2312), bold, the title. Fills: none, gray125 (both required),
# the headings' grey. Borders: none, thin. Cell styles: 0 text, 1 time, 2 day, 3 title,
# 4 column heading.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="14"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDDDDD"/>'
    '<bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin">'
    '<color auto="1"/></right><top style="thin"><color auto="1"/></top>'
    '<bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
    'applyFill="1" applyBorder="1" applyAlignment="1"><alignment wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="{split}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
    "</sheetView></sheetViews>"
    '<sheetFormatPr defaultRowHeight="15"/>'
    "<cols>{cols}</cols>"
    "<sheetData>"
)

_SHEET_END = (
    "</sheetData>"
    '<autoFilter ref="{filter}"/>'
    '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "</worksheet>"
)
