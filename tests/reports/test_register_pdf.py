"""The register PDF as a document, read by two independent readers (poppler, PDFium):
pages streamed as they are finished, so memory stays flat however long the book (also
for XLSX and CSV); the page total written last and read on every page; the font cut to
the characters used, searchable, also from a font with CFF outlines; a character the
font lacks printed as '?'."""

from __future__ import annotations

import io
import subprocess
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest

from labels.fonts import FontFile, find_cjk_font, load_font
from tests.reports.helpers import pdf_pages, pdf_text
from tracker.reports import writer
from tracker.services.registers import KINDS
from tracker.services.registers.base import Cell, Footer, Register

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 1, 1, 9, tzinfo=SH)


def _rows(n: int, title: str = "关于第{i}号项目的请示") -> Iterator[tuple[Cell, ...]]:
    for i in range(n):
        out = T0 + timedelta(seconds=20 * i)
        yield (
            out,
            f"BR-2026-{i:06d}",
            title.format(i=i % 2000),
            "机密★10年",
            "李核心",
            "钱领导",
            out + timedelta(hours=6),
            out + timedelta(hours=8),
            i % 17,
            "王机要",
            None,
            None,
        )


def _register(rows: Iterator[tuple[Cell, ...]], lang: str = "zh") -> Register:
    return Register(
        "borrows",
        "借阅登记簿",
        KINDS["borrows"].columns,
        rows,
        "机关办公区",
        "2026年01月01日 至 2026年01月31日",
        "全部场所、全部密级",
        "赵保密（保密干部）",
        T0,
        lang,
        footer=lambda: Footer(("摘要一行",), ("移交人签字", "接收人签字", "监交人签字")),
    )


class _Sink(io.RawIOBase):
    """An output that keeps nothing (the memory measured is the writer's own)."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size


def _peak(fmt: str, rows: int) -> int:
    sink = _Sink()
    tracemalloc.start()
    try:
        writer().write(_register(_rows(rows)), fmt, sink)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_memory_is_flat_in_the_number_of_rows(fmt: str) -> None:
    find_cjk_font()  # found once, before measuring
    _peak(fmt, 50)  # libraries imported, caches warm
    small, large = _peak(fmt, 1000), _peak(fmt, 4000)
    # 3,000 more rows (200 more pages) may cost a few bytes a page, not a few a row
    # (fpdf2 held ~1.7 KiB a row: 5 MiB here)
    assert large - small < 256 * 1024, (small, large)


def test_pages_are_numbered_with_the_total_written_last(tmp_path: Path) -> None:
    path = tmp_path / "b.pdf"
    with path.open("wb") as fh:
        writer().write(_register(_rows(100)), "pdf", fh)
    doc = pdfium.PdfDocument(path)
    n = len(doc)
    assert n == 7
    for i in range(n):
        flat = "".join(doc[i].get_textpage().get_text_range().split())
        assert "借阅登记簿" in flat and "借阅人签字" in flat
        assert f"第{i + 1}页共{n}页" in flat  # PDFium reads the total drawn by the form
    poppler = pdf_text(path).split("\f")
    assert all(f"第{i + 1}页共{n}页" in "".join(p.split()) for i, p in enumerate(poppler[:n]))
    width, height = doc[0].get_size()
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    (line,) = fonts.stdout.splitlines()[2:]
    assert "CID TrueType" in line and "Identity-H" in line
    assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode
    assert path.stat().st_size < 200_000  # the font cut to the characters used
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Title:           机关办公区 借阅登记簿" in info.stdout


def test_english_pages(tmp_path: Path) -> None:
    path = tmp_path / "b.pdf"
    with path.open("wb") as fh:
        writer().write(_register(_rows(20), "en"), "pdf", fh)
    text = " ".join(pdf_text(path).split())
    assert "Page 1 of 2" in text and "Page 2 of 2" in text


def test_a_character_the_font_lacks_prints_as_a_question_mark(tmp_path: Path) -> None:
    font = find_cjk_font()
    odd = next(chr(c) for c in range(0x1F600, 0x1F650) if c not in font.codepoints)
    path = tmp_path / "b.pdf"
    with path.open("wb") as fh:
        writer().write(_register(_rows(1, "报告" + odd + "附件")), "pdf", fh)
    assert "报告?附件" in "".join(pdf_text(path).split())


def _cff_font(path: Path, source: FontFile, chars: str) -> None:
    """A font with CFF (cubic) outlines drawn from ``source``'s glyphs for ``chars``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.ttLib import TTFont

    with TTFont(source.path, fontNumber=source.index) as src:
        cmap = src.getBestCmap()
        glyphs = src.getGlyphSet()
        mapping = {ord(c): cmap[ord(c)] for c in set(chars) if ord(c) in cmap}
        names = [".notdef", *sorted(set(mapping.values()))]
        strings, metrics = {}, {}
        for name in names:
            pen = T2CharStringPen(glyphs[name].width, glyphs)
            glyphs[name].draw(pen)
            strings[name] = pen.getCharString()
            bounds = BoundsPen(glyphs)
            glyphs[name].draw(bounds)
            metrics[name] = (glyphs[name].width, int(bounds.bounds[0]) if bounds.bounds else 0)
        hhea = src["hhea"]
        fb = FontBuilder(src["head"].unitsPerEm, isTTF=False)
        fb.setupGlyphOrder(names)
        fb.setupCharacterMap(mapping)
        fb.setupCFF("RegisterTestCFF", {"FullName": "Register Test CFF"}, strings, {})
        fb.setupHorizontalMetrics(metrics)
        fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
        fb.setupNameTable(
            {"familyName": "Register Test CFF", "styleName": "Regular", "psName": "RegisterTestCFF"}
        )
        fb.setupOS2(sTypoAscender=hhea.ascent, usWinAscent=hhea.ascent, usWinDescent=-hhea.descent)
        fb.setupPost()
        fb.save(str(path))


def test_a_font_with_cff_outlines_is_embedded_as_truetype(tmp_path: Path) -> None:
    register = _register(_rows(30))
    chars = "".join(
        {
            *"机关办公区借阅登记簿期间范围全部场所密级导出赵保密干第页共条记录以下空白摘要一行"
            "移交人接收监签字日期年月至于号项目的请示李核心钱领导王机要★（）：、。",
            *(c.zh for c in register.columns),
            *"0123456789-: ?_BR",
        }
    )
    chars = "".join(sorted(set("".join(chars))))
    otf = tmp_path / "cff.otf"
    _cff_font(otf, find_cjk_font(), chars)
    font = load_font(str(otf))
    path = tmp_path / "b.pdf"
    with path.open("wb") as fh:
        from tracker.reports.pdf_writer import write_pdf

        write_pdf(register, fh, font)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "CID TrueType" in fonts.stdout and "RegisterTestCFF" in fonts.stdout
    flat = "".join(pdf_text(path).split())
    assert "借阅登记簿" in flat and "关于第29号项目的请示" in flat and "第1页共" in flat
    assert len(pdf_pages(path, tmp_path)) == 3  # poppler draws every page
    # the embedded program: TrueType outlines converted from the cubic ones
    from fontTools.ttLib import TTFont

    from tracker.reports.pdf_stream import _Font, _subset

    program, gids = _subset(_Font(font).tt, "借阅")
    with TTFont(io.BytesIO(program)) as tt:
        assert "glyf" in tt and "CFF " not in tt
        order = tt.getGlyphOrder()
        assert all(tt["glyf"][order[g]].numberOfContours > 0 for g in gids)
