"""PNG labels at 300 dpi (Pillow; the Code128 through python-barcode's ImageWriter)."""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from barcode import Code128
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from labels.content import LabelContent
from labels.layout import Code128Box, Layout, MatrixBox, layout

logger = logging.getLogger(__name__)

DPI = 300
DPMM = DPI / 25.4


def _px(mm: float) -> int:
    return round(mm * DPMM)


@lru_cache(maxsize=64)
def _font(path: str, index: int, px: int) -> ImageFont.FreeTypeFont:
    # Opening a CJK collection costs milliseconds; label text comes in few pixel sizes.
    return ImageFont.truetype(path, px, index=index)


def _code128_image(box: Code128Box) -> Image.Image:
    """The bars of ``box`` drawn by python-barcode's ImageWriter, without quiet zones."""
    writer = ImageWriter(format="PNG", mode="L", dpi=DPI)
    # python-barcode converts mm to px with floats; a hair over the exact module width
    # keeps every bar edge on the intended pixel instead of flickering by one.
    options = {
        "module_width": box.module + 1e-6,
        "module_height": box.height,
        "quiet_zone": 0.0,
        "margin_top": 0.0,
        "margin_bottom": 0.0,
        "write_text": False,
        "font_size": 0,
    }
    image = Code128(box.data, writer=writer).render(options)
    assert isinstance(image, Image.Image)
    want = (round(len(box.modules) * box.module * DPMM), _px(box.height))
    if image.size != want:
        image = image.resize(want, Image.Resampling.NEAREST)
    return image


def _draw_matrix(draw: ImageDraw.ImageDraw, box: MatrixBox) -> None:
    step = round(box.module * DPMM)
    x0, y0 = _px(box.x), _px(box.y)
    for r, row in enumerate(box.rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                draw.rectangle(
                    (x0 + start * step, y0 + r * step, x0 + c * step - 1, y0 + (r + 1) * step - 1),
                    fill=0,
                )
            else:
                c += 1


def draw_layout(lay: Layout) -> Image.Image:
    """Rasterise a :class:`Layout` to a 1-channel 300 dpi image (white background)."""
    image = Image.new("L", (_px(lay.width), _px(lay.height)), 255)
    draw = ImageDraw.Draw(image)
    for text in lay.texts:
        font = _font(lay.font.path, lay.font.index, max(1, _px(text.size)))
        if text.inverted:
            draw.rectangle(
                (
                    _px(text.x - text.pad),
                    _px(text.top - text.pad),
                    _px(text.x + text.width + text.pad),
                    _px(text.top + text.size + text.pad),
                ),
                fill=0,
            )
        draw.text(
            (_px(text.x), _px(text.baseline)),
            text.text,
            font=font,
            anchor="ls",
            fill=255 if text.inverted else 0,
        )
    bars = _code128_image(lay.code128)
    image.paste(bars, (_px(lay.code128.x), _px(lay.code128.y)))
    _draw_matrix(draw, lay.datamatrix)
    return image


def render_png_image(content: LabelContent) -> Image.Image:
    """The label as a Pillow image (300 dpi, greyscale)."""
    return draw_layout(layout(content, DPMM))


def render_png(content: LabelContent) -> bytes:
    """The label as PNG bytes at 300 dpi."""
    image = render_png_image(content)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=False)
    return out.getvalue()
