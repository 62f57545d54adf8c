"""What a label says: fields from the carrier, never the title, reprint marking."""

from __future__ import annotations

import dataclasses
from datetime import date

import pypdfium2 as pdfium
import pytest

from labels import LabelContent, render_pdf, render_zpl
from labels.zpl import parse_format
from labels.zpl_preview import split_job
from tests.labels.conftest import SECRET_TITLE
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier


def test_from_carrier_takes_the_label_fields(carrier: Carrier) -> None:
    c = LabelContent.from_carrier(carrier)
    assert c.marking == "机密★10年" and c.marking_en == "SECRET★10Y"
    assert (c.serial, c.copy_number, c.total_copies) == ("JM-2026-000123", 3, 5)
    assert c.issuing_authority == "国家保密局"
    assert c.received_on == date(2026, 3, 2)
    assert c.epc == "3414257BF400000000BC6038"
    assert (c.lang, c.size_mm, c.reprint) == ("zh", (60.0, 30.0), False)
    texts = c.printed_texts()
    assert texts["marking"] == "机密★10年"
    assert texts["copy"] == "份号 3/5"
    assert texts["received"] == "收到日期 2026-03-02"


def test_title_is_not_in_the_content_at_all(carrier: Carrier) -> None:
    c = LabelContent.from_carrier(carrier)
    values = [str(v) for v in dataclasses.asdict(c).values()]
    assert not any(SECRET_TITLE in v for v in values)
    assert "title" not in {f.name for f in dataclasses.fields(LabelContent)}


def test_title_never_printed_in_pdf_or_zpl(carrier: Carrier) -> None:
    c = LabelContent.from_carrier(carrier)
    doc = pdfium.PdfDocument(render_pdf([c]))
    text = doc[0].get_textpage().get_text_range()
    assert "机密★10年" in text  # the extraction works ...
    assert SECRET_TITLE not in text and "鲲鹏" not in text  # ... and the title is absent
    _, formats = split_job(render_zpl(c))
    printed = " ".join(t.text for t in parse_format(formats[0]).texts)
    assert "鲲鹏" not in printed and SECRET_TITLE not in printed


def test_reprint_is_marked_with_count(carrier: Carrier) -> None:
    assert LabelContent.from_carrier(carrier).reprint_text == ""
    first = LabelContent.from_carrier(carrier, reprint=True)
    assert first.reprint_text == "补打" and first.printed_texts()["reprint"] == "补打"
    third = LabelContent.from_carrier(carrier, reprint=True, reprint_count=3)
    assert third.reprint_text == "补打#3"
    en = LabelContent.from_carrier(carrier, reprint=True, lang="en")
    assert en.reprint_text == "REPRINT"
    with pytest.raises(LabelError):
        LabelContent.from_carrier(carrier, reprint=True, reprint_count=0)


def test_english_label(carrier: Carrier) -> None:
    c = LabelContent.from_carrier(carrier, lang="en")
    assert c.marking == "SECRET★10Y"
    assert c.printed_texts()["serial"] == "No. JM-2026-000123"


@pytest.mark.parametrize("serial", ["机密-1", "JM 2026", "JM^1", "JM~1", ""])
def test_serial_that_cannot_be_barcoded_is_refused(carrier: Carrier, serial: str) -> None:
    carrier.serial = serial
    with pytest.raises(LabelError, match="serial"):
        LabelContent.from_carrier(carrier)


def test_bad_language_size_or_epc_refused(carrier: Carrier) -> None:
    with pytest.raises(LabelError, match="language"):
        LabelContent.from_carrier(carrier, lang="fr")
    with pytest.raises(LabelError, match="size"):
        LabelContent.from_carrier(carrier, size=(10, 5))
    carrier.epc = "not-hex"
    with pytest.raises(LabelError, match="EPC"):
        LabelContent.from_carrier(carrier)


def test_lower_case_epc_is_normalised(carrier: Carrier) -> None:
    carrier.epc = "3414257bf400000000bc6038"
    assert LabelContent.from_carrier(carrier).epc == "3414257BF400000000BC6038"
