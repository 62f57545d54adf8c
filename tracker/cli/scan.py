"""``tracker scan``: read barcodes from a camera, a video or image file, a folder or a stream.

Prints one line per distinct code (format + text) as it is first read; with ``--json``
one JSON object per line: ``{"format": "Code128"|"DataMatrix"|"QR", "text": …}``.
``--source sim:LEVEL[,LEVEL…]`` films the built-in camera simulator instead.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Annotated

import cv2
import typer

from drivers.camera.capture import CameraStatus, CaptureLoop, Frame
from drivers.camera.decode import DEFAULT_DECODER, make_decoder
from drivers.camera.scanner import scan_frames
from drivers.camera.sources import FrameSource, open_source
from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)

app = typer.Typer(help="Read carrier labels with a camera (barcode scan).", no_args_is_help=False)


def _source(spec: str, fps: float) -> FrameSource:
    if spec.startswith("sim:"):
        from simulators.camera import LEVELS, CameraSimulator, SimulatedCamera

        levels = [lv for lv in spec[4:].split(",") if lv] or ["clean"]
        bad = [lv for lv in levels if lv not in LEVELS]
        if bad:
            raise CameraError(
                f"unknown simulator level(s) {bad}; choose from {', '.join(LEVELS)}",
                zh=f"未知的模拟难度 {bad}，可选：{', '.join(LEVELS)}",
            )
        return SimulatedCamera(CameraSimulator(levels=levels), fps=fps or 15.0, name=spec)
    source = open_source(spec)
    # Fail now, with a clear message, rather than report a live source offline forever.
    source.open()
    source.close()
    return source


@app.callback(invoke_without_command=True)
def scan(
    source: Annotated[
        str,
        typer.Option(
            "--source",
            "-s",
            help="camera index (0), /dev/videoN, video file, image, folder, "
            "rtsp:// or http:// MJPEG URL, or sim:LEVEL",
        ),
    ],
    decoder: Annotated[
        str, typer.Option(help="zxing (reads DataMatrix, default) or zbar")
    ] = DEFAULT_DECODER,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    max_frames: Annotated[int | None, typer.Option(min=1, help="stop after N frames")] = None,
    timeout: Annotated[float | None, typer.Option(min=0.0, help="stop after S seconds")] = None,
    fps: Annotated[float, typer.Option(min=0.0, help="frame-rate cap; 0 = none")] = 0.0,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="search every whole frame (slower; also reports codes the fast pass skips)",
        ),
    ] = False,
) -> None:
    """Print every distinct code read from SOURCE until it ends, N frames, or S seconds."""
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    dec = make_decoder(decoder, stages=("full",) if full else None)
    frame_source = _source(source, fps)

    def on_status(status: CameraStatus) -> None:
        if status.state == "offline":
            typer.echo(f"camera {status.camera} offline: {status.reason}", err=True)
        elif status.state == "online" and status.reconnects:
            typer.echo(f"camera {status.camera} back online", err=True)

    loop = CaptureLoop(frame_source, fps=fps or None, on_status=on_status)
    stop = threading.Event()
    frames = loop.frames(stop, timeout=timeout)
    seen: set[tuple[str, str]] = set()
    count = 0

    def limited() -> Iterator[Frame]:
        nonlocal count
        for frame in frames:
            yield frame
            count += 1
            if max_frames is not None and count >= max_frames:
                return

    try:
        for read in scan_frames(limited(), dec, camera=loop.camera):
            key = (read.code.format, read.code.text)
            if key in seen:
                continue
            seen.add(key)
            if as_json:
                line = json.dumps({"format": key[0], "text": key[1]}, ensure_ascii=False)
                typer.echo(line)
            else:
                typer.echo(f"{key[0]}\t{key[1]}")
    except KeyboardInterrupt:
        stop.set()
    logger.info("scan: %d frames, %d distinct codes", count, len(seen))
