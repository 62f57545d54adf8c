"""Read smoothing per (read point, EPC), as EPCglobal ALE event cycles and vendors'
"smoothing filters" do: a tag is *present* once ``k`` reads fall within ``window``
seconds, and *absent* after ``absent_after`` seconds without a read (a reader's
:class:`~tracker.config.Smoothing`, from the site file). One stray read is
noise; a few missed reads are not a departure.
"""

from __future__ import annotations

from collections import deque

from tracker.config import Smoothing


class PointTrack:
    """One tag at one read point: presence plus first/last read and RSSI peak."""

    __slots__ = ("cfg", "first", "last", "peak_at", "peak_rssi", "present", "reads", "recent")

    def __init__(self, cfg: Smoothing) -> None:
        self.cfg = cfg
        self.recent: deque[float] = deque()
        self.present = False
        self.first = float("inf")
        self.last = float("-inf")
        self.peak_rssi = -1000
        self.peak_at = 0.0
        self.reads = 0

    def add(self, at: float, rssi: int) -> bool:
        """Record a read; True when it makes the tag present."""
        self.reads += 1
        self.first = min(self.first, at)
        self.last = max(self.last, at)
        if rssi > self.peak_rssi:
            self.peak_rssi, self.peak_at = rssi, at
        recent = self.recent
        recent.append(at)
        while recent and recent[0] < at - self.cfg.window:
            recent.popleft()
        if not self.present and len(recent) >= self.cfg.k:
            self.present = True
            return True
        return False

    def expired(self, now: float) -> bool:
        """True when the tag has not been read for ``absent_after`` seconds."""
        return now - self.last >= self.cfg.absent_after
