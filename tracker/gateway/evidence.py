"""Evidence at the door: each door camera keeps a short ring buffer of frames, and an
alarm takes its stills from it — ``stills`` frames ``spacing`` seconds apart around the
read that sounded it (for three: one before, the nearest, one after) — encoded as JPEG
and sent with the alarm observation through the outbox."""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from tracker.services.alarms import encode_still
from tracker.services.movement import Observation

logger = logging.getLogger(__name__)


class RingBuffer:
    """The last ``seconds`` of a camera's frames (monotonic time, image)."""

    def __init__(self, seconds: float = 3.0) -> None:
        self.seconds = seconds
        self._frames: deque[tuple[float, Any]] = deque()
        self._lock = threading.Condition()

    def add(self, at: float, image: Any) -> None:
        """Keep a frame; drop those older than the buffer's length."""
        with self._lock:
            self._frames.append((at, image))
            while self._frames and self._frames[0][0] < at - self.seconds:
                self._frames.popleft()
            self._lock.notify_all()

    def around(self, at: float, offsets: list[float], timeout: float) -> list[tuple[float, Any]]:
        """For each offset, the frame nearest ``at + offset`` (waiting up to ``timeout`` s
        for frames after the latest one wanted); frames taken once only."""
        latest = at + max(offsets, default=0.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._frames or self._frames[-1][0] < latest:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            frames = list(self._frames)
        if not frames:
            return []
        times = [f[0] for f in frames]
        out: list[tuple[float, Any]] = []
        used: set[int] = set()
        for off in offsets:
            i = bisect.bisect_left(times, at + off)
            best = min(
                (j for j in (i - 1, i) if 0 <= j < len(frames) and j not in used),
                key=lambda j: abs(times[j] - (at + off)),
                default=None,
            )
            if best is not None:
                used.add(best)
                out.append(frames[best])
        return out


def offsets(count: int, spacing: float) -> list[float]:
    """Where the stills of an alarm are taken, relative to the decisive read."""
    if count <= 0:
        return []
    if count == 1:
        return [0.0]
    if count == 2:
        return [-spacing, 0.0]
    return [spacing * (i - 1) for i in range(count)]


class StillTaker:
    """Takes an alarm's stills from its door camera's ring buffer in a worker thread,
    then submits the alarm observation with them (``rings``: door id → the ring buffer
    of its camera)."""

    def __init__(
        self,
        rings: Mapping[str, RingBuffer],
        submit: Callable[[list[Observation]], None],
        encode: Callable[[Any], bytes],
        *,
        stills: int = 3,
        spacing: float = 0.4,
    ) -> None:
        self.rings, self.submit, self.encode = rings, submit, encode
        self.offsets = offsets(stills, spacing)

    def __call__(self, door: str, at: float, obs: Observation) -> bool:
        """Take the stills of ``obs`` and submit it; False when ``door`` has no camera."""
        ring = self.rings.get(door)
        if ring is None or not self.offsets:
            return False
        threading.Thread(
            target=self._take, args=(ring, at, obs), name=f"stills {door}", daemon=True
        ).start()
        return True

    def _take(self, ring: RingBuffer, at: float, obs: Observation) -> None:
        stills: list[str] = []
        try:
            for frame_at, image in ring.around(at, self.offsets, timeout=max(self.offsets) + 1.0):
                stills.append(encode_still(frame_at - at, self.encode(image)))
        except Exception:  # no stills is better than no alarm observation
            logger.exception("door %s: taking stills failed", obs.door)
        self.submit([replace(obs, stills=tuple(stills))])
