"""Where everything sits on a label, in millimetres, shared by the PNG, PDF and ZPL
renderers so the three outputs look alike.

Top-left: the marking, as large as fits (it is what a custodian must see first). Top
right: an inverted ``补打`` / ``REPRINT`` badge on reprints. Middle-left: serial, copy,
issuing authority, date received. Middle-right: a DataMatrix of the serial (reads at
any rotation). Bottom: a Code128 of the serial across the label, and the EPC in small
hex under it.

Barcode modules are snapped to whole printer dots (``dots_per_mm``) so bars stay crisp.
Text that does not fit is shrunk down to a legible minimum; below that the layout
raises :class:`LabelError` naming the field rather than cutting text off.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import barcode
import zxingcpp
from PIL import ImageFont

from labels.content import LabelContent
from labels.fonts import FontFile, find_cjk_font
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

DPMM_300 = 300 / 25.4
MARGIN = 1.5
MIN_TEXT_MM = 1.5  # about 4 pt: the smallest text still legible on a thermal label
_REF_PX = 200


@dataclass(frozen=True)
class TextBox:
    """One line of text: ``x`` left edge and ``baseline`` in mm, ``size`` the em in mm."""

    field: str
    text: str
    x: float
    baseline: float
    size: float
    width: float
    inverted: bool = False  # white on a black box (the reprint badge)
    pad: float = 0.0  # box padding around an inverted text

    @property
    def top(self) -> float:
        """Top of the em box in mm."""
        return self.baseline - self.size * _ascent_ratio()


@dataclass(frozen=True)
class Code128Box:
    """A Code128 symbol: ``modules`` is the bar pattern ('1' dark) without quiet zones."""

    data: str
    x: float
    y: float
    module: float
    height: float
    modules: str

    @property
    def width(self) -> float:
        """Width of the bars in mm (quiet zones excluded)."""
        return self.module * len(self.modules)


@dataclass(frozen=True)
class MatrixBox:
    """A DataMatrix symbol: ``rows`` of dark (True) / light modules, no quiet zone."""

    data: str
    x: float
    y: float
    module: float
    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> float:
        """Side length in mm."""
        return self.module * len(self.rows)


@dataclass(frozen=True)
class Layout:
    """A label laid out: page size, texts and the two barcodes."""

    width: float
    height: float
    texts: tuple[TextBox, ...]
    code128: Code128Box
    datamatrix: MatrixBox
    font: FontFile


@lru_cache(maxsize=4)
def _pil_font(path: str, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, _REF_PX, index=index)


def _ascent_ratio() -> float:
    font = find_cjk_font()
    ascent, _ = _pil_font(font.path, font.index).getmetrics()
    return ascent / _REF_PX


def text_width(text: str, size: float, font: FontFile) -> float:
    """Width in mm of ``text`` set at an em of ``size`` mm."""
    return _pil_font(font.path, font.index).getlength(text) * size / _REF_PX


@lru_cache(maxsize=256)
def code128_modules(data: str) -> str:
    """The Code128 bar pattern of ``data`` as '1'/'0' modules (python-barcode)."""
    return str(barcode.get("code128", data).build()[0])


@lru_cache(maxsize=256)
def datamatrix_rows(data: str) -> tuple[tuple[bool, ...], ...]:
    """The ECC200 DataMatrix of ``data`` as rows of dark modules (zxing-cpp)."""
    symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.DataMatrix, force_square=True)
    image = zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False)
    import numpy as np

    pixels = np.asarray(image)
    return tuple(tuple(bool(v < 128) for v in row) for row in pixels)


def _snap(mm: float, dpmm: float) -> float:
    return round(mm * dpmm) / dpmm


def _fit(text: str, field: str, size: float, room: float, font: FontFile, minimum: float) -> float:
    """The largest size <= ``size`` at which ``text`` fits ``room`` mm."""
    width = text_width(text, size, font)
    if width <= room:
        return size
    fitted = size * room / width
    if fitted < minimum:
        raise LabelError(
            f"{field} {text!r} is too long for this label ({room:.1f} mm of room); "
            "use a larger label size",
            zh=f"{field} {text!r} 过长，标签放不下（可用 {room:.1f} 毫米）；请使用更大的标签尺寸",
        )
    return fitted


def layout(content: LabelContent, dots_per_mm: float = DPMM_300) -> Layout:
    """Lay ``content`` out on its label size; every printed character is glyph-checked."""
    font = find_cjk_font()
    for name, text in content.printed_texts().items():
        font.check(text, name)
    w, h = content.size_mm
    ascent = _ascent_ratio()
    texts: list[TextBox] = []

    # Reprint badge, top right.
    right_edge = w - MARGIN
    if content.reprint:
        size = min(3.2, h * 0.11)
        pad = 0.5
        bw = text_width(content.reprint_text, size, font)
        x = right_edge - bw - pad
        texts.append(
            TextBox(
                "reprint",
                content.reprint_text,
                x,
                MARGIN + pad + size * ascent,
                size,
                bw,
                inverted=True,
                pad=pad,
            )
        )
        right_edge = x - pad - 1.0

    # Marking, top left, as large as fits.
    marking_size = _fit(
        content.marking, "marking", min(6.5, h * 0.22), right_edge - MARGIN, font, 2.5
    )
    marking_baseline = MARGIN + marking_size * ascent
    texts.append(
        TextBox(
            "marking",
            content.marking,
            MARGIN,
            marking_baseline,
            marking_size,
            text_width(content.marking, marking_size, font),
        )
    )
    body_top = MARGIN + marking_size * 1.1 + 0.5

    # EPC line at the bottom, Code128 above it.
    bottom = h - MARGIN
    epc_text = content.printed_texts().get("epc", "")
    if epc_text:
        epc_size = _fit(epc_text, "epc", min(1.8, h * 0.06), w - 2 * MARGIN, font, 1.2)
        epc_baseline = bottom - epc_size * 0.2
        texts.append(
            TextBox(
                "epc",
                epc_text,
                MARGIN,
                epc_baseline,
                epc_size,
                text_width(epc_text, epc_size, font),
            )
        )
        bottom = epc_baseline - epc_size * ascent - 0.3

    modules = code128_modules(content.serial)
    # Quiet zones of 10 modules each side must stay on the label (edges count).
    module_dots = math.floor((w - 1.0) * dots_per_mm / (len(modules) + 20))
    module_dots = min(module_dots, max(2, round(0.33 * dots_per_mm)))
    if module_dots < 2:
        raise LabelError(
            f"serial {content.serial!r} is too long for a Code128 on a {w:g} mm wide label",
            zh=f"编号 {content.serial!r} 过长，{w:g} 毫米宽的标签放不下 Code128 条码",
        )
    module = module_dots / dots_per_mm
    bar_height = _snap(max(4.0, min(10.0, h * 0.2)), dots_per_mm)
    code_y = _snap(bottom - bar_height, dots_per_mm)
    code_x = _snap((w - module * len(modules)) / 2, dots_per_mm)
    code = Code128Box(content.serial, code_x, code_y, module, bar_height, modules)

    # DataMatrix, right of the text block, between the marking and the Code128.
    rows = datamatrix_rows(content.serial)
    room = code_y - 0.6 - body_top
    dm_dots = math.floor(min(room, w * 0.3) * dots_per_mm / len(rows))
    if dm_dots < 2:
        raise LabelError(
            f"no room for the DataMatrix on a {w:g}x{h:g} mm label",
            zh=f"{w:g}x{h:g} 毫米的标签放不下 DataMatrix 码",
        )
    dm_module = dm_dots / dots_per_mm
    dm_size = dm_module * len(rows)
    dm_x = _snap(w - MARGIN - dm_size, dots_per_mm)
    dm_y = _snap(body_top + (room - dm_size) / 2, dots_per_mm)
    matrix = MatrixBox(content.serial, dm_x, dm_y, dm_module, rows)

    # Info lines, left of the DataMatrix (one quiet-zone module plus a gap away).
    lines = content.info_lines()
    text_room = dm_x - 2 * dm_module - 0.5 - MARGIN
    pitch = (code_y - 0.4 - body_top) / len(lines)
    size = min(3.0, pitch / 1.2)
    for name, caption, value in lines:
        size = min(size, _fit(f"{caption} {value}", name, size, text_room, font, MIN_TEXT_MM))
    if size < MIN_TEXT_MM:
        raise LabelError(
            f"a {w:g}x{h:g} mm label has no room for {len(lines)} lines of text",
            zh=f"{w:g}x{h:g} 毫米的标签放不下 {len(lines)} 行文字",
        )
    for i, (name, caption, value) in enumerate(lines):
        text = f"{caption} {value}"
        baseline = body_top + pitch * i + (pitch - size) / 2 + size * ascent
        texts.append(TextBox(name, text, MARGIN, baseline, size, text_width(text, size, font)))

    return Layout(w, h, tuple(texts), code, matrix, font)
