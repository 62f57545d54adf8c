"""Read-back: barcode equals serial and tag EPC equals the EPC intended, or a clear error."""

from __future__ import annotations

import pytest
from PIL import Image

from labels import LabelContent, confirm_label, render_pdf, render_png, render_zpl, verify_readback
from labels.errors import ReadbackError
from labels.render_png import render_png_image
from tests.labels.conftest import rotate
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier

EPC = "3414257BF400000000BC6038"


@pytest.mark.parametrize(
    "render", [render_png, lambda c: render_pdf([c]), render_zpl], ids=["png", "pdf", "zpl"]
)
def test_good_label_is_confirmed(carrier: Carrier, render: object) -> None:
    content = LabelContent.from_carrier(carrier)
    printed = render(content)  # type: ignore[operator]
    result = confirm_label(printed, serial=carrier.serial, intended_epc=EPC, tag_epc=EPC.lower())
    assert result.tag_epc == EPC
    assert {d.symbology for d in result.barcodes} == {"Code128", "DataMatrix"}


def test_rotated_photo_of_the_label_is_confirmed(carrier: Carrier) -> None:
    image = rotate(render_png_image(LabelContent.from_carrier(carrier)), 40)
    result = confirm_label(image, serial=carrier.serial, intended_epc=EPC, tag_epc=EPC)
    assert [d.symbology for d in result.barcodes] == ["DataMatrix"]


def test_label_of_another_carrier_fails_on_the_barcode(carrier: Carrier) -> None:
    printed = render_png(LabelContent.from_carrier(carrier))
    with pytest.raises(ReadbackError) as info:
        confirm_label(printed, serial="JM-2026-000999", intended_epc=EPC, tag_epc=EPC)
    assert info.value.part == "barcode"
    assert "JM-2026-000123" in str(info.value) and "编号" in info.value.zh


def test_unreadable_label_fails_on_the_barcode() -> None:
    blank = Image.new("L", (709, 354), 255)
    with pytest.raises(ReadbackError, match="no barcode") as info:
        confirm_label(blank, serial="JM-1", intended_epc=EPC, tag_epc=EPC)
    assert info.value.part == "barcode"


def test_wrong_or_missing_tag_fails_on_the_epc(carrier: Carrier) -> None:
    printed = render_png(LabelContent.from_carrier(carrier))
    with pytest.raises(ReadbackError) as info:
        confirm_label(
            printed, serial=carrier.serial, intended_epc=EPC, tag_epc="3414257BF40000000000007B"
        )
    assert info.value.part == "epc" and "3414257BF40000000000007B" in str(info.value)
    with pytest.raises(ReadbackError, match="no EPC") as info:
        confirm_label(printed, serial=carrier.serial, intended_epc=EPC, tag_epc=None)
    assert info.value.part == "epc"


def test_camera_texts_can_be_verified_directly() -> None:
    ok = verify_readback("JM-1", EPC, barcodes=["JM-1", "JM-1"], tag_epc=EPC)
    assert ok.serial == "JM-1"
    with pytest.raises(ReadbackError):
        verify_readback("JM-1", EPC, barcodes=["JM-1", "JM-2"], tag_epc=EPC)


def test_unknown_bytes_are_refused() -> None:
    with pytest.raises(LabelError, match="neither PNG, PDF nor ZPL"):
        confirm_label(b"hello", serial="JM-1", intended_epc=None, tag_epc=None)
