"""PDF labels: one label per page or A4 sheets; CJK font embedded; decodable."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from labels import LabelContent, render_pdf
from labels.readback import _pdftoppm, rasterise_pdf
from labels.render_pdf import sheet_grid
from tests.labels.conftest import decode, rotate
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier


def test_single_label_page_is_label_sized(carrier: Carrier) -> None:
    doc = pdfium.PdfDocument(render_pdf([LabelContent.from_carrier(carrier)]))
    assert len(doc) == 1
    w, h = doc[0].get_size()
    assert (round(w / 72 * 25.4, 1), round(h / 72 * 25.4, 1)) == (60.0, 30.0)


def test_pdf_decodes_both_barcodes_after_rasterising(carrier: Carrier) -> None:
    (page,) = rasterise_pdf(render_pdf([LabelContent.from_carrier(carrier)]))
    want = {"JM-2026-000123"}
    assert decode(page) == {"Code128": want, "DataMatrix": want}
    assert decode(rotate(page, 30)).get("DataMatrix") == want


def test_cjk_font_is_embedded_and_text_is_real_text(carrier: Carrier) -> None:
    data = render_pdf([LabelContent.from_carrier(carrier, reprint=True)])
    assert b"/FontFile2" in data  # TrueType program embedded
    assert b"WenQuanYi" in data or b"Noto" in data
    text = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    for expected in ("机密★10年", "补打", "编号 JM-2026-000123", "制发机关 国家保密局"):
        assert expected in text


def test_pdftoppm_fallback_rasterises_the_same(carrier: Carrier) -> None:
    # Production may run without pypdfium2 (a dev extra); poppler's pdftoppm serves.
    (page,) = _pdftoppm(render_pdf([LabelContent.from_carrier(carrier)]), 300)
    assert decode(page).get("Code128") == {"JM-2026-000123"}


def test_a4_sheets_hold_a_grid_of_labels() -> None:
    assert sheet_grid((60, 30)) == (3, 8)
    contents = [LabelContent.sample(serial=f"JM-2026-{i:06d}") for i in range(50)]
    data = render_pdf(contents, sheet="a4")
    doc = pdfium.PdfDocument(data)
    assert len(doc) == 3  # 24 + 24 + 2
    w, h = doc[0].get_size()
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (210, 297)
    pages = rasterise_pdf(data, dpi=300)
    first = decode(pages[0])
    want = {f"JM-2026-{i:06d}" for i in range(24)}
    assert first["Code128"] == want and first["DataMatrix"] == want
    assert decode(pages[2])["DataMatrix"] == {"JM-2026-000048", "JM-2026-000049"}


def test_a4_sheet_refuses_mixed_sizes_and_empty_input() -> None:
    mixed = [LabelContent.sample(), LabelContent.sample(size=(100, 50))]
    with pytest.raises(LabelError, match="same size"):
        render_pdf(mixed, sheet="a4")
    with pytest.raises(LabelError):
        render_pdf([])
    with pytest.raises(LabelError, match="sheet"):
        render_pdf([LabelContent.sample()], sheet="letter")
