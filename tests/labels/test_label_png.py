"""PNG labels decode back to the serial, both symbologies, also rotated."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from labels import LabelContent, render_png
from labels.layout import layout
from labels.render_png import render_png_image
from tests.labels.conftest import decode, rotate
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier

BOTH = {"Code128": {"JM-2026-000123"}, "DataMatrix": {"JM-2026-000123"}}


def test_png_is_300_dpi_60_by_30_mm(carrier: Carrier) -> None:
    image = Image.open(io.BytesIO(render_png(LabelContent.from_carrier(carrier))))
    assert image.format == "PNG"
    assert image.size == (709, 354)  # 60 x 30 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300


def test_png_decodes_to_the_serial_with_code128_and_datamatrix(carrier: Carrier) -> None:
    image = Image.open(io.BytesIO(render_png(LabelContent.from_carrier(carrier))))
    assert decode(image) == BOTH


@pytest.mark.parametrize("degrees", [30, 45, 90, 135, 200, 270])
def test_rotated_label_still_reads_through_the_datamatrix(carrier: Carrier, degrees: int) -> None:
    image = render_png_image(LabelContent.from_carrier(carrier))
    assert decode(rotate(image, degrees)).get("DataMatrix") == {"JM-2026-000123"}


def test_marking_is_first_and_largest(carrier: Carrier) -> None:
    lay = layout(LabelContent.from_carrier(carrier))
    marking = next(t for t in lay.texts if t.field == "marking")
    others = [t for t in lay.texts if t.field != "marking"]
    assert marking.size > max(t.size for t in others)
    assert marking.top <= min(t.top for t in others) + 0.01
    assert marking.x <= min(t.x for t in others)
    assert marking.text == "机密★10年"


def test_reprint_badge_is_visible(carrier: Carrier) -> None:
    plain = render_png_image(LabelContent.from_carrier(carrier))
    again = render_png_image(LabelContent.from_carrier(carrier, reprint=True))
    lay = layout(LabelContent.from_carrier(carrier, reprint=True))
    badge = next(t for t in lay.texts if t.field == "reprint")
    assert badge.inverted and badge.text == "补打"
    # The top-right corner is white on a first print and mostly black on a reprint.
    box = (int((badge.x) * 300 / 25.4), 25, 700, int(badge.baseline * 300 / 25.4))

    def dark(im: Image.Image) -> int:
        return int((np.asarray(im.crop(box)) < 128).sum())

    assert dark(plain) == 0
    assert dark(again) > 0.4 * (box[2] - box[0]) * (box[3] - box[1])
    assert decode(again) == BOTH


def test_english_top_secret_long_term_fits_and_reads(carrier: Carrier) -> None:
    from tracker.domain.levels import Level
    from tracker.domain.period import SecrecyPeriod

    carrier.level, carrier.period = Level.TOP_SECRET, SecrecyPeriod.long_term()
    content = LabelContent.from_carrier(carrier, lang="en", reprint=True)
    lay = layout(content)
    assert all(t.x + t.width <= 60 for t in lay.texts)
    assert decode(render_png_image(content)) == BOTH


def test_larger_label_and_giai202_epc(carrier: Carrier) -> None:
    carrier.epc = "3814257BF58B266D1AC1850C0000000000000000000000000000"
    content = LabelContent.from_carrier(carrier, size=(100, 50))
    image = render_png_image(content)
    assert image.size == (1181, 591)
    assert decode(image) == BOTH


def test_long_authority_shrinks_then_refuses(carrier: Carrier) -> None:
    carrier.issuing_authority = "国家保密局办公厅"
    lay = layout(LabelContent.from_carrier(carrier))
    assert all(t.x + t.width < lay.datamatrix.x for t in lay.texts if t.field == "authority")
    carrier.issuing_authority = "某某省某某市某某区人民政府办公室机要科保密档案管理中心"
    with pytest.raises(LabelError, match="authority"):
        render_png(LabelContent.from_carrier(carrier))


def test_serial_too_long_for_code128(carrier: Carrier) -> None:
    carrier.serial = "JM-" + "A" * 40
    with pytest.raises(LabelError, match="Code128"):
        render_png(LabelContent.from_carrier(carrier))
