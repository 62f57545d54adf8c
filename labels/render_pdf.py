"""PDF labels (fpdf2): one label per page, or A4 sheets of many labels for office
printers. The CJK font is embedded (fpdf2 subsets it to the glyphs used), barcodes
are vector rectangles, so the PDF prints crisply at any printer resolution."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fpdf import FPDF

from labels.content import LabelContent
from labels.fonts import FontFile, working_font_path
from labels.layout import DPMM_300, Layout, layout
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

A4 = (210.0, 297.0)
SHEET_MARGIN = 8.0
SHEET_GAP = 2.0
_PT_PER_MM = 72 / 25.4
_FAMILY = "label-cjk"


def _new_pdf(page: tuple[float, float]) -> FPDF:
    pdf = FPDF(unit="mm", format=page)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("carrier-tracker labels")
    return pdf


def _add_font(pdf: FPDF, font: FontFile, chars: str) -> None:
    # A cached cut of the CJK font (label alphabet + these labels' other characters):
    # fpdf2 parses a full 5-20 MB CJK font for every document otherwise (~0.5 s).
    # fpdf2 subsets it again on output, so only the glyphs used are embedded.
    path = working_font_path(font, chars)
    pdf.add_font(_FAMILY, "", path, collection_font_number=0)


def _runs(modules: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, length) of each dark run."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(modules):
        if modules[i]:
            start = i
            while i < len(modules) and modules[i]:
                i += 1
            out.append((start, i - start))
        else:
            i += 1
    return out


def draw_label(pdf: FPDF, lay: Layout, ox: float = 0.0, oy: float = 0.0) -> None:
    """Draw one laid-out label with its top-left corner at (``ox``, ``oy``) mm (the
    document must already hold the label font, as :func:`render_pdf` arranges)."""
    pdf.set_fill_color(0)
    for t in lay.texts:
        pdf.set_font(_FAMILY, size=t.size * _PT_PER_MM)
        if t.inverted:
            pdf.set_fill_color(0)
            pdf.rect(
                ox + t.x - t.pad,
                oy + t.top - t.pad,
                t.width + 2 * t.pad,
                t.size + 2 * t.pad,
                style="F",
            )
            pdf.set_text_color(255)
        else:
            pdf.set_text_color(0)
        pdf.text(ox + t.x, oy + t.baseline, t.text)
    pdf.set_text_color(0)
    code = lay.code128
    for start, length in _runs([m == "1" for m in code.modules]):
        pdf.rect(
            ox + code.x + start * code.module,
            oy + code.y,
            length * code.module,
            code.height,
            style="F",
        )
    dm = lay.datamatrix
    for r, row in enumerate(dm.rows):
        for start, length in _runs(row):
            pdf.rect(
                ox + dm.x + start * dm.module,
                oy + dm.y + r * dm.module,
                length * dm.module,
                dm.module,
                style="F",
            )


def sheet_grid(size: tuple[float, float], page: tuple[float, float] = A4) -> tuple[int, int]:
    """How many (columns, rows) of ``size`` labels fit on a page."""
    w, h = size
    cols = int((page[0] - 2 * SHEET_MARGIN + SHEET_GAP) // (w + SHEET_GAP))
    rows = int((page[1] - 2 * SHEET_MARGIN + SHEET_GAP) // (h + SHEET_GAP))
    if cols < 1 or rows < 1:
        raise LabelError(
            f"a {w:g}x{h:g} mm label does not fit on an A4 sheet",
            zh=f"{w:g}x{h:g} 毫米的标签放不进 A4 纸",
        )
    return cols, rows


def render_pdf(contents: Sequence[LabelContent], sheet: str = "label") -> bytes:
    """PDF of ``contents``: ``sheet="label"`` one label-sized page each; ``"a4"`` labels
    in a grid on A4 pages with light cut lines."""
    if not contents:
        raise LabelError("no labels to render", zh="没有要生成的标签")
    if sheet == "label":
        return _single_pages(contents)
    if sheet == "a4":
        return _a4_sheets(contents)
    raise LabelError(
        f"unknown sheet {sheet!r} (label or a4)", zh=f"未知纸张 {sheet!r}（label 或 a4）"
    )


def _layouts(contents: Sequence[LabelContent]) -> list[Layout]:
    return [layout(c, DPMM_300) for c in contents]


def _start(page: tuple[float, float], lays: list[Layout]) -> FPDF:
    pdf = _new_pdf(page)
    chars = "".join(t.text for lay in lays for t in lay.texts)
    _add_font(pdf, lays[0].font, chars)
    return pdf


def _single_pages(contents: Sequence[LabelContent]) -> bytes:
    lays = _layouts(contents)
    pdf = _start(contents[0].size_mm, lays)
    for content, lay in zip(contents, lays, strict=True):
        pdf.add_page(format=content.size_mm)
        draw_label(pdf, lay)
    return bytes(pdf.output())


def _a4_sheets(contents: Sequence[LabelContent]) -> bytes:
    size = contents[0].size_mm
    if any(c.size_mm != size for c in contents):
        raise LabelError(
            "all labels on an A4 sheet must have the same size",
            zh="同一张 A4 纸上的标签尺寸必须相同",
        )
    cols, rows = sheet_grid(size)
    per_page = cols * rows
    w, h = size
    # Centre the grid so cutting is symmetric.
    left = (A4[0] - cols * w - (cols - 1) * SHEET_GAP) / 2
    top = (A4[1] - rows * h - (rows - 1) * SHEET_GAP) / 2
    lays = _layouts(contents)
    pdf = _start(A4, lays)
    for i, lay in enumerate(lays):
        slot = i % per_page
        if slot == 0:
            pdf.add_page()
        col, row = slot % cols, slot // cols
        ox = left + col * (w + SHEET_GAP)
        oy = top + row * (h + SHEET_GAP)
        pdf.set_draw_color(190)
        pdf.set_line_width(0.1)
        pdf.rect(ox, oy, w, h)
        draw_label(pdf, lay, ox, oy)
    return bytes(pdf.output())
