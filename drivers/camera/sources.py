"""Frame sources: where camera frames come from, chosen by a string.

``open_source(spec)`` understands

- a camera device: ``0``, ``1`` … or ``/dev/video0`` (live),
- a network stream: ``rtsp://…``, ``rtsps://…``, ``http(s)://…`` MJPEG (live),
- a video file (``.avi``, ``.mp4``, ``.mkv`` …),
- an image file, or a folder of images read in sorted name order.

Every source has the same three methods (:class:`FrameSource`); live sources can fail
and be reopened by the capture loop, file sources simply end. Opening something that
cannot be read raises :class:`CameraError` with the source named in the message.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm"}
)
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
_DEVICE_PATH = re.compile(r"^/dev/video(\d+)$")

# FFmpeg waits this long (seconds) to connect to / hear from a network stream before
# giving up, so a dead or hung stream is noticed in seconds rather than hanging the loop.
STREAM_TIMEOUT = 3.0


@runtime_checkable
class FrameSource(Protocol):
    """Anything that yields BGR (or grey) uint8 frames: a camera, a file, a simulator."""

    name: str
    live: bool  # live sources are reopened when they fail; file sources end

    def open(self) -> None:
        """Open the source; raise :class:`CameraError` if it cannot be read."""
        ...

    def read(self) -> np.ndarray | None:
        """The next frame, or None (a file source has ended / a live one failed to read)."""
        ...

    def close(self) -> None:
        """Release the source; opening it again must work."""
        ...


class VideoCaptureSource:
    """A source read through ``cv2.VideoCapture``: a device, a stream or a video file."""

    def __init__(
        self,
        target: str | int,
        *,
        live: bool,
        name: str | None = None,
        timeout: float = STREAM_TIMEOUT,
    ) -> None:
        self.target = target
        self.live = live
        self.name = name or str(target)
        self.timeout_ms = round(timeout * 1000)
        self._cap: cv2.VideoCapture | None = None
        self.frames_read = 0

    def _capture(self) -> cv2.VideoCapture:
        if isinstance(self.target, int):
            return cv2.VideoCapture(self.target)
        if self.target.startswith(STREAM_SCHEMES):
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                self.timeout_ms,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                self.timeout_ms,
            ]
            return cv2.VideoCapture(self.target, cv2.CAP_FFMPEG, params)
        return cv2.VideoCapture(self.target)

    def open(self) -> None:
        """Open the device, stream or file; CameraError when opencv cannot."""
        self.close()
        cap = self._capture()
        if not cap.isOpened():
            cap.release()
            if isinstance(self.target, int) or (
                self.live and not self.target.startswith(STREAM_SCHEMES)
            ):
                en, zh = f"camera device {self.target}", f"摄像头 {self.target}"
            elif self.live:
                en, zh = f"stream {self.name}", f"视频流 {self.name}"
            else:
                en, zh = f"video file {self.name}", f"视频文件 {self.name}"
            raise CameraError(f"cannot open {en}", zh=f"无法打开{zh}")
        self._cap = cap
        self.frames_read = 0

    def read(self) -> np.ndarray | None:
        """The next frame, or None when the device/stream gave none or the file ended."""
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok or frame is None or frame.size == 0:
            return None
        self.frames_read += 1
        return np.asarray(frame)

    def close(self) -> None:
        """Release the capture."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """Image files read one per frame, in sorted name order (a single file is a folder of one).

    An unreadable image in a folder is skipped with a warning and counted in
    ``skipped``; a single unreadable image file, or a folder with no readable image,
    raises :class:`CameraError`.
    """

    live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._files: list[Path] = []
        self._next = 0
        self.skipped: list[Path] = []
        self.frames_read = 0

    def open(self) -> None:
        """List the images; CameraError if there are none."""
        if self.path.is_dir():
            files = sorted(
                p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
            )
            if not files:
                raise CameraError(
                    f"no image files in folder {self.path}",
                    zh=f"文件夹 {self.path} 中没有图像文件",
                )
        elif self.path.is_file():
            files = [self.path]
        else:
            raise CameraError(f"no such file or folder: {self.path}", zh=f"找不到文件：{self.path}")
        self._files = files
        self._next = 0
        self.skipped = []
        self.frames_read = 0

    def read(self) -> np.ndarray | None:
        """The next readable image, or None at the end."""
        while self._next < len(self._files):
            path = self._files[self._next]
            self._next += 1
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None and image.size > 0:
                self.frames_read += 1
                return np.asarray(image)
            self.skipped.append(path)
            if len(self._files) == 1:
                raise CameraError(
                    f"image file {path} is corrupt or not an image",
                    zh=f"图像文件 {path} 已损坏或不是图像",
                )
            logger.warning("skipping unreadable image %s", path)
        if self.frames_read == 0 and self._files:
            raise CameraError(
                f"no readable image in {self.path} ({len(self.skipped)} unreadable)",
                zh=f"{self.path} 中没有可读的图像（{len(self.skipped)} 个无法读取）",
            )
        return None

    def close(self) -> None:
        """Nothing to release."""
        self._next = len(self._files)


def open_source(spec: str, *, timeout: float = STREAM_TIMEOUT) -> FrameSource:
    """Make a (not yet opened) source from ``spec``; CameraError if it cannot be one.

    ``0`` / ``/dev/video0``: camera device; ``rtsp://`` / ``http://`` …: network stream
    (``timeout``: seconds to wait to connect or for a frame); a folder: its images in
    sorted order; an image file; anything else: a video file.
    """
    spec = spec.strip()
    if not spec:
        raise CameraError("empty camera source", zh="摄像头来源为空")
    if spec.isdigit():
        return VideoCaptureSource(int(spec), live=True, name=f"camera {spec}")
    if spec.startswith(STREAM_SCHEMES):
        return VideoCaptureSource(spec, live=True, timeout=timeout)
    match = _DEVICE_PATH.match(spec)
    if match or spec.startswith("/dev/"):
        return VideoCaptureSource(spec, live=True)
    path = Path(spec)
    if not path.exists():
        raise CameraError(f"no such file, folder or device: {spec}", zh=f"找不到来源：{spec}")
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFolderSource(path)
    return FileVideoSource(path)


class FileVideoSource(VideoCaptureSource):
    """A video file; a file opencv opens but cannot decode a single frame of is an error."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(str(path), live=False)

    def read(self) -> np.ndarray | None:
        """The next frame; CameraError if the file has no decodable frame at all."""
        frame = super().read()
        if frame is None and self.frames_read == 0 and self._cap is not None:
            raise CameraError(
                f"video file {self.name} is corrupt or has no frames",
                zh=f"视频文件 {self.name} 已损坏或没有画面",
            )
        return frame
