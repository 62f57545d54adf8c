"""Camera simulator: frames of real labels, hard the way real cameras are, from a seed.

:class:`CameraSimulator` makes frame ``i`` of a seeded sequence: a label (the project's
renderer, the stand-in of :mod:`simulators.camera_labels`, or any label image you pass)
filmed on a procedural desk at a difficulty level (:data:`LEVELS`). The same frames can
reach the capture code every way a real camera does:

- :class:`SimulatedCamera` — a live frame source object (open / read / close) with
  unplug and replug, for :class:`drivers.camera.capture.CaptureLoop`;
- :class:`MjpegServer` — an HTTP MJPEG camera on 127.0.0.1 read through opencv / FFmpeg;
- :func:`write_video` (MJPG in .avi) and :func:`write_folder` (PNG files).

``python -m simulators.camera serve|video|folder …`` runs it from a shell.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from simulators.camera_labels import label_image
from simulators.camera_mjpeg import MjpegServer
from simulators.camera_scene import FRAME_SIZE, LEVELS, Scene, render_scene, sample_scene
from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)

__all__ = [
    "FRAME_SIZE",
    "LEVELS",
    "CameraSimulator",
    "MjpegServer",
    "SimFrame",
    "SimulatedCamera",
    "write_folder",
    "write_video",
]

DEFAULT_SERIALS = ("JM-2026-000123",)


@dataclass(frozen=True)
class SimFrame:
    """One simulated frame and the truth about it."""

    index: int
    image: np.ndarray  # BGR uint8
    text: str | None  # what the label's codes say; None when no label is in view
    scene: Scene
    quad: np.ndarray | None  # label corners in the frame

    @property
    def whole(self) -> bool:
        """The label is entirely in view and nothing covers it."""
        return self.scene.show_label and self.scene.occlusion == 0

    @property
    def in_focus(self) -> bool:
        """No more blur than a decoder should cope with."""
        return self.scene.in_focus

    @property
    def readable(self) -> bool:
        """Whole and in focus: a frame the default decoder must read."""
        return self.whole and self.in_focus


def _as_array(image: Any) -> np.ndarray:
    """A PIL image or ndarray as a uint8 ndarray (grey or BGR)."""
    if isinstance(image, np.ndarray):
        array = image
    else:  # PIL
        pil = image.convert("L") if image.mode not in ("L", "RGB") else image
        array = np.asarray(pil)
        if array.ndim == 3:
            array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    if array.dtype != np.uint8:
        raise ValueError(f"label image must be uint8, got {array.dtype}")
    return array


class CameraSimulator:
    """Deterministic frames: frame ``i`` depends only on (``seed``, ``i``) and the inputs.

    ``texts``: what the labels carry (serials; default: the keys of ``labels``, else one
    sample serial), cycled every ``len(levels)`` frames;
    ``levels``: one level or a sequence cycled frame by frame; ``labels``: label images
    (PIL or ndarray) by text, overriding ``renderer`` (``auto`` = the project's label
    renderer when present, else the stand-in; ``stand-in``; ``real``).
    """

    def __init__(
        self,
        texts: Sequence[str] | None = None,
        *,
        levels: str | Sequence[str] = "clean",
        seed: int = 0,
        size: tuple[int, int] = FRAME_SIZE,
        labels: Mapping[str, Any] | None = None,
        renderer: str = "auto",
    ) -> None:
        self.levels = (levels,) if isinstance(levels, str) else tuple(levels)
        for level in self.levels:
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
        self.texts = tuple(texts or ()) or tuple(labels or ()) or DEFAULT_SERIALS
        self.seed = seed
        self.size = size
        self.renderer = renderer
        self._labels = {k: _as_array(v) for k, v in (labels or {}).items()}
        self._lock = threading.Lock()

    def label(self, text: str) -> np.ndarray:
        """The label image for ``text`` (rendered once, then cached)."""
        with self._lock:
            if text not in self._labels:
                self._labels[text] = label_image(text, renderer=self.renderer)
            return self._labels[text]

    def frame(self, index: int) -> SimFrame:
        """Frame ``index`` of this simulator's sequence."""
        level = self.levels[index % len(self.levels)]
        text = self.texts[(index // len(self.levels)) % len(self.texts)]
        rng = np.random.default_rng([self.seed, index])
        lab = self.label(text)
        scene = sample_scene(level, rng, self.size, aspect=lab.shape[0] / lab.shape[1])
        image, quad = render_scene(scene, lab, rng, self.size)
        return SimFrame(index, image, text if scene.show_label else None, scene, quad)

    def frames(self, count: int, start: int = 0) -> Iterator[SimFrame]:
        """Frames ``start`` … ``start + count - 1``."""
        for i in range(start, start + count):
            yield self.frame(i)


class SimulatedCamera:
    """A live frame source (same methods as a real camera source) that films a simulator.

    It delivers at most ``fps`` frames a second (a real camera does not give frames
    faster than its rate) and cycles over the first ``loop`` frames, rendered once.
    :meth:`unplug` makes it fail like a pulled USB camera until :meth:`replug`;
    ``stop_after`` frames makes it go silent (no frame, as a hung camera).
    """

    live = True

    def __init__(
        self,
        simulator: CameraSimulator,
        *,
        fps: float = 15.0,
        loop: int = 8,
        name: str = "simulated camera",
        stop_after: int | None = None,
    ) -> None:
        self.simulator = simulator
        self.fps = fps
        self.loop = max(1, loop)
        self.name = name
        self.stop_after = stop_after
        self.frames_read = 0
        self._cache: dict[int, np.ndarray] = {}
        self._plugged = threading.Event()
        self._plugged.set()
        self._open = False
        self._next_at = 0.0

    def unplug(self) -> None:
        """From now on reads fail and opening raises CameraError."""
        self._plugged.clear()

    def replug(self) -> None:
        """The camera is back: the next open succeeds."""
        self._plugged.set()

    def open(self) -> None:
        """Open the camera; CameraError while unplugged."""
        if not self._plugged.is_set():
            raise CameraError(f"{self.name} is not connected", zh=f"{self.name} 未连接")
        self._open = True
        self._next_at = time.monotonic()

    def read(self) -> np.ndarray | None:
        """The next frame at the camera's pace; None when unplugged, closed or silent."""
        if not self._open or not self._plugged.is_set():
            time.sleep(min(0.05, 1 / self.fps))
            return None
        if self.stop_after is not None and self.frames_read >= self.stop_after:
            time.sleep(1 / self.fps)
            return None
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at + 1 / self.fps, time.monotonic() - 1 / self.fps)
        key = self.frames_read % self.loop
        if key not in self._cache:
            self._cache[key] = self.simulator.frame(key).image
        self.frames_read += 1
        return self._cache[key]

    def close(self) -> None:
        """Close the camera."""
        self._open = False


def _writable(frames: Iterable[SimFrame | np.ndarray]) -> Iterator[np.ndarray]:
    for f in frames:
        yield f.image if isinstance(f, SimFrame) else f


def write_video(
    frames: Iterable[SimFrame | np.ndarray], path: str | Path, *, fps: float = 10.0
) -> Path:
    """Write frames to a video file (MJPG in .avi, which every opencv build can read)."""
    path = Path(path)
    writer: cv2.VideoWriter | None = None
    count = 0
    try:
        for image in _writable(frames):
            if writer is None:
                height, width = image.shape[:2]
                writer = cv2.VideoWriter(
                    str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height)
                )
                if not writer.isOpened():
                    raise OSError(f"opencv cannot write a video to {path}")
            writer.write(image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise ValueError("no frames to write")
    return path


def write_folder(
    frames: Iterable[SimFrame | np.ndarray], folder: str | Path, *, ext: str = ".png"
) -> list[Path]:
    """Write frames as numbered image files (sorted name order = frame order)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(_writable(frames)):
        path = folder / f"frame_{i:05d}{ext}"
        if not cv2.imwrite(str(path), image):
            raise OSError(f"opencv cannot write {path}")
        paths.append(path)
    return paths


def mjpeg_server(
    simulator: CameraSimulator, *, fps: float = 15.0, loop: int = 8, port: int = 0
) -> MjpegServer:
    """An (unstarted) MJPEG server streaming the simulator's first ``loop`` frames."""

    def frame_at(index: int) -> np.ndarray:
        return simulator.frame(index).image

    return MjpegServer(frame_at, fps=fps, port=port, loop=loop)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m simulators.camera serve|video|folder``: run the simulator from a shell."""
    parser = argparse.ArgumentParser(prog="python -m simulators.camera", description=__doc__)
    parser.add_argument("what", choices=["serve", "video", "folder"])
    parser.add_argument("--level", action="append", choices=LEVELS, help="repeatable")
    parser.add_argument("--serial", action="append", help="label text (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=30, help="frames (video / folder / loop)")
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", help="output file (video) or folder")
    args = parser.parse_args(argv)
    sim = CameraSimulator(
        args.serial or DEFAULT_SERIALS, levels=args.level or ["clean"], seed=args.seed
    )
    if args.what == "serve":
        server = mjpeg_server(sim, fps=args.fps, loop=args.count, port=args.port).start()
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.kill()
        return
    if not args.out:
        parser.error("--out is required")
    if args.what == "video":
        print(write_video(sim.frames(args.count), args.out, fps=args.fps))
    else:
        print(Path(args.out), len(write_folder(sim.frames(args.count), args.out)), "frames")


if __name__ == "__main__":
    main()
