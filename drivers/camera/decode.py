"""Barcode decoding behind one small interface, with two backends.

``Decoder.decode(grey) -> list[Code]`` finds Code128, DataMatrix and QR codes in a grey
(or BGR) frame. Two backends do the reading: zxing-cpp (:class:`ZxingReader`) and zbar
via pyzbar (:class:`ZbarReader`; zbar has no DataMatrix). :class:`CascadeDecoder` runs
a reader over cheap views of the frame first and only falls back to the full frame when
they find nothing, which is what keeps a 30 fps camera (33 ms a frame) fed:

1. ``roi``: a fixed region of interest, if the site configured one (the spot in front
   of a safe's camera where labels are shown);
2. ``downscale``: the whole frame shrunk by ``scale`` (zxing reads a DataMatrix with
   2–3 pixels a module, so a 1280×720 frame at half size still reads);
3. ``regions``: likely code regions found by :func:`drivers.camera.roi.find_regions`,
   cut from the full-resolution frame (zbar needs full resolution for Code128);
4. ``full``: the full frame with the reader's try-harder settings.

The default backend is zxing-cpp; ``bench/bench_camera.py`` measures both (figures in
``bench/RESULTS.md``, reasons in the README).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import cv2
import numpy as np

from drivers.camera.roi import find_regions
from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)

FORMATS = ("Code128", "DataMatrix", "QR")
Stage = Literal["roi", "downscale", "regions", "full"]
Point = tuple[float, float]
Box = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class Code:
    """A decoded symbol: its format (``Code128``, ``DataMatrix`` or ``QR``), text and
    where it is in the frame (corner points in full-frame pixels)."""

    format: str
    text: str
    corners: tuple[Point, ...] = ()

    @property
    def bbox(self) -> Box:
        """Axis-aligned bounding box ``(x, y, w, h)`` of the corners (zeros if unknown)."""
        if not self.corners:
            return (0, 0, 0, 0)
        xs = [p[0] for p in self.corners]
        ys = [p[1] for p in self.corners]
        x0, y0 = int(min(xs)), int(min(ys))
        return (x0, y0, int(max(xs)) - x0, int(max(ys)) - y0)

    def moved(self, scale_x: float, scale_y: float, dx: float, dy: float) -> Code:
        """The same code with its corners mapped from a crop/scaled view to the frame."""
        corners = tuple((x * scale_x + dx, y * scale_y + dy) for x, y in self.corners)
        return Code(self.format, self.text, corners)


class Decoder(Protocol):
    """Finds codes in one frame. Must not raise on frames without (our) codes."""

    name: str

    def decode(self, gray: np.ndarray) -> list[Code]:
        """Every Code128 / DataMatrix / QR code found in ``gray`` (2-D uint8)."""
        ...


class Reader(Protocol):
    """One backend pass over one image (no cascade)."""

    name: str
    supported: frozenset[str]

    def read(self, gray: np.ndarray, *, try_harder: bool) -> list[Code]:
        """Codes in ``gray``; ``try_harder`` spends more time on difficult images."""
        ...


def to_gray(image: np.ndarray) -> np.ndarray:
    """``image`` as a contiguous 2-D uint8 array (grey, BGR and BGRA accepted)."""
    if image.dtype != np.uint8:
        raise CameraError(
            f"frame must be uint8, got {image.dtype}", zh=f"画面格式错误：{image.dtype}"
        )
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.ascontiguousarray(image[..., 0])
    raise CameraError(
        f"unsupported frame shape {image.shape}", zh=f"不支持的画面尺寸 {image.shape}"
    )


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"formats must be among {FORMATS}, got {chosen}")
    return chosen


class ZxingReader:
    """zxing-cpp: Code128, DataMatrix and QR, any rotation."""

    name = "zxing"
    supported = frozenset(FORMATS)

    def __init__(self, formats: Iterable[str] = FORMATS) -> None:
        import zxingcpp

        self._zx: Any = zxingcpp
        fmt = zxingcpp.BarcodeFormat
        table = {"Code128": fmt.Code128, "DataMatrix": fmt.DataMatrix, "QR": fmt.QRCode}
        self.formats = _check_formats(formats)
        self._formats = tuple(table[f] for f in self.formats)
        self._names = {table[f]: f for f in self.formats}

    def read(self, gray: np.ndarray, *, try_harder: bool) -> list[Code]:
        """One zxing pass; try-harder also tries its own downscaled and inverted views."""
        results = self._zx.read_barcodes(
            gray,
            formats=self._formats,
            try_rotate=True,
            try_downscale=try_harder,
            try_invert=try_harder,
        )
        codes = []
        for r in results:
            name = self._names.get(r.format)
            if name is None or not r.valid:
                continue
            p = r.position
            corners = tuple(
                (float(q.x), float(q.y))
                for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
            )
            codes.append(Code(name, r.text, corners))
        return codes


class ZbarReader:
    """zbar through pyzbar: Code128 and QR only (zbar has no DataMatrix)."""

    name = "zbar"
    supported = frozenset({"Code128", "QR"})

    def __init__(self, formats: Iterable[str] = FORMATS) -> None:
        from pyzbar import pyzbar

        self._zbar: Any = pyzbar
        wanted = _check_formats(formats)
        self.formats = tuple(f for f in wanted if f in self.supported)
        if len(self.formats) < len(wanted):
            logger.info("zbar cannot read %s", sorted(set(wanted) - set(self.formats)))
        sym = pyzbar.ZBarSymbol
        table = {"Code128": sym.CODE128, "QR": sym.QRCODE}
        self._symbols = [table[f] for f in self.formats]
        self._names = {"CODE128": "Code128", "QRCODE": "QR"}

    def read(self, gray: np.ndarray, *, try_harder: bool) -> list[Code]:
        """One zbar pass (zbar has no try-harder switch; ``try_harder`` is ignored)."""
        if not self._symbols:
            return []
        codes = []
        for d in self._zbar.decode(gray, symbols=self._symbols):
            name = self._names.get(d.type)
            if name is None:
                continue
            text = d.data.decode("utf-8", errors="replace")
            corners = tuple((float(p.x), float(p.y)) for p in d.polygon)
            codes.append(Code(name, text, corners))
        return codes


def _unique(codes: Iterable[Code]) -> list[Code]:
    seen: set[tuple[str, str]] = set()
    out = []
    for code in codes:
        key = (code.format, code.text)
        if key not in seen:
            seen.add(key)
            out.append(code)
    return out


class CascadeDecoder:
    """A :class:`Decoder`: cheap views first, the full frame only when they find nothing.

    ``stages`` run in order and the first that finds any code wins. A frame with two
    labels where only one reads in the cheap view reports just that one; the other is
    found in a later frame once the first has been deduplicated away — or set
    ``stages=("full",)`` to always search everything.
    """

    def __init__(
        self,
        reader: Reader,
        *,
        stages: Sequence[Stage] | None = None,
        scale: float = 0.5,
        roi: Box | None = None,
        max_regions: int = 3,
    ) -> None:
        self.reader = reader
        self.name = reader.name
        default: tuple[Stage, ...] = (
            ("downscale", "full") if reader.name == "zxing" else ("regions", "full")
        )
        self.stages: tuple[Stage, ...] = tuple(stages) if stages else default
        if roi is not None and "roi" not in self.stages:
            self.stages = ("roi", *self.stages)
        if not 0 < scale <= 1:
            raise ValueError(f"scale must be in (0, 1], got {scale}")
        self.scale = scale
        self.roi = roi
        self.max_regions = max_regions
        self.stage_hits: dict[str, int] = dict.fromkeys(self.stages, 0)
        self._runners: dict[Stage, Callable[[np.ndarray], list[Code]]] = {
            "roi": self._roi,
            "downscale": self._downscale,
            "regions": self._regions,
            "full": self._full,
        }

    def decode(self, gray: np.ndarray) -> list[Code]:
        """Codes in the frame, from the first stage that finds any."""
        gray = to_gray(gray)
        for stage in self.stages:
            codes = self._runners[stage](gray)
            if codes:
                self.stage_hits[stage] += 1
                return _unique(codes)
        return []

    def _crop(self, gray: np.ndarray, box: Box, *, try_harder: bool) -> list[Code]:
        x, y, w, h = box
        height, width = gray.shape
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(width, x + w), min(height, y + h)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        codes = self.reader.read(np.ascontiguousarray(gray[y0:y1, x0:x1]), try_harder=try_harder)
        return [c.moved(1.0, 1.0, x0, y0) for c in codes]

    def _roi(self, gray: np.ndarray) -> list[Code]:
        return self._crop(gray, self.roi, try_harder=True) if self.roi else []

    def _downscale(self, gray: np.ndarray) -> list[Code]:
        if self.scale >= 1:
            return self.reader.read(gray, try_harder=False)
        small = cv2.resize(gray, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_AREA)
        sx = gray.shape[1] / small.shape[1]
        sy = gray.shape[0] / small.shape[0]
        return [c.moved(sx, sy, 0, 0) for c in self.reader.read(small, try_harder=False)]

    def _regions(self, gray: np.ndarray) -> list[Code]:
        codes: list[Code] = []
        for box in find_regions(gray, max_regions=self.max_regions):
            codes.extend(self._crop(gray, box, try_harder=False))
        return codes

    def _full(self, gray: np.ndarray) -> list[Code]:
        return self.reader.read(gray, try_harder=True)


DECODERS = ("zxing", "zbar")
DEFAULT_DECODER = "zxing"


def make_decoder(
    name: str = DEFAULT_DECODER,
    *,
    formats: Iterable[str] = FORMATS,
    stages: Sequence[Stage] | None = None,
    scale: float = 0.5,
    roi: Box | None = None,
) -> CascadeDecoder:
    """The decoder called ``name`` (``zxing`` or ``zbar``) with its default cascade."""
    if name in ("zxing", "zxing-cpp", "zxingcpp"):
        reader: Reader = ZxingReader(formats)
    elif name in ("zbar", "pyzbar"):
        reader = ZbarReader(formats)
    else:
        raise CameraError(
            f"unknown decoder {name!r}; choose one of {', '.join(DECODERS)}",
            zh=f"未知的解码器 {name!r}，可选：{', '.join(DECODERS)}",
        )
    return CascadeDecoder(reader, stages=stages, scale=scale, roi=roi)
