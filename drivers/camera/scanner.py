"""Frames in, scans out: the glue between capture, decoding and deduplication.

:func:`scan_frames` is what a door/safe camera runs: decode each frame, drop repeats,
yield :class:`Read` events. A frame the decoder chokes on is logged and skipped —
one bad frame never ends a camera's loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from drivers.camera.capture import Frame
from drivers.camera.decode import Code, Decoder
from drivers.camera.dedup import Deduplicator
from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Read:
    """A code read by ``camera`` in frame ``frame`` at monotonic time ``at``."""

    camera: str
    code: Code
    at: float
    frame: int


def scan_frames(
    frames: Iterable[Frame],
    decoder: Decoder,
    *,
    camera: str = "camera",
    dedup: Deduplicator | None = None,
) -> Iterator[Read]:
    """Decode every frame; with ``dedup``, only the reads that are new scans."""
    for frame in frames:
        try:
            codes = decoder.decode(frame.image)
        except CameraError as exc:
            logger.warning("camera %s frame %d skipped: %s", camera, frame.index, exc)
            continue
        except Exception:  # a decoder crash on one frame must not stop the loop
            logger.exception("camera %s: decoder failed on frame %d", camera, frame.index)
            continue
        if dedup is not None:
            codes = dedup.filter(codes, frame.at)
        for code in codes:
            yield Read(camera, code, frame.at, frame.index)
