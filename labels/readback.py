"""Read-back of a printed label, for the receive flow (R15): a carrier counts as
labelled only when (a) a barcode read from the label is its serial and (b) the EPC
read from its tag is the EPC intended.

The label can be given as what was printed — a PNG image (or its bytes), a one-label
PDF (rasterised at 300 dpi), or a ZPL job (its fields are drawn the way the printer
places them and decoded) — or, from a camera, as the barcode texts already decoded.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image

from labels.errors import ReadbackError
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

RASTER_DPI = 300


@dataclass(frozen=True)
class Decoded:
    """One barcode read from a label image."""

    symbology: str  # "Code128", "DataMatrix" …
    text: str


@dataclass(frozen=True)
class ReadbackResult:
    """A confirmed label: the serial, what was decoded, and the tag's EPC."""

    serial: str
    barcodes: tuple[Decoded, ...]
    tag_epc: str | None


def decode_image(image: Image.Image) -> list[Decoded]:
    """Every barcode zxing-cpp finds in ``image``."""
    grey = image.convert("L")
    found = zxingcpp.read_barcodes(grey)
    return [Decoded(r.format.name, r.text) for r in found]


def rasterise_pdf(data: bytes, dpi: int = RASTER_DPI) -> list[Image.Image]:
    """Pages of a PDF as images (pypdfium2 when installed, else poppler's pdftoppm)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return _pdftoppm(data, dpi)
    doc = pdfium.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


def _pdftoppm(data: bytes, dpi: int) -> list[Image.Image]:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise LabelError(
            "cannot rasterise the PDF label: install pypdfium2 or the Debian package "
            "poppler-utils (pdftoppm)",
            zh="无法把 PDF 标签转为图像：请安装 pypdfium2 或 Debian 软件包 poppler-utils",
        )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "label.pdf"
        src.write_bytes(data)
        subprocess.run(
            [exe, "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        pages = []
        for p in sorted(Path(tmp).glob("page*.png")):
            with Image.open(p) as im:
                pages.append(im.convert("L"))
        return pages


def label_images(printed: bytes | Image.Image) -> list[Image.Image]:
    """Images of a printed label given as PNG/PDF/ZPL bytes or a Pillow image."""
    if isinstance(printed, Image.Image):
        return [printed]
    if printed.startswith(b"\x89PNG"):
        with Image.open(io.BytesIO(printed)) as im:
            return [im.convert("L")]
    if printed.startswith(b"%PDF"):
        return rasterise_pdf(printed)
    if b"^XA" in printed:
        from labels.zpl_preview import preview_job

        # Only the barcodes matter here; missing fonts are the printer check's business.
        return preview_job(printed, strict=False)
    raise LabelError(
        "printed label is neither PNG, PDF nor ZPL", zh="打印内容不是 PNG、PDF 或 ZPL 格式"
    )


def _norm_epc(epc: str | None) -> str | None:
    return epc.replace(" ", "").strip().upper() if epc else None


def verify_readback(
    serial: str,
    intended_epc: str | None,
    *,
    barcodes: Iterable[str | Decoded],
    tag_epc: str | None,
) -> ReadbackResult:
    """Check decoded barcode texts and the tag's EPC against what was intended.

    Raises :class:`ReadbackError` with ``part="barcode"`` when no barcode was read or one
    reads something other than ``serial``, and ``part="epc"`` when the tag's EPC is
    missing or differs from ``intended_epc``.
    """
    decoded = tuple(b if isinstance(b, Decoded) else Decoded("unknown", b) for b in barcodes)
    if not decoded:
        raise ReadbackError(
            "barcode",
            f"no barcode could be read from the label of {serial}",
            zh=f"无法从 {serial} 的标签上读出条码",
        )
    wrong = sorted({d.text for d in decoded if d.text != serial})
    if wrong:
        raise ReadbackError(
            "barcode",
            f"label barcode reads {', '.join(wrong)!s}, expected serial {serial}",
            zh=f"标签条码读出 {'、'.join(wrong)}，应为编号 {serial}",
        )
    want, got = _norm_epc(intended_epc), _norm_epc(tag_epc)
    if want is not None:
        if got is None:
            raise ReadbackError(
                "epc",
                f"no EPC was read from the tag of {serial} (expected {want})",
                zh=f"未读到 {serial} 标签的 EPC（应为 {want}）",
            )
        if got != want:
            raise ReadbackError(
                "epc",
                f"tag of {serial} holds EPC {got}, expected {want}",
                zh=f"{serial} 的标签 EPC 为 {got}，应为 {want}",
            )
    return ReadbackResult(serial, decoded, got)


def confirm_label(
    printed: bytes | Image.Image,
    *,
    serial: str,
    intended_epc: str | None,
    tag_epc: str | None,
) -> ReadbackResult:
    """Decode the printed label (PNG/PDF/ZPL bytes or an image) and verify it."""
    decoded: list[Decoded] = []
    for image in label_images(printed):
        decoded += decode_image(image)
    logger.debug("read back %s: %s", serial, decoded)
    return verify_readback(serial, intended_epc, barcodes=decoded, tag_epc=tag_epc)
