"""Both decoders on simulator frames: what a user can rely on, and what each cannot do."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from drivers.camera.decode import FORMATS, CascadeDecoder, Code, ZxingReader, make_decoder, to_gray
from simulators.camera import CameraSimulator
from simulators.camera_labels import datamatrix_image, stand_in_label
from tracker.domain.errors import CameraError

SERIAL = "JM-2026-000123"


def _reads(decoder, frames, fmt: str | None = None) -> int:
    hits = 0
    for f in frames:
        codes = decoder.decode(cv2.cvtColor(f.image, cv2.COLOR_BGR2GRAY))
        hits += any(c.text == f.text and (fmt is None or c.format == fmt) for c in codes)
    return hits


def test_zxing_reads_clean_and_rotated_frames_via_datamatrix(frames_of):
    frames = frames_of("clean", 10) + frames_of("rotated", 10)
    # Only DataMatrix: the 2-D code is what makes a label shown at any angle readable.
    decoder = make_decoder("zxing", formats=("DataMatrix",))
    assert _reads(decoder, frames, "DataMatrix") >= 19  # ≥ 95 %


@pytest.mark.parametrize("level", ["noisy", "perspective", "glare"])
def test_zxing_default_reads_whole_in_focus_frames(frames_of, level):
    frames = frames_of(level, 8)
    assert all(f.readable for f in frames)
    assert _reads(make_decoder(), frames) >= 7


def test_zxing_reads_most_hard_frames_and_blur_is_allowed_to_fail(frames_of):
    decoder = make_decoder()
    assert _reads(decoder, frames_of("hard", 8)) >= 5
    blurred = frames_of("blurred", 6)
    assert not any(f.in_focus for f in blurred)
    # No promise for blurred frames, but a decoder must not invent codes on them.
    for f in blurred:
        for code in decoder.decode(f.image):
            assert code.text == SERIAL


def test_zbar_reads_code128_of_clean_upright_labels(frames_of):
    frames = frames_of("clean", 10)
    assert _reads(make_decoder("zbar"), frames, "Code128") >= 7


def test_zbar_cannot_read_datamatrix_nor_steeply_rotated_code128(frames_of):
    decoder = make_decoder("zbar")
    matrix = np.asarray(datamatrix_image(SERIAL, module_px=8))
    assert decoder.decode(np.pad(matrix, 40, constant_values=255)) == []
    assert make_decoder("zxing").decode(np.pad(matrix, 40, constant_values=255))[0].text == SERIAL
    steep = [f for f in frames_of("rotated", 10) if 25 <= abs(f.scene.angle) % 180 <= 155]
    assert steep
    assert _reads(decoder, steep) <= len(steep) // 4


def test_qr_codes_read_by_both_with_normalised_format_names():
    qr = zxingcpp.create_barcode("https://example.org/é", zxingcpp.BarcodeFormat.QRCode)
    qr_img = np.kron(np.asarray(qr.to_image(scale=1)), np.ones((9, 9), np.uint8))
    sim = CameraSimulator(["https://example.org/é"], labels={"https://example.org/é": qr_img})
    frame = sim.frame(0)
    for name in ("zxing", "zbar"):
        codes = make_decoder(name).decode(frame.image)
        assert [(c.format, c.text) for c in codes] == [("QR", "https://example.org/é")]


def test_formats_are_exactly_the_three_names():
    codes = make_decoder(stages=("full",)).decode(np.asarray(stand_in_label(SERIAL)))
    assert {(c.format, c.text) for c in codes} == {("Code128", SERIAL), ("DataMatrix", SERIAL)}
    assert set(FORMATS) == {"Code128", "DataMatrix", "QR"}


def test_corners_are_in_full_frame_coordinates(frames_of):
    frame = frames_of("clean", 1)[0]
    decoder = make_decoder()  # finds it in the half-size view
    (code,) = decoder.decode(frame.image)
    assert decoder.stage_hits["downscale"] == 1
    x, y, w, h = code.bbox
    centre = (x + w / 2, y + h / 2)
    quad = frame.quad.reshape(-1, 1, 2)
    assert cv2.pointPolygonTest(quad, centre, False) > 0
    assert w > 40 and h > 40  # a DataMatrix of ~80-160 px, not a half-size box


def test_cascade_falls_back_to_the_full_frame_for_a_small_label():
    label = np.asarray(stand_in_label(SERIAL))
    small = cv2.resize(label, None, fx=0.22, fy=0.22, interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280), 150, np.uint8)
    frame[300 : 300 + small.shape[0], 500 : 500 + small.shape[1]] = small
    decoder = make_decoder()
    codes = decoder.decode(frame)
    assert SERIAL in {c.text for c in codes}
    assert decoder.stage_hits == {"downscale": 0, "full": 1}


def test_roi_stage_reads_only_the_configured_region(frames_of):
    frame = frames_of("clean", 1)[0]
    x, y, w, h = cv2.boundingRect(frame.quad.astype(np.int32))
    decoder = make_decoder(roi=(x, y, w, h))
    assert decoder.stages[0] == "roi"
    assert SERIAL in {c.text for c in decoder.decode(frame.image)}
    assert decoder.stage_hits["roi"] == 1


def test_empty_frames_and_foreign_codes_never_raise():
    decoder = make_decoder()
    assert decoder.decode(np.zeros((720, 1280), np.uint8)) == []
    assert decoder.decode(np.full((5, 5, 3), 255, np.uint8)) == []
    foreign = zxingcpp.create_barcode("NOT-OURS 12345 ☃", zxingcpp.BarcodeFormat.DataMatrix)
    img = np.kron(np.asarray(foreign.to_image(scale=1)), np.ones((6, 6), np.uint8))
    assert [c.text for c in decoder.decode(np.pad(img, 30, constant_values=255))] == [
        "NOT-OURS 12345 ☃"
    ]


def test_bad_frames_and_names_give_clear_errors():
    with pytest.raises(CameraError, match="uint8"):
        to_gray(np.zeros((10, 10), np.float32))
    with pytest.raises(CameraError, match="shape"):
        to_gray(np.zeros((10, 10, 2), np.uint8))
    with pytest.raises(CameraError, match="unknown decoder"):
        make_decoder("opencv")
    with pytest.raises(ValueError, match="formats"):
        ZxingReader(("EAN13",))
    with pytest.raises(ValueError, match="scale"):
        CascadeDecoder(ZxingReader(), scale=0)


def test_zbar_asked_only_for_datamatrix_reads_nothing():
    decoder = make_decoder("zbar", formats=("DataMatrix",))
    assert decoder.reader.formats == ()
    assert decoder.decode(np.full((100, 100), 255, np.uint8)) == []


def test_code_bbox_and_move():
    code = Code("QR", "x", ((10.0, 20.0), (30.0, 20.0), (30.0, 50.0), (10.0, 50.0)))
    assert code.bbox == (10, 20, 20, 30)
    assert code.moved(2, 2, 5, 0).bbox == (25, 40, 40, 60)
    assert Code("QR", "x").bbox == (0, 0, 0, 0)
