"""The tags in one antenna's field, as every UHF simulator keeps them: tags lying still
at a steady RSSI, tags carried through (RSSI rising to the middle of the passage and
falling again), and what a reading round reports for them."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from tracker.domain.errors import InvalidInput


def parse_epc(epc: str) -> bytes:
    """EPC hex (any case) → bytes; raise :class:`InvalidInput` if not even-length hex."""
    try:
        raw = bytes.fromhex(epc)
    except ValueError as exc:
        raise InvalidInput("epc", f"{epc!r} is not hex", zh=f"{epc!r} 不是十六进制") from exc
    if not raw or len(raw) % 2 or len(raw) > 62 or len(epc) != 2 * len(raw):
        raise InvalidInput("epc", f"{epc!r} must be 4..124 hex digits, a whole number of words")
    return raw


@dataclass
class FieldTag:
    """One tag near an antenna."""

    epc: bytes
    rssi: int
    start: float = 0.0
    end: float | None = None  # None: stays until removed
    sweep: tuple[int, int] | None = None  # (low, high) dBm for a pass

    def rssi_at(self, now: float) -> int:
        """RSSI the reader measures for this tag at ``now`` (before noise)."""
        if self.sweep is None or self.end is None:
            return self.rssi
        low, high = self.sweep
        span = self.end - self.start
        frac = (now - self.start) / span if span > 0 else 0.5
        # A triangle: low at the edges of the field, high in its middle.
        return round(low + (high - low) * (1.0 - abs(2.0 * frac - 1.0)))

    def in_field(self, now: float) -> bool:
        """True while the tag is within the antenna's field."""
        return self.start <= now and (self.end is None or now < self.end)


class TagPopulation:
    """The tags of one field; safe to change from any thread."""

    def __init__(self) -> None:
        self.tags: dict[bytes, FieldTag] = {}
        self._lock = threading.Lock()

    def add(self, epc: str, rssi: int = -50) -> None:
        """A tag lies in the field at a steady RSSI until removed."""
        raw = parse_epc(epc)
        with self._lock:
            self.tags[raw] = FieldTag(raw, rssi)

    def remove(self, epc: str) -> None:
        """The tag leaves the field."""
        raw = parse_epc(epc)
        with self._lock:
            self.tags.pop(raw, None)

    def carry(
        self,
        epc: str,
        duration: float,
        *,
        delay: float = 0.0,
        low: int = -75,
        high: int = -45,
        now: float | None = None,
    ) -> None:
        """A tag carried through: in the field from ``delay`` s for ``duration`` s."""
        raw = parse_epc(epc)
        start = (time.monotonic() if now is None else now) + delay
        with self._lock:
            self.tags[raw] = FieldTag(raw, low, start, start + duration, (low, high))

    def in_field(self, now: float) -> list[str]:
        """EPCs (upper-case hex) in the field at ``now``."""
        with self._lock:
            return [t.epc.hex().upper() for t in self.tags.values() if t.in_field(now)]

    def quiet_until(self, now: float) -> float:
        """Until when (monotonic) no tag is in the field, as things stand: ``now`` if one
        is, the start of the next carried tag's passage, or infinity."""
        with self._lock:
            starts = [t.start for t in self.tags.values() if t.end is None or now < t.end]
        if any(start <= now for start in starts):
            return now
        return min(starts, default=float("inf"))

    def reads(
        self, now: float, rng: random.Random, *, noise: int = 0, miss: float = 0.0
    ) -> list[tuple[bytes, int]]:
        """One reading round at ``now``: ``(epc, rssi)`` for each tag in the field that
        answers (each misses with probability ``miss``), RSSI ± ``noise`` dB. Tags whose
        passage is over leave the field."""
        with self._lock:
            present = [t for t in self.tags.values() if t.in_field(now)]
            for gone in [t for t in self.tags.values() if t.end is not None and now >= t.end]:
                del self.tags[gone.epc]
        out = []
        for tag in present:
            if miss and rng.random() < miss:
                continue
            rssi = tag.rssi_at(now) + rng.randint(-noise, noise)
            out.append((tag.epc, max(-128, min(127, rssi))))
        return out
