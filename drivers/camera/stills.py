"""Camera frames as JPEG stills (evidence of a door alarm)."""

from __future__ import annotations

from typing import Any

import cv2

from tracker.domain.errors import CameraError


def encode_jpeg(image: Any, quality: int = 85) -> bytes:
    """``image`` (a grey or BGR frame) as JPEG bytes."""
    ok, buf = cv2.imencode(".jpg", image, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    if not ok:
        raise CameraError("the frame could not be encoded as JPEG", zh="画面无法编码为JPEG")
    return bytes(buf.tobytes())
