"""A camera someone shows labels to: empty desk frames until :meth:`ShowCamera.show` holds
a carrier's label in front of it for a while (at a safe, or at a door)."""

from __future__ import annotations

import threading
import time

import numpy as np

from simulators.camera import CameraSimulator
from tracker.domain.errors import CameraError


class ShowCamera:
    """A live frame source (the interface of ``drivers.camera`` sources)."""

    live = True

    def __init__(
        self,
        name: str = "show camera",
        *,
        fps: float = 10.0,
        level: str = "rotated",
        seed: int = 0,
        size: tuple[int, int] = (640, 360),
    ) -> None:
        self.name, self.fps, self.level, self.seed, self.size = name, fps, level, seed, size
        # Frames are handed out read-only and reused while the scene stands still, as a
        # still source may: the gateway then does not decode the same image again.
        self._empty = _still(
            CameraSimulator(["-"], levels="empty", seed=seed, size=size).frame(0).image
        )
        self._frames: dict[str, list[np.ndarray]] = {}
        self._showing: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self._open = False
        self._plugged = True
        self._i = 0

    def show(self, serial: str, seconds: float = 1.5) -> None:
        """Hold ``serial``'s label in view for ``seconds``."""
        frames = self._frames.get(serial)
        if frames is None:
            sim = CameraSimulator([serial], levels=self.level, seed=self.seed, size=self.size)
            frames = [_still(sim.frame(i).image) for i in range(3)]
            self._frames[serial] = frames
        with self._lock:
            self._showing = (serial, time.monotonic() + seconds)

    def unplug(self) -> None:
        """The camera is pulled: reads fail until :meth:`replug`."""
        self._plugged = False

    def replug(self) -> None:
        """The camera is back."""
        self._plugged = True

    def open(self) -> None:
        """Open the camera (CameraError while unplugged)."""
        if not self._plugged:
            raise CameraError(f"{self.name} is not connected", zh=f"{self.name} 未连接")
        self._open = True

    def read(self) -> np.ndarray | None:
        """The next frame at the camera's pace."""
        time.sleep(1 / self.fps)
        if not self._open or not self._plugged:
            return None
        with self._lock:
            showing = self._showing
            if showing and time.monotonic() > showing[1]:
                self._showing = showing = None
        self._i += 1
        if showing is None:
            return self._empty
        frames = self._frames[showing[0]]
        return frames[self._i % len(frames)]

    def close(self) -> None:
        """Close the camera."""
        self._open = False


def _still(image: np.ndarray) -> np.ndarray:
    """A read-only copy of ``image``: nothing can change it while it is handed out."""
    frozen = image.copy()
    frozen.setflags(write=False)
    return frozen
