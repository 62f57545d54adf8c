"""A 125 kHz EM4100 badge reader, simulated over a pty: RDM6300 frames or decimal lines.

The reader only transmits. While a badge is presented it repeats the badge's frame every
100–200 ms (``repeat_interval``), as an RDM6300 does; in ``em4100-decimal`` mode it
prints ``0000474791\\r\\n`` lines instead (the low 32 bits of the id, in decimal).
:meth:`Rdm6300Simulator.send_once` sends frames exactly once, for counting tests.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path

from drivers import em4100
from simulators.device import Faults, SerialDeviceSimulator
from tracker.domain.errors import InvalidInput

logger = logging.getLogger(__name__)

MODES = ("em4100", "em4100-decimal")


class Rdm6300Simulator(SerialDeviceSimulator):
    """The reader's side of the serial line (see the module docstring)."""

    def __init__(
        self,
        link: str | Path,
        *,
        mode: str = "em4100",
        faults: Faults | None = None,
        seed: int | None = None,
        repeat_interval: tuple[float, float] = (0.1, 0.2),
    ) -> None:
        if mode not in MODES:
            raise InvalidInput("mode", f"{mode!r} is not one of {MODES}")
        super().__init__(link, faults=faults, seed=seed)
        self.mode = mode
        self.repeat_interval = repeat_interval
        self._badge: str | None = None
        self._until: float | None = None
        self._next = 0.0
        self._once: deque[str] = deque()

    def encode(self, badge_id: str) -> bytes:
        """The bytes this reader sends for the 10-hex-digit ``badge_id``."""
        frame = em4100.Rdm6300Frame.for_id(badge_id)
        if self.mode == "em4100":
            return frame.to_bytes()
        return em4100.DecimalLine(int.from_bytes(frame.data[1:], "big")).to_bytes()

    def present(self, badge_id: str, seconds: float | None = None) -> None:
        """Hold a badge at the reader for ``seconds`` (until :meth:`remove` if None)."""
        self.encode(badge_id)  # validate now, in the caller's thread
        with self._lock:
            self._badge = badge_id.upper()
            self._until = None if seconds is None else time.monotonic() + seconds
            self._next = 0.0
        self._wake()

    def remove(self) -> None:
        """Take the badge away."""
        with self._lock:
            self._badge = None
        self._wake()

    def send_once(self, badge_id: str) -> None:
        """Send one frame for ``badge_id`` exactly once, at the next step."""
        self.encode(badge_id)
        with self._lock:
            self._once.append(badge_id.upper())
        self._wake()

    @property
    def pending_once(self) -> int:
        """One-shot frames not yet sent."""
        with self._lock:
            return len(self._once)

    def _step(self, now: float) -> float:
        with self._lock:
            once = list(self._once)
            self._once.clear()
            badge = self._badge
            if badge is not None and self._until is not None and now >= self._until:
                self._badge = badge = None
        for item in once:
            self._send_frame(self.encode(item))
        if badge is None:
            return self.idle_wait
        if now >= self._next:
            self._send_frame(self.encode(badge))
            self._next = now + self.rng.uniform(*self.repeat_interval)
        until = self._until
        if until is not None and until < self._next:
            return max(0.0, until - now)  # the badge is taken away before the next frame
        return self._next - now

    def _noise(self, count: int) -> bytes:
        if self.mode == "em4100":
            return self.rng.randbytes(count)
        # Digits glued to a decimal line would change the number, and the format has no
        # checksum to notice; a decimal reader's noise is therefore modelled without them.
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ!#%&*+-/=?@ \x00\x7f\xff"
        return bytes(self.rng.choice(alphabet) for _ in range(count))

    def _truncate(self, frame: bytes) -> bytes:
        cut = frame[: self.rng.randint(1, len(frame) - 3)]
        if self.mode == "em4100":
            return cut
        # A decimal line cut short and glued to the next one cannot be told from a
        # longer number; only a cut line that still ends its line is recoverable.
        return cut + b"\r\n"

    def _corrupt(self, frame: bytes) -> bytes:
        bad = bytearray(frame)
        if self.mode == "em4100":
            # Change one hex digit to another: the XOR checksum always notices.
            i = self.rng.randrange(1, 13)
            digits = [d for d in b"0123456789ABCDEF" if d != bad[i]]
            bad[i] = self.rng.choice(digits)
            return bytes(bad)
        # A decimal line has no checksum: the damage a host can see is a wrong shape.
        i = self.rng.randrange(0, 10)
        bad[i] = self.rng.choice(b"ABCDEF:;")
        return bytes(bad)
