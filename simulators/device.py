"""What every serial device simulator shares: a pty link, a thread, and fault injection.

The simulator thread owns the pty: it reads the host's bytes, runs the device's timing
(:meth:`SerialDeviceSimulator._step`) and writes frames. Other threads (tests, the CLI,
scene scripts) change the device only through methods that take a lock or queue work
for the thread, so nothing races on the file descriptors.

Faults ADD damage around the valid frames rather than destroying them: noise bursts,
truncated and corrupted copies, pauses, and byte-at-a-time writes. Every valid frame a
simulator means to send still goes out whole, so a test can demand each be received
exactly once — the damage is what the driver must survive and reject. Unplugging is the
exception: bytes in flight then are lost, as on real hardware.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from simulators.pty import PtyLink

logger = logging.getLogger(__name__)


@dataclass
class Faults:
    """Fault injection settings; probabilities apply before each valid frame sent."""

    noise_prob: float = 0.0
    noise_max: int = 8
    truncate_prob: float = 0.0
    corrupt_prob: float = 0.0
    pause_prob: float = 0.0
    pause_max: float = 0.05
    byte_at_a_time: bool = False
    byte_delay: float = 0.0


@dataclass
class SimCounters:
    """What a simulator has sent: valid frames, damaged frames, noise bytes, unplugs."""

    frames: int = 0
    bad_frames: int = 0
    noise_bytes: int = 0
    unplugs: int = 0


@runtime_checkable
class TagField(Protocol):
    """The antenna field of a simulated UHF reader: what the simulated office, scenes and
    ``tracker sim`` do with one, whatever its protocol."""

    def add_tag(self, epc: str, rssi: int = -50) -> None:
        """A tag lies in the field at a steady RSSI until removed."""
        ...

    def remove_tag(self, epc: str) -> None:
        """The tag leaves the field."""
        ...

    def pass_tag(
        self, epc: str, duration: float, *, delay: float = 0.0, now: float | None = None
    ) -> None:
        """A tag carried through the field for ``duration`` s, starting ``delay`` s
        after ``now`` (monotonic; default: now)."""
        ...

    @property
    def polling(self) -> bool:
        """True once the host has the reader reading (a listen-only reader: always)."""
        ...


@runtime_checkable
class BadgeField(Protocol):
    """The field of a simulated badge reader."""

    def present(self, badge_id: str, seconds: float | None = None) -> None:
        """A badge is held to the reader for ``seconds`` (until taken away if None)."""
        ...


class SerialDeviceSimulator:
    """Base of the device simulators: subclasses implement :meth:`_on_host_bytes`,
    :meth:`_step`, :meth:`_corrupt` and may override :meth:`_noise` / :meth:`_on_unplug`.

    The thread sleeps until the host writes, the device's own timing needs it (what
    :meth:`_step` returns) or another thread changes the device: every method that
    changes what the device will do (a tag, a badge, a queued call) calls
    :meth:`_wake`, so an idle simulator costs no CPU (issue 16 goal 8).
    """

    #: A short pause a device takes between steps that follow each other.
    tick = 0.005
    #: The longest the thread sleeps when nothing is due (a safety net: every change of
    #: the device wakes it at once anyway).
    idle_wait = 1.0

    def __init__(
        self, link: str | Path, *, faults: Faults | None = None, seed: int | None = None
    ) -> None:
        self.link_path = Path(link)
        self.faults = faults or Faults()
        self.counters = SimCounters()
        self.rng = random.Random(seed)
        self._lock = threading.RLock()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._link: PtyLink | None = None
        self._replug_at: float | None = None
        self._plugged = threading.Event()
        # The thread's wake-up pipe (while started); the lock keeps a late _wake from
        # writing to a closed descriptor's number reused by someone else.
        self._wake_lock = threading.Lock()
        self._wake_r: int | None = None
        self._wake_w: int | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> SerialDeviceSimulator:
        """Create the pty and link, and start the device thread."""
        if self._thread is not None:
            return self
        self._link = PtyLink(self.link_path)
        with self._wake_lock:
            self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._plugged.set()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"sim {self.link_path.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread, close the pty and remove the link (idempotent)."""
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._link is not None:
            self._link.close()
            self._link = None
        with self._wake_lock:
            for fd in (self._wake_r, self._wake_w):
                if fd is not None:
                    os.close(fd)
            self._wake_r = self._wake_w = None
        self._plugged.clear()

    def __enter__(self) -> SerialDeviceSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- controls (any thread) ---------------------------------------------------------

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the device thread at its next step."""
        self._calls.put(fn)
        self._wake()

    def _wake(self) -> None:
        """Make the device thread step now (any thread)."""
        with self._wake_lock:
            if self._wake_w is None:
                return  # not running: the next start steps at once anyway
            with contextlib.suppress(BlockingIOError):  # wake-ups are already pending
                os.write(self._wake_w, b"!")

    def _drain_wake(self, fd: int) -> None:
        try:
            while os.read(fd, 4096):
                pass
        except BlockingIOError:
            pass

    def unplug(self, seconds: float | None = None) -> None:
        """Pull the cable; plug it back in after ``seconds`` (never, if None) at the SAME
        link path, on a new pty."""

        def do() -> None:
            if self._link is not None and self._link.plugged:
                self._link.unplug()
                self._plugged.clear()
                self.counters.unplugs += 1
                self._on_unplug()
            self._replug_at = None if seconds is None else time.monotonic() + seconds

        self.call_soon(do)

    def replug(self) -> None:
        """Plug the cable back in now."""

        def do() -> None:
            self._replug_at = time.monotonic()

        self.call_soon(do)

    def wait_plugged(self, timeout: float) -> bool:
        """Block until the link exists again (True) or ``timeout`` passes."""
        return self._plugged.wait(timeout)

    def noise(self, count: int) -> None:
        """Send ``count`` noise bytes now."""

        def do() -> None:
            self._write_raw(self._noise(count), noise=True)

        self.call_soon(do)

    def inject(self, data: bytes) -> None:
        """Send arbitrary bytes now (for hand-made faults)."""

        def do() -> None:
            self._write_raw(data)

        self.call_soon(do)

    @property
    def plugged(self) -> bool:
        """True while the pty is up."""
        return self._plugged.is_set()

    @property
    def url(self) -> str:
        """Where a driver opens this device: its link path."""
        return str(self.link_path)

    # --- for subclasses ----------------------------------------------------------------

    def _on_host_bytes(self, data: bytes, now: float) -> None:
        """Bytes the host wrote (commands)."""

    def _step(self, now: float) -> float:
        """Run the device's timing; return seconds until it next needs to run (by its
        own timing: a change from another thread wakes it, :meth:`_wake`)."""
        return self.idle_wait

    def _corrupt(self, frame: bytes) -> bytes:
        """A copy of ``frame`` that a correct host must reject."""
        raise NotImplementedError

    def _truncate(self, frame: bytes) -> bytes:
        """The start of ``frame``, as a cable glitch or reset would leave it."""
        return frame[: self.rng.randint(1, len(frame) - 1)]

    def _noise(self, count: int) -> bytes:
        """Random bytes for noise bursts."""
        return self.rng.randbytes(count)

    def _on_unplug(self) -> None:
        """The device lost power: forget volatile state."""

    def _send_frame(self, frame: bytes) -> None:
        """Send one valid frame, with the configured faults around it."""
        f = self.faults
        rng = self.rng
        if f.pause_prob and rng.random() < f.pause_prob:
            self._stop.wait(rng.uniform(0.0, f.pause_max))
        if f.noise_prob and rng.random() < f.noise_prob:
            self._write_raw(self._noise(rng.randint(1, max(1, f.noise_max))), noise=True)
        if f.truncate_prob and rng.random() < f.truncate_prob:
            self.counters.bad_frames += 1
            self._write_raw(self._truncate(frame))
        if f.corrupt_prob and rng.random() < f.corrupt_prob:
            self.counters.bad_frames += 1
            self._write_raw(self._corrupt(frame))
        if self._write_raw(frame) == len(frame):
            self.counters.frames += 1

    def _send_frames(self, frames: list[bytes]) -> None:
        """Send valid frames that leave the device together (a polling round's
        notifications): one write when no fault is configured, as a UART's buffer would
        carry them, else each with its faults around it."""
        if not frames:
            return
        f = self.faults
        plain = not (
            f.pause_prob or f.noise_prob or f.truncate_prob or f.corrupt_prob or f.byte_at_a_time
        )
        if not plain or len(frames) == 1:
            for frame in frames:
                self._send_frame(frame)
            return
        data = b"".join(frames)
        if self._write_raw(data) == len(data):
            self.counters.frames += len(frames)

    def _write_raw(self, data: bytes, *, noise: bool = False) -> int:
        link = self._link
        if link is None or not link.plugged:
            return 0
        if noise:
            self.counters.noise_bytes += len(data)
        if not self.faults.byte_at_a_time:
            return link.write(data)
        written = 0
        for i in range(len(data)):
            written += link.write(data[i : i + 1])
            if self.faults.byte_delay:
                time.sleep(self.faults.byte_delay)
        return written

    # --- the thread --------------------------------------------------------------------

    def _run(self) -> None:
        wake = self._wake_r
        assert wake is not None
        wait = 0.0
        while not self._stop.is_set():
            self._drain_wake(wake)
            self._run_calls()
            link = self._link
            assert link is not None
            if not link.plugged:
                now = time.monotonic()
                if self._replug_at is not None and now >= self._replug_at:
                    self._replug_at = None
                    link.plug()
                    self._plugged.set()
                else:
                    until = self.idle_wait if self._replug_at is None else self._replug_at - now
                    select.select([wake], [], [], min(max(until, 0.0), self.idle_wait))
                    continue
            data = link.read(min(max(wait, 0.0), self.idle_wait), wake=wake)
            now = time.monotonic()
            if data:
                try:
                    self._on_host_bytes(data, now)
                except Exception:
                    logger.exception("simulator at %s failed on host bytes", self.link_path)
            try:
                wait = self._step(time.monotonic())
            except Exception:
                logger.exception("simulator at %s failed in its step", self.link_path)
                wait = self.tick

    def _run_calls(self) -> None:
        while True:
            try:
                fn = self._calls.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            except Exception:
                logger.exception("simulator control call failed at %s", self.link_path)
