"""A register as the printed book: A4 landscape, the labels' CJK font, the unit, register
and period at the top of every page with the column headings, "第 x 页 共 y 页" at the
foot, blank signature columns where the paper book has them, and after the last row the
count, the register's summary lines and its signature lines.

Rows are laid out as they come (a row's height is that of its longest cell) and every
finished page goes to the output at once (:mod:`tracker.reports.pdf_stream`), so a book
of any length is written in the same memory.
"""

from __future__ import annotations

from typing import BinaryIO

from labels.fonts import FontFile, find_cjk_font
from tracker.reports.cells import cell_text
from tracker.reports.pdf_stream import PT, PdfStream
from tracker.services.registers.base import Register

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 10.0
BOTTOM = PAGE_H - 12  # rows end above the page number
LINE = 4.6  # mm per text line in a row
MIN_ROW = 7.0  # tall enough to sign in
PAD = 1.0
BODY_PT = 8.5
HEAD_PT = 9.0
FOOT_PT = 8.0
CLOSING_PT = 9.5


class RegisterPdf:
    """The layout of a register on :class:`PdfStream` pages: each page starts with the
    register's heading and (inside the table) the column headings."""

    def __init__(self, register: Register, out: BinaryIO, font: FontFile) -> None:
        self.register = register
        self.doc = PdfStream(out, font, PAGE_W, PAGE_H, f"{register.unit} {register.title}")
        self.widths = _widths(register, PAGE_W - 2 * MARGIN)
        self.y = MARGIN
        self.in_table = False
        self.en = register.lang == "en"

    def safe(self, text: str) -> str:
        """``text`` with characters the font lacks replaced by '?' (never a blank box)."""
        if text.isascii():
            return text
        has = self.doc.has
        return "".join(ch if has(ch) or ch.isspace() else "?" for ch in text)

    def add_page(self) -> None:
        """A new page with the heading (and the column headings inside the table) and
        the page number."""
        self.doc.begin_page()
        self.y = MARGIN
        self.header()
        self.footer()

    def centred(self, text: str, size: float, height: float) -> None:
        """One line centred across the page in a band ``height`` mm tall at ``self.y``."""
        text = self.safe(text)
        x = (PAGE_W - self.doc.width(text, size)) / 2
        self.doc.text(x, _baseline(self.y, height, size), text, size)
        self.y += height

    def header(self) -> None:
        """The unit and register, the period, filters and reader, then column headings."""
        r = self.register
        self.centred(f"{r.unit}　{r.title}", 15, 8)
        line = (
            f"Period: {r.period}    Scope: {r.filters}    Exported by {r.reader}, "
            f"{r.generated_at:%Y-%m-%d %H:%M}"
            if self.en
            else f"期间：{r.period}　　范围：{r.filters}　　"
            f"导出：{r.reader}　{r.generated_at:%Y-%m-%d %H:%M}"
        )
        self.centred(line, 8.5, 6)
        self.y += 1
        if self.in_table:
            self.table_row(
                [self.safe(c.heading(r.lang)) for c in r.columns], size=HEAD_PT, fill=True
            )

    def footer(self) -> None:
        """第 x 页 共 y 页 (y is drawn by the document when it is known)."""
        n = self.doc.page_no
        before, after = (f"Page {n} of ", "") if self.en else (f"第 {n} 页　共 ", " 页")
        guess = self.doc.width(f"{before}{n}{after}", FOOT_PT)  # the total has as many digits
        x = (PAGE_W - guess) / 2
        y = _baseline(PAGE_H - 9, 5, FOOT_PT)
        self.doc.text(x, y, before, FOOT_PT)
        self.doc.page_total(x + self.doc.width(before, FOOT_PT), y, FOOT_PT, after)

    def lines_of(self, text: str, width: float, size: float) -> list[str]:
        """``text`` broken into lines that fit ``width`` mm: at spaces where it can, else
        between any two characters (Chinese has no spaces)."""
        room = width - 2 * PAD
        w_of = self.doc.width
        if w_of(text, size) <= room:
            return [text]
        lines: list[str] = []
        line, used = "", 0.0
        for token in _tokens(text):
            w = w_of(token, size)
            if used + w <= room or not line:
                line, used = line + token, used + w
                while used > room and len(line) > 1:  # a token wider than the column
                    cut = self._fit(line, room, size)
                    lines.append(cut)
                    line = line[len(cut) :]
                    used = w_of(line, size)
            else:
                lines.append(line.rstrip())
                line, used = token.lstrip(), w_of(token.lstrip(), size)
        if line.strip():
            lines.append(line.rstrip())
        return lines or [""]

    def _fit(self, text: str, room: float, size: float) -> str:
        """The longest start of ``text`` that fits ``room`` (at least one character)."""
        used = 0.0
        for i, ch in enumerate(text):
            used += self.doc.width(ch, size)
            if used > room:
                return text[: max(1, i)]
        return text

    def table_row(self, texts: list[str], *, size: float = BODY_PT, fill: bool = False) -> None:
        """One row: each cell wrapped in its column, the row as tall as its tallest."""
        wrapped = [self.lines_of(t, w, size) for t, w in zip(texts, self.widths, strict=True)]
        height = max(MIN_ROW, max(len(lines) for lines in wrapped) * LINE + 1.2)
        if self.y + height > BOTTOM and not fill:
            self.add_page()
        x, y = MARGIN, self.y
        ascent = LINE * 0.72
        for lines, w in zip(wrapped, self.widths, strict=True):
            self.doc.rect(x, y, w, height, 225 / 255 if fill else None)
            top = y + (height - len(lines) * LINE) / 2
            for k, line in enumerate(lines):
                if line:
                    dx = (w - self.doc.width(line, size)) / 2 if fill else PAD
                    self.doc.text(x + dx, top + k * LINE + ascent, line, size)
            x += w
        self.y = y + height

    def ensure(self, height: float) -> None:
        """A new page unless ``height`` mm fit above the page number."""
        if self.y + height > BOTTOM:
            self.add_page()

    def closing(self) -> None:
        """The count, the summary lines and the signature lines after the last row."""
        register = self.register
        footer = register.footer()
        count = register.count
        lines = [f"{count} record(s)." if self.en else f"共 {count} 条记录（以下空白）。"]
        lines += list(footer.lines)
        self.y += 3
        full = PAGE_W - 2 * MARGIN + 2 * PAD
        for line in lines:
            for part in self.lines_of(self.safe(line), full, CLOSING_PT):
                self.ensure(6)
                self.doc.text(MARGIN, _baseline(self.y, 5.5, CLOSING_PT), part, CLOSING_PT)
                self.y += 5.5
        if footer.signatures:
            self.ensure(14)
            self.y += 6
            width = (PAGE_W - 2 * MARGIN) / len(footer.signatures)
            date = "Date: ____ / __ / __" if self.en else "日期：____年__月__日"
            names = [f"{name}：____________" for name in footer.signatures]
            for texts in (names, [date] * len(names)):
                for i, text in enumerate(texts):
                    baseline = _baseline(self.y, 6, CLOSING_PT)
                    self.doc.text(MARGIN + i * width, baseline, self.safe(text), CLOSING_PT)
                self.y += 9


def _baseline(top: float, height: float, size: float) -> float:
    """Where text of ``size`` points sits in a band ``height`` mm tall (vertically
    centred, as fpdf2's cells put it)."""
    return top + height / 2 + 0.3 * size / PT


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


def _widths(register: Register, total: float) -> list[float]:
    weights = [c.width for c in register.columns]
    unit = total / sum(weights)
    return [w * unit for w in weights]


def write_pdf(register: Register, out: BinaryIO, font: FontFile | None = None) -> None:
    """Lay out ``register`` and write the PDF to ``out`` page by page."""
    pdf = RegisterPdf(register, out, font or find_cjk_font())
    pdf.in_table = True
    pdf.add_page()
    safe, table_row = pdf.safe, pdf.table_row
    for row in register.counted():
        table_row([safe(cell_text(v)) for v in row])
    pdf.in_table = False
    pdf.closing()
    pdf.doc.close()
