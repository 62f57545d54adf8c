"""A preview of what a printer would print for one of our ZPL jobs.

It draws the fields the way a Zebra places them — text on its ``^FT`` baseline in the
``~DY``-downloaded TrueType font, ``^GB`` boxes, ``^FR`` reversed fields, ``^BC`` and
``^BX`` symbols at their ``^FO`` origin — so the read-back check can decode the barcodes
of the job itself, and a missing glyph in the downloaded subset is caught before a
printer would print a blank.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable

from fontTools.ttLib import TTFont, TTLibError
from PIL import Image, ImageDraw, ImageFont

from labels.layout import code128_modules, datamatrix_rows
from labels.zpl import Download, Format, ParsedFormat, ZplStream, parse_format
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)


def split_job(job: bytes) -> tuple[dict[str, bytes], list[Format]]:
    """The downloads (by ``R:NAME.TTF`` path) and formats of a job."""
    stream = ZplStream()
    fonts: dict[str, bytes] = {}
    formats: list[Format] = []
    for item in stream.feed(job):
        if isinstance(item, Download):
            fonts[item.path] = item.data
        elif isinstance(item, Format):
            formats.append(item)
    if stream.pending:
        raise LabelError(
            f"ZPL job ends inside a command ({stream.pending} bytes left over)",
            zh=f"ZPL 作业在命令中间结束（剩余 {stream.pending} 字节）",
        )
    return fonts, formats


def missing_glyphs(parsed: ParsedFormat, fonts: dict[str, bytes]) -> list[str]:
    """Problems with the job's text fonts: undownloaded fonts, characters without glyphs."""
    problems: list[str] = []
    cmaps: dict[str, set[int]] = {}
    for path, data in fonts.items():
        try:
            with TTFont(io.BytesIO(data)) as tt:
                cmaps[path] = set(tt.getBestCmap() or {})
        except (TTLibError, AssertionError, struct_error()) as exc:
            problems.append(f"font {path} is not a valid TrueType file ({exc})")
    for t in parsed.texts:
        if len(t.font) <= 1:
            continue  # a printer-resident bitmap font
        cmap = cmaps.get(t.font.upper())
        if cmap is None:
            problems.append(f"font {t.font} used but not downloaded")
            continue
        gone = sorted({ch for ch in t.text if not ch.isspace() and ord(ch) not in cmap})
        if gone:
            problems.append(f"font {t.font} lacks {''.join(gone)!r} for {t.text!r}")
    return problems


def struct_error() -> type[Exception]:
    """fontTools raises struct.error on truncated files."""
    import struct

    return struct.error


def _draw_code128(image: Image.Image, x: int, y: int, data: str, module: int, height: int) -> None:
    draw = ImageDraw.Draw(image)
    for i, m in enumerate(code128_modules(data)):
        if m == "1":
            draw.rectangle((x + i * module, y, x + (i + 1) * module - 1, y + height - 1), fill=0)


def _draw_matrix(image: Image.Image, x: int, y: int, data: str, module: int) -> None:
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(datamatrix_rows(data)):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (
                        x + c * module,
                        y + r * module,
                        x + (c + 1) * module - 1,
                        y + (r + 1) * module - 1,
                    ),
                    fill=0,
                )


def _boxes(raw: str) -> Iterable[tuple[int, int, int, int]]:
    for m in re.finditer(r"\^FO(\d+),(\d+)\^GB(\d+),(\d+),(\d+)", raw):
        x, y, w, h, t = (int(v) for v in m.groups())
        if t * 2 >= min(w, h):
            yield x, y, w, h


def render_preview(fmt: Format, fonts: dict[str, bytes], scale: int = 2) -> Image.Image:
    """Rasterise one label format (``scale`` times the printer's dots)."""
    parsed = parse_format(fmt)
    width = parsed.width or 800
    length = parsed.length or 400
    image = Image.new("L", (width, length), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in _boxes(fmt.raw.decode("utf-8", "replace")):
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=0)
    for t in parsed.texts:
        data = fonts.get(t.font.upper())
        if data is None or t.height <= 0:
            continue
        try:
            font = ImageFont.truetype(io.BytesIO(data), t.height)
        except OSError:
            logger.warning("font %s is not loadable; its text is left blank", t.font)
            continue
        anchor = "ls" if t.anchor == "FT" else "la"
        draw.text((t.x, t.y), t.text, font=font, anchor=anchor, fill=255 if t.reverse else 0)
    for b in parsed.barcodes:
        if b.kind == "code128":
            _draw_code128(image, b.x, b.y, b.data, b.module, b.height)
        elif b.kind == "datamatrix":
            _draw_matrix(image, b.x, b.y, b.data, b.module)
    if scale != 1:
        image = image.resize((width * scale, length * scale), Image.Resampling.NEAREST)
    return image


def preview_job(job: bytes, scale: int = 2, *, strict: bool = True) -> list[Image.Image]:
    """Previews of every label format in a job; raises on font problems when ``strict``
    (otherwise text in a missing font is left out, as a printer would leave it blank)."""
    fonts, formats = split_job(job)
    if not formats:
        raise LabelError(
            "ZPL job has no ^XA…^XZ label format", zh="ZPL 作业中没有 ^XA…^XZ 标签格式"
        )
    images = []
    for fmt in formats:
        problems = missing_glyphs(parse_format(fmt), fonts)
        if problems and strict:
            raise LabelError(
                "ZPL job would print blanks: " + "; ".join(problems),
                zh="ZPL 作业会打印出空白：" + "；".join(problems),
            )
        images.append(render_preview(fmt, fonts, scale))
    return images
