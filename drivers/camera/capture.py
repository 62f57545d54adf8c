"""The frame loop: one loop for cameras, streams, files and simulators.

:class:`CaptureLoop` turns a :class:`~drivers.camera.sources.FrameSource` into an
iterator of :class:`Frame`, capped at ``fps``.

- **File sources** (video file, image, folder) are read in order, every frame, and
  end. A file that cannot be read raises :class:`CameraError`.
- **Live sources** (device, stream, simulator) are read by a background thread that
  keeps only the newest frame, so a slow decoder skips frames instead of falling
  behind the camera. When the source stops giving frames the loop reports it
  *offline* (:class:`CameraStatus` to ``on_status``), closes it and reopens it with
  capped exponential backoff; the first frame after that reports *online* again.
  Nothing a source or a callback does can end a live loop; only ``stop`` does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from drivers.camera.sources import FrameSource, open_source
from tracker.domain.errors import CameraError

logger = logging.getLogger(__name__)

State = Literal["starting", "online", "offline", "ended"]


@dataclass(frozen=True)
class Frame:
    """One captured frame; ``at`` is ``time.monotonic()`` when it was read."""

    index: int
    at: float
    image: np.ndarray


@dataclass(frozen=True)
class CameraStatus:
    """A change of a camera's state; ``offline`` is what the gateway turns into an alert.

    ``reconnects``: how many times the source was lost after having delivered frames
    (the first ``online`` has 0; the ``online`` after one outage has 1).
    """

    camera: str
    state: State
    reason: str
    at: float
    reconnects: int


#: The longest a live loop waits for the grabber's next frame before it looks at its
#: stop event again (a new frame wakes it at once).
FRAME_WAIT = 0.25


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff between reopen attempts of a live source (seconds)."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 10.0

    def delays(self) -> Iterator[float]:
        """0.5, 1, 2, 4 … up to ``maximum`` and then ``maximum`` forever."""
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


class CaptureLoop:
    """Read frames from a source at most ``fps`` a second; see the module docstring.

    ``fail_after``: consecutive failed reads of a live source before it is declared
    offline (a stream hiccup of one frame is not an outage).
    """

    def __init__(
        self,
        source: FrameSource | str,
        *,
        camera: str | None = None,
        fps: float | None = None,
        on_status: Callable[[CameraStatus], None] | None = None,
        backoff: Backoff | None = None,
        fail_after: int = 3,
    ) -> None:
        self.source = open_source(source) if isinstance(source, str) else source
        self.camera = camera or self.source.name
        self.fps = fps
        self.on_status = on_status
        self.backoff = backoff or Backoff()
        self.fail_after = max(1, fail_after)
        self.state: State = "starting"
        self.reconnects = 0
        self.frames_delivered = 0
        self._lock = threading.Condition()
        self._latest: tuple[int, float, np.ndarray] | None = None
        self._seq = 0

    # --- status -----------------------------------------------------------------

    def _set_state(self, state: State, reason: str) -> None:
        if state == self.state:
            return
        self.state = state
        status = CameraStatus(self.camera, state, reason, time.monotonic(), self.reconnects)
        log = logger.warning if state == "offline" else logger.info
        log("camera %s %s: %s", self.camera, state, reason)
        if self.on_status is None:
            return
        try:
            self.on_status(status)
        except Exception:  # a broken callback must not stop the camera
            logger.exception("on_status callback failed for camera %s", self.camera)

    # --- iteration ----------------------------------------------------------------

    def frames(
        self, stop: threading.Event | None = None, *, timeout: float | None = None
    ) -> Iterator[Frame]:
        """Frames until the file ends, ``stop`` is set or ``timeout`` seconds pass.

        Raises :class:`CameraError` for a file source that cannot be read; a live
        source never raises here (it goes offline and is retried).
        """
        stop = stop or threading.Event()
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.source.live:
            yield from self._paced(self._live_frames(stop, deadline), stop, deadline)
        else:
            yield from self._paced(self._file_frames(stop, deadline), stop, deadline)

    def _paced(
        self, frames: Iterator[Frame], stop: threading.Event, deadline: float | None
    ) -> Iterator[Frame]:
        interval = 1.0 / self.fps if self.fps else 0.0
        next_slot = time.monotonic()
        for frame in frames:
            self.frames_delivered += 1
            yield frame
            if interval:
                next_slot = max(next_slot + interval, time.monotonic() - interval)
                wait = next_slot - time.monotonic()
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                if wait > 0 and stop.wait(wait):
                    return

    def _file_frames(self, stop: threading.Event, deadline: float | None) -> Iterator[Frame]:
        self.source.open()
        self._set_state("online", "opened")
        index = 0
        try:
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    return
                image = self.source.read()
                if image is None:
                    self._set_state("ended", "end of file")
                    return
                yield Frame(index, time.monotonic(), image)
                index += 1
        finally:
            self.source.close()

    def _live_frames(self, stop: threading.Event, deadline: float | None) -> Iterator[Frame]:
        halt = threading.Event()
        with self._lock:
            self._latest = None  # never hand out a frame from an earlier run
        grabber = threading.Thread(
            target=self._grab, args=(halt,), name=f"camera-{self.camera}", daemon=True
        )
        grabber.start()
        seen = self._seq
        try:
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    return
                with self._lock:
                    if self._seq == seen:
                        # Woken by every new frame; the timeout only bounds how late
                        # ``stop`` or the deadline is seen while no frame comes.
                        wait = FRAME_WAIT
                        if deadline is not None:
                            wait = min(wait, max(0.0, deadline - time.monotonic()))
                        self._lock.wait(wait)
                    latest = self._latest
                if latest is None or latest[0] == seen:
                    continue
                seen = latest[0]
                yield Frame(latest[0] - 1, latest[1], latest[2])
        finally:
            halt.set()
            with self._lock:
                self._lock.notify_all()
            grabber.join(timeout=10)

    # --- the grabber thread (live sources) ----------------------------------------

    def _grab(self, halt: threading.Event) -> None:
        delays = self.backoff.delays()
        opened = False
        failures = 0
        try:
            while not halt.is_set():
                if not opened:
                    try:
                        self.source.open()
                    except CameraError as exc:
                        self._offline(str(exc))
                        halt.wait(next(delays))
                        continue
                    except Exception as exc:  # opencv/driver oddities
                        logger.exception("opening camera %s failed", self.camera)
                        self._offline(f"open failed: {exc}")
                        halt.wait(next(delays))
                        continue
                    opened, failures = True, 0
                image = self._read_once()
                if image is None:
                    failures += 1
                    if failures >= self.fail_after:
                        self.source.close()
                        opened = False
                        self._offline(f"no frame for {failures} reads")
                        halt.wait(next(delays))
                    continue
                failures = 0
                delays = self.backoff.delays()
                self._set_state("online", "frames arriving")
                with self._lock:
                    self._seq += 1
                    self._latest = (self._seq, time.monotonic(), image)
                    self._lock.notify_all()
        finally:
            self.source.close()

    def _read_once(self) -> np.ndarray | None:
        try:
            return self.source.read()
        except CameraError as exc:
            logger.warning("camera %s read failed: %s", self.camera, exc)
        except Exception:  # a live loop must survive any driver error
            logger.exception("camera %s read raised", self.camera)
        return None

    def _offline(self, reason: str) -> None:
        if self.state != "offline":
            self.reconnects += 1 if self.state == "online" else 0
        self._set_state("offline", reason)
