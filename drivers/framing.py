"""What every stream framer in :mod:`drivers` shares: counters and the feed interface.

A framer is pure: it is fed bytes exactly as ``read()`` returned them (any split, any
garbage) and returns the complete valid messages found so far. It never blocks and never
raises on bad input; bad candidates are counted in ``dropped`` by reason and scanning
resumes one byte after the rejected start byte, so a real frame hidden behind a
truncated one is still found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


@dataclass(frozen=True)
class FramerStats:
    """A snapshot of a framer's counters.

    ``dropped`` counts rejected frame candidates by reason; ``garbage_bytes`` counts bytes
    skipped while hunting for a start byte (bytes of rejected candidates are rescanned,
    so they may be counted both ways).
    """

    frames_ok: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    garbage_bytes: int = 0

    @property
    def dropped_total(self) -> int:
        """All rejected candidates, whatever the reason."""
        return sum(self.dropped.values())


class Framer(Protocol[T_co]):
    """The interface of a stream framer (see the module docstring)."""

    def feed(self, data: bytes) -> Sequence[T_co]:
        """Add received bytes; return the messages completed by them."""
        ...

    def on_idle(self) -> Sequence[T_co]:
        """The line has been quiet: a buffered partial frame was truncated; drop it and
        return any complete frame that was waiting behind it."""
        ...

    def reset(self) -> None:
        """Forget buffered bytes (after a reconnect); counts them as truncated."""
        ...

    def stats(self) -> FramerStats:
        """Counters so far."""
        ...


class FramerCounters:
    """Mutable counters used by the framers; :meth:`snapshot` gives :class:`FramerStats`."""

    __slots__ = ("dropped", "frames_ok", "garbage_bytes")

    def __init__(self) -> None:
        self.frames_ok = 0
        self.garbage_bytes = 0
        self.dropped: Counter[str] = Counter()

    def snapshot(self) -> FramerStats:
        """An immutable copy of the counters."""
        return FramerStats(self.frames_ok, dict(self.dropped), self.garbage_bytes)


class BufferedFramer(Generic[T]):
    """The buffer and counters every framer keeps. A subclass implements ``_scan``
    (find the complete messages in the buffer; with ``final`` the line went quiet, so a
    partial candidate left at the end is truncated) or overrides :meth:`feed`."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._c = FramerCounters()

    def feed(self, data: bytes) -> list[T]:
        """Add bytes as read; return the messages they complete."""
        self._buf += data
        return self._scan(final=False)

    def on_idle(self) -> list[T]:
        """The line went quiet: a buffered partial message is truncated; drop it and
        return any complete message that was waiting behind it."""
        return self._scan(final=True) if self._buf else []

    def reset(self) -> None:
        """Forget buffered bytes (e.g. after a reconnect), counting them as truncated."""
        if self._buf:
            self._c.dropped["truncated"] += 1
            self._buf.clear()

    def stats(self) -> FramerStats:
        """Counters so far."""
        return self._c.snapshot()

    def _scan(self, final: bool) -> list[T]:
        raise NotImplementedError
