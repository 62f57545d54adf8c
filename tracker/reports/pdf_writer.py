"""A register as the printed book: A4 landscape, the labels' CJK font, the unit, register
and period at the top of every page with the column headings, "第 x 页 共 y 页" at the
foot, blank signature columns where the paper book has them, and after the last row the
count, the register's summary lines and its signature lines.

Rows are laid out as they come (a row's height is that of its longest cell); fpdf2 keeps
the finished pages until the document is written out, so a PDF's memory grows with its
length (about 1.7 KiB a row): a PDF register holds at most :data:`MAX_ROWS` rows, and a
longer one is refused with a clear error before anything is delivered (the spreadsheet
formats, written in constant memory, have no limit).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from labels.fonts import FontFile, find_cjk_font
from tracker.domain.errors import InvalidInput
from tracker.reports.cells import cell_text
from tracker.services.registers.base import Register

FAMILY = "register-cjk"
MAX_ROWS: int | None = 50_000  # about 3,300 pages and 90 MiB while it is made
MARGIN = 10.0
LINE = 4.6  # mm per text line in a row
MIN_ROW = 7.0  # tall enough to sign in
PAD = 1.0
BODY_PT = 8.5
HEAD_PT = 9.0


class RegisterPdf(FPDF):
    """An FPDF that repeats the register's heading and column headings on each page."""

    def __init__(self, register: Register, font: FontFile) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.register = register
        self.font_file = font
        self.widths = _widths(register, self.w - 2 * MARGIN)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = PAD  # the padding inside cells, also when wrapping
        self.set_auto_page_break(False)
        self.set_creator("carrier-tracker")
        self.set_title(f"{register.unit} {register.title}")
        self.add_font(FAMILY, "", font.path, collection_font_number=font.index)
        self.alias_nb_pages()
        self.in_table = False
        self._char_widths: dict[float, dict[str, float]] = {}

    def safe(self, text: str) -> str:
        """``text`` with characters the font lacks replaced by '?' (never a blank box)."""
        if text.isascii():
            return text
        points = self.font_file.codepoints
        return "".join(ch if ord(ch) in points or ch.isspace() else "?" for ch in text)

    def header(self) -> None:
        """The unit and register, the period, filters and reader, then column headings."""
        r = self.register
        self.set_font(FAMILY, size=15)
        self.cell(
            0, 8, self.safe(f"{r.unit}　{r.title}"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(FAMILY, size=8.5)
        en = r.lang == "en"
        line = (
            f"Period: {r.period}    Scope: {r.filters}    Exported by {r.reader}, "
            f"{r.generated_at:%Y-%m-%d %H:%M}"
            if en
            else f"期间：{r.period}　　范围：{r.filters}　　"
            f"导出：{r.reader}　{r.generated_at:%Y-%m-%d %H:%M}"
        )
        self.cell(0, 6, self.safe(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        if self.in_table:
            self.headings()

    def headings(self) -> None:
        """The column headings row, grey."""
        self.set_font(FAMILY, size=HEAD_PT)
        self.set_fill_color(225)
        texts = [self.safe(c.heading(self.register.lang)) for c in self.register.columns]
        self.table_row(texts, fill=True)
        self.set_font(FAMILY, size=BODY_PT)

    def footer(self) -> None:
        """Page x of y."""
        self.set_y(-9)
        self.set_font(FAMILY, size=8)
        text = "Page {} of {{nb}}" if self.register.lang == "en" else "第 {} 页　共 {{nb}} 页"
        self.cell(0, 5, text.format(self.page_no()), align="C")

    def width_of(self, text: str) -> float:
        """The width of ``text`` in mm at the current size (character widths cached:
        fpdf2's own measuring and line breaking cost ~10x more per cell)."""
        cache = self._char_widths.setdefault(self.font_size_pt, {})
        total = 0.0
        for ch in text:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = self.get_string_width(ch)
            total += w
        return total

    def lines_of(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines that fit ``width`` mm: at spaces where it can, else
        between any two characters (Chinese has no spaces)."""
        room = width - 2 * PAD
        if self.width_of(text) <= room:
            return [text]
        lines: list[str] = []
        line, used = "", 0.0
        for token in _tokens(text):
            w = self.width_of(token)
            if used + w <= room or not line:
                line, used = line + token, used + w
                while used > room and len(line) > 1:  # a token wider than the column
                    cut = _fit(self, line, room)
                    lines.append(cut)
                    line = line[len(cut) :]
                    used = self.width_of(line)
            else:
                lines.append(line.rstrip())
                line, used = token.lstrip(), self.width_of(token.lstrip())
        if line.strip():
            lines.append(line.rstrip())
        return lines or [""]

    def table_row(self, texts: list[str], *, fill: bool = False) -> None:
        """One row: each cell wrapped in its column, the row as tall as its tallest."""
        wrapped = [self.lines_of(t, w) for t, w in zip(texts, self.widths, strict=True)]
        height = max(MIN_ROW, max(len(lines) for lines in wrapped) * LINE + 1.2)
        if self.get_y() + height > self.h - 12 and not fill:
            self.add_page()
        x, y = self.l_margin, self.get_y()
        ascent = LINE * 0.72
        for lines, w in zip(wrapped, self.widths, strict=True):
            self.rect(x, y, w, height, style="DF" if fill else "D")
            top = y + (height - len(lines) * LINE) / 2
            for k, line in enumerate(lines):
                if line:
                    dx = (w - self.width_of(line)) / 2 if fill else PAD
                    self.text(x + dx, top + k * LINE + ascent, line)
            x += w
        self.set_xy(self.l_margin, y + height)


def _tokens(text: str) -> list[str]:
    """Words with their following space, and every CJK character on its own."""
    out: list[str] = []
    word = ""
    for ch in text:
        if ch == " " or ord(ch) > 0x2E7F:
            if word:
                out.append(word)
                word = ""
            if ch == " " and out:
                out[-1] += ch
            elif ch != " ":
                out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def _fit(pdf: RegisterPdf, text: str, room: float) -> str:
    """The longest start of ``text`` that fits ``room`` (at least one character)."""
    used = 0.0
    for i, ch in enumerate(text):
        used += pdf.width_of(ch)
        if used > room:
            return text[: max(1, i)]
    return text


def _widths(register: Register, total: float) -> list[float]:
    weights = [c.width for c in register.columns]
    unit = total / sum(weights)
    return [w * unit for w in weights]


def write_pdf(register: Register, out: BinaryIO, font: FontFile | None = None) -> None:
    """Lay out ``register`` and write the PDF to ``out``."""
    pdf = RegisterPdf(register, font or find_cjk_font())
    pdf.in_table = True
    pdf.add_page()
    pdf.set_font(FAMILY, size=BODY_PT)
    for row in register.counted():
        if MAX_ROWS is not None and register.count > MAX_ROWS:
            raise InvalidInput(
                "format",
                f"a PDF register holds at most {MAX_ROWS:,} rows and this one has more: "
                "ask for a shorter period, or for XLSX or CSV",
                zh=f"PDF 登记簿最多 {MAX_ROWS} 条记录，本次超出：请缩短期间，或导出 XLSX / CSV",
            )
        pdf.table_row([pdf.safe(cell_text(v)) for v in row])
    pdf.in_table = False
    _closing(pdf, register)
    out.write(pdf.output())


def _closing(pdf: RegisterPdf, register: Register) -> None:
    """The count, the summary lines and the signature lines after the last row."""
    footer = register.footer()
    en = register.lang == "en"
    lines = [f"{register.count} record(s)." if en else f"共 {register.count} 条记录（以下空白）。"]
    lines += list(footer.lines)
    pdf.set_font(FAMILY, size=9.5)
    pdf.ln(3)
    for line in lines:
        _ensure(pdf, 6)
        pdf.multi_cell(0, 5.5, pdf.safe(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if footer.signatures:
        _ensure(pdf, 14)
        pdf.ln(6)
        width = (pdf.w - 2 * MARGIN) / len(footer.signatures)
        for name in footer.signatures:
            pdf.cell(width, 6, pdf.safe(f"{name}：____________"))
        pdf.ln(9)
        date_label = "Date" if en else "日期"
        for _ in footer.signatures:
            pdf.cell(width, 6, pdf.safe(f"{date_label}：____年__月__日"))
        pdf.ln(6)


def _ensure(pdf: Any, height: float) -> None:
    if pdf.get_y() + height > pdf.h - 12:
        pdf.add_page()
