"""Camera barcode scanning: capture, decoding, deduplication and safe/door scan logic.

The pieces, in the order a frame meets them::

    open_source("0" | "/dev/video0" | "rtsp://…" | "http://…mjpg" | file | folder)
      → CaptureLoop(source, fps=…, on_status=…).frames()      # Frame(index, at, image)
      → make_decoder("zxing" | "zbar").decode(frame.image)     # [Code(format, text, corners)]
      → Deduplicator(window).filter(codes, frame.at)           # or scan_frames(...)
      → SafeScanner(camera, safe, mode).feed(codes, at, known) # [SafeScan]
      → DoorScanner(camera, door).feed(codes, at)              # [DoorScan]
      → find_shielded(door_scans, rfid_sightings, window=W)    # [ShieldedSuspect]

A live source that stops giving frames is reported through ``on_status`` as
``CameraStatus(state="offline")`` and reopened with backoff; a file that cannot be read
raises ``CameraError``. Times are ``time.monotonic()`` seconds throughout.
"""

from __future__ import annotations

from drivers.camera.capture import Backoff, CameraStatus, CaptureLoop, Frame
from drivers.camera.decode import DEFAULT_DECODER, FORMATS, Code, Decoder, make_decoder
from drivers.camera.dedup import Deduplicator
from drivers.camera.scan import (
    DoorScan,
    DoorScanner,
    RfidSighting,
    SafeScan,
    SafeScanner,
    ShieldCorrelator,
    ShieldedSuspect,
    find_shielded,
)
from drivers.camera.scanner import Read, scan_frames
from drivers.camera.sources import FrameSource, open_source

__all__ = [
    "DEFAULT_DECODER",
    "FORMATS",
    "Backoff",
    "CameraStatus",
    "CaptureLoop",
    "Code",
    "Decoder",
    "Deduplicator",
    "DoorScan",
    "DoorScanner",
    "Frame",
    "FrameSource",
    "Read",
    "RfidSighting",
    "SafeScan",
    "SafeScanner",
    "ShieldCorrelator",
    "ShieldedSuspect",
    "find_shielded",
    "make_decoder",
    "open_source",
    "scan_frames",
]
