"""ZPL jobs: the commands an RFID Zebra needs, fields parsed back, exact font subset."""

from __future__ import annotations

import io
import re

import pytest
from fontTools.ttLib import TTFont

from labels import LabelContent, render_zpl
from labels.render_zpl import escape_field
from labels.zpl import Download, Format, ZplStream, parse_format
from labels.zpl_preview import missing_glyphs, preview_job, split_job
from tests.labels.conftest import decode, rotate
from tracker.domain.errors import LabelError
from tracker.domain.model import Carrier

EPC = "3414257BF400000000BC6038"


def _job(content: LabelContent, dpmm: int = 8) -> tuple[dict[str, bytes], Format, bytes]:
    job = render_zpl(content, dpmm)
    fonts, formats = split_job(job)
    assert len(formats) == 1
    return fonts, formats[0], job


def test_job_downloads_a_font_then_one_format(carrier: Carrier) -> None:
    fonts, fmt, job = _job(LabelContent.from_carrier(carrier))
    header = re.match(rb"~DYR:(L[0-9A-F]{7})\.TTF,B,T,(\d+),,", job)
    assert header is not None
    size = int(header.group(2))
    assert job[header.end() : header.end() + 4] == b"\x00\x01\x00\x00"  # a TrueType file
    assert job.index(b"^XA") > header.end() + size - 1  # the format follows the font
    assert list(fonts) == [f"R:{header.group(1).decode()}.TTF"]
    raw = fmt.raw.decode()
    for command in ("^CI28", "^RS8,,,3,E", f"^RFW,H,,,A^FD{EPC}^FS", "^BC", "^BX", "^A@", "^XZ"):
        assert command in raw


def test_fields_parse_back(carrier: Carrier) -> None:
    fonts, fmt, _ = _job(LabelContent.from_carrier(carrier, reprint=True))
    p = parse_format(fmt)
    assert p.charset == 28
    assert p.rfid_writes == [EPC]
    assert p.rfid_retries == 3 and p.rfid_error_action == "E"
    code = p.barcode("code128")
    matrix = p.barcode("datamatrix")
    assert code is not None and code.data == "JM-2026-000123"
    assert matrix is not None and matrix.data == "JM-2026-000123" and matrix.params[2] == "200"
    texts = [t.text for t in p.texts]
    assert texts[0] == "补打" or "机密★10年" in texts
    assert {
        "机密★10年",
        "补打",
        "编号 JM-2026-000123",
        "份号 3/5",
        "制发机关 国家保密局",
        "收到日期 2026-03-02",
        f"EPC {EPC}",
    } <= set(texts)
    assert next(t for t in p.texts if t.text == "补打").reverse
    assert p.fonts == set(fonts)
    # the tag is read back and returned to the host
    assert p.rfid_reads == [1]
    (hv,) = p.verifies
    assert (hv.number, hv.length, hv.header, hv.terminator) == (1, 24, "EPC[", "]\r\n")


def test_font_subset_holds_exactly_the_printed_characters(carrier: Carrier) -> None:
    fonts, fmt, _ = _job(LabelContent.from_carrier(carrier))
    (data,) = fonts.values()
    with TTFont(io.BytesIO(data)) as tt:
        cmap = set(tt.getBestCmap())
    printed = {ord(ch) for t in parse_format(fmt).texts for ch in t.text}
    assert cmap == printed | {ord(" ")}
    assert missing_glyphs(parse_format(fmt), fonts) == []
    assert len(data) < 20_000  # a subset, not the 5 MB CJK font


def test_text_with_zpl_characters_is_escaped(carrier: Carrier) -> None:
    carrier.issuing_authority = "A^B~C_D局"
    _, fmt, _ = _job(LabelContent.from_carrier(carrier))
    assert "A^B" not in fmt.raw.decode()
    texts = [t.text for t in parse_format(fmt).texts]
    assert "制发机关 A^B~C_D局" in texts
    assert escape_field("_^~") == "_5F_5E_7E"


def test_label_without_epc_has_no_rfid_commands(carrier: Carrier) -> None:
    carrier.epc = None
    _, fmt, _ = _job(LabelContent.from_carrier(carrier))
    p = parse_format(fmt)
    assert p.rfid_writes == [] and p.verifies == [] and "^RS" not in fmt.raw.decode()


def test_resolution_sets_page_size(carrier: Carrier) -> None:
    _, fmt8, _ = _job(LabelContent.from_carrier(carrier), dpmm=8)
    _, fmt12, _ = _job(LabelContent.from_carrier(carrier), dpmm=12)
    assert (parse_format(fmt8).width, parse_format(fmt8).length) == (480, 240)
    assert (parse_format(fmt12).width, parse_format(fmt12).length) == (720, 360)
    with pytest.raises(LabelError, match="dots/mm"):
        render_zpl(LabelContent.from_carrier(carrier), dpmm=7)


@pytest.mark.parametrize("dpmm", [8, 12])
def test_preview_of_the_job_decodes(carrier: Carrier, dpmm: int) -> None:
    (image,) = preview_job(render_zpl(LabelContent.from_carrier(carrier), dpmm))
    want = {"JM-2026-000123"}
    assert decode(image) == {"Code128": want, "DataMatrix": want}
    assert decode(rotate(image, 30)).get("DataMatrix") == want


def test_stream_splits_byte_by_byte_like_whole(carrier: Carrier) -> None:
    job = render_zpl(LabelContent.from_carrier(carrier)) + b"~HS" + b"garbage\r\n"
    job += render_zpl(LabelContent.from_carrier(carrier, reprint=True))
    whole = ZplStream().feed(job)
    stream = ZplStream()
    pieces = [item for i in range(len(job)) for item in stream.feed(job[i : i + 1])]
    assert pieces == whole
    kinds = [type(i).__name__ for i in whole]
    assert kinds == ["Download", "Format", "Control", "Download", "Format"]
    assert isinstance(whole[0], Download) and whole[0].ext == "T"


def test_preview_refuses_job_whose_font_was_not_downloaded(carrier: Carrier) -> None:
    job = render_zpl(LabelContent.from_carrier(carrier))
    only_format = job[job.index(b"^XA") :]
    with pytest.raises(LabelError, match="not downloaded"):
        preview_job(only_format)
    with pytest.raises(LabelError, match="ends inside"):
        preview_job(job[:-5])
