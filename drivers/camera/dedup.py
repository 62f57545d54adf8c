"""Deduplication: the same code read again and again is one scan.

A camera reads a label shown to it in every frame, 30 times a second. A read is a new
*scan* only when its key has not been read for more than ``window`` seconds; every read
refreshes the key, so a label held in view for a minute is still one scan, and shown
again after a pause of more than ``window`` it is a second one. (A window counted from
the first read instead would turn a label held still into a scan every ``window``
seconds — at a safe in toggle mode, an in/out/in… flicker.)

The key is the code's text by default, so the Code128 and the DataMatrix of one label,
which both carry the serial, count as one scan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from drivers.camera.decode import Code

logger = logging.getLogger(__name__)


def text_key(code: Code) -> str:
    """Dedup key: the text alone (the label's Code128 and DataMatrix are one scan)."""
    return code.text


class Deduplicator:
    """Turns a stream of reads into scans; times are seconds on one monotonic clock."""

    def __init__(self, window: float = 2.0, *, key: Callable[[Code], str] = text_key) -> None:
        if window < 0:
            raise ValueError(f"dedup window must be >= 0 seconds, got {window}")
        self.window = window
        self.key = key
        self._last: dict[str, float] = {}
        self._purged_at = float("-inf")

    def accept(self, code: Code, at: float) -> bool:
        """True when this read is a new scan; records the read either way."""
        key = self.key(code)
        last = self._last.get(key)
        self._last[key] = at if last is None else max(last, at)
        self._purge(at)
        return last is None or at - last > self.window

    def filter(self, codes: Iterable[Code], at: float) -> list[Code]:
        """The codes of one frame that are new scans (one per key)."""
        fresh = []
        seen: set[str] = set()
        for code in codes:
            key = self.key(code)
            if key in seen:
                continue
            seen.add(key)
            if self.accept(code, at):
                fresh.append(code)
        return fresh

    def _purge(self, now: float) -> None:
        # Forget keys unseen for longer than the window, at most once a window, so
        # memory stays bounded by what was read recently.
        if now - self._purged_at < max(self.window, 1.0):
            return
        self._purged_at = now
        stale = [k for k, t in self._last.items() if now - t > self.window]
        for k in stale:
            del self._last[k]
