"""Label images for the camera simulator.

The simulator films real labels. The project's label renderer (``labels.render_png``)
is preferred; :func:`stand_in_label` draws an equivalent label (marking, serial, a
Code128 of the serial and a square DataMatrix of the serial, 60 × 30 mm at 300 dpi) so
the simulator works on its own and in tests that must not depend on label layout.
:func:`label_image` picks the real renderer when it is importable.
"""

from __future__ import annotations

import functools
import io
import logging
import subprocess
from collections.abc import Callable
from typing import Any

import barcode
import numpy as np
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

DPI = 300
MM = DPI / 25.4


def _px(mm: float) -> int:
    return round(mm * MM)


@functools.lru_cache(maxsize=1)
def _cjk_font_path() -> str | None:
    """The file of an installed CJK font (fontconfig), or None."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], check=False, capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    # Fallback-only fonts (Droid Sans Fallback) lack ASCII digits and ★; prefer full fonts.
    files.sort(key=lambda f: ("wqy" not in f and "noto" not in f.lower(), f))
    return files[0] if files else None


def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _cjk_font_path() if cjk else None
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def code128_image(text: str, *, module_mm: float = 0.25, height_mm: float = 8.0) -> Image.Image:
    """A Code128 of ``text`` drawn by python-barcode at 300 dpi (no human-readable text)."""
    code = barcode.get("code128", text, writer=ImageWriter(format="PNG"))
    options = {
        "module_width": module_mm,
        "module_height": height_mm,
        "quiet_zone": 2.5,
        "dpi": DPI,
        "write_text": False,
    }
    img: Image.Image = code.render(options)
    return img.convert("L")


def datamatrix_image(text: str, *, module_px: int = 12) -> Image.Image:
    """A square DataMatrix of ``text`` (zxing-cpp encoder), ``module_px`` pixels a module."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, force_square=True)
    modules = np.asarray(symbol.to_image(scale=1, add_quiet_zones=True))
    big = np.kron(modules, np.ones((module_px, module_px), dtype=np.uint8))
    return Image.fromarray(big, mode="L")


def stand_in_label(
    serial: str, marking: str = "机密★10年", *, size_mm: tuple[float, float] = (60, 30)
) -> Image.Image:
    """Draw a label like the real one: marking top-left, serial, Code128 and DataMatrix.

    Returns a greyscale PIL image at 300 dpi. When no CJK font is installed the marking
    is drawn with the default font (the codes, which are what the camera reads, are
    unaffected).
    """
    width, height = _px(size_mm[0]), _px(size_mm[1])
    label = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(label)
    margin = _px(2)
    draw.rectangle([2, 2, width - 3, height - 3], outline=0, width=3)
    draw.text((margin, margin), marking, fill=0, font=_font(_px(5.5), cjk=True))
    draw.text((margin, margin + _px(7)), serial, fill=0, font=_font(_px(3.2), cjk=False))

    matrix = datamatrix_image(serial, module_px=max(4, _px(0.85)))
    side = min(matrix.width, height - 2 * margin)
    matrix = matrix.resize((side, side), Image.Resampling.NEAREST)
    label.paste(matrix, (width - margin - side, (height - side) // 2))

    code = code128_image(serial)
    max_w = width - 3 * margin - side
    if code.width > max_w:
        code = code.resize((max_w, code.height), Image.Resampling.NEAREST)
    label.paste(code, (margin, height - margin - code.height))
    return label


def _real_renderer() -> Callable[[str], Image.Image] | None:
    """A function serial → label image using the project's ``labels`` package, if present."""
    try:
        import labels
        from labels.content import LabelContent
    except ImportError:
        return None
    render_png: Any = getattr(labels, "render_png", None)
    if render_png is None:
        return None

    def render(serial: str) -> Image.Image:
        content = _sample_content(LabelContent, serial)
        return Image.open(io.BytesIO(render_png(content))).convert("L")

    return render


def real_renderer_available() -> bool:
    """True when the project's label renderer (``labels.render_png``) can be used."""
    return _real_renderer() is not None


def _sample_content(content_cls: Any, serial: str) -> Any:
    """A LabelContent for a sample carrier with ``serial`` (built from a domain Carrier)."""
    from datetime import date

    from tracker.domain.levels import Level
    from tracker.domain.model import Carrier, Medium
    from tracker.domain.period import SecrecyPeriod

    carrier = Carrier(
        serial=serial,
        title="not printed",
        medium=Medium.PAPER,
        level=Level.SECRET,
        period=SecrecyPeriod.years(10),
        classified_on=date(2026, 1, 5),
        issuing_authority="ISSUER",
        received_on=date(2026, 1, 5),
        copy_number=1,
        total_copies=1,
        epc="3414257BF40000000000007B",
    )
    return content_cls.from_carrier(carrier)


@functools.lru_cache(maxsize=64)
def label_image(serial: str, *, renderer: str = "auto") -> np.ndarray:
    """The label for ``serial`` as a greyscale ndarray (cached; read-only).

    ``renderer``: ``"auto"`` (the project's renderer when available, else the stand-in),
    ``"real"`` or ``"stand-in"``.
    """
    image = _label_image(serial, renderer)
    image.setflags(write=False)
    return image


def _label_image(serial: str, renderer: str) -> np.ndarray:
    if renderer not in ("auto", "real", "stand-in"):
        raise ValueError(f"unknown label renderer {renderer!r}")
    real = _real_renderer() if renderer != "stand-in" else None
    if renderer == "real" and real is None:
        raise RuntimeError("labels.render_png is not available")
    if real is not None:
        try:
            return np.array(real(serial))
        except Exception:  # a half-written renderer must not stop the simulator
            if renderer == "real":
                raise
            logger.warning("labels.render_png failed; using the stand-in label", exc_info=True)
    return np.array(stand_in_label(serial))
