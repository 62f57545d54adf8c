"""Cameras in the gateway: a camera at a safe records carriers put in or taken out; a
camera at a door is evidence beside the RFID readers — a carrier the camera read but no
reader saw is a possibly shielded tag. A camera that stops giving frames is reported
offline like a reader."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from tracker.domain.model import MovementSource
from tracker.gateway.events import Crossing
from tracker.services.movement import Observation

logger = logging.getLogger(__name__)


class FrameLike(Protocol):
    """A captured frame: when (monotonic) and the image."""

    @property
    def at(self) -> float: ...

    @property
    def image(self) -> Any: ...


class CaptureLike(Protocol):
    """A frame loop (``drivers.camera.CaptureLoop``)."""

    def frames(self, stop: threading.Event) -> Iterator[Any]:
        """Frames until ``stop`` is set (or the source ends)."""
        ...


class Submit(Protocol):
    """Where observations go (``Gateway.submit``)."""

    def __call__(self, observations: list[Observation]) -> None: ...


class CameraWorker:
    """Runs one camera: frames → decoder → scanner → observations.

    ``scanner`` is a ``SafeScanner`` (its scans become safe observations) or a
    ``DoorScanner`` (its scans go to ``correlator``, which reports shielded tags); with
    no ``decoder`` the worker only keeps frames (a door camera there for the stills of
    the door's alarms, :attr:`ring`). ``to_time`` maps monotonic seconds to the service
    clock."""

    def __init__(
        self,
        camera: str,
        capture: CaptureLike,
        decoder: Any,
        scanner: Any,
        submit: Submit,
        to_time: Callable[[float], Any],
        *,
        correlator: Any = None,
        known: Callable[[str], str | None] | None = None,
    ) -> None:
        self.camera, self.capture, self.decoder, self.scanner = camera, capture, decoder, scanner
        self.submit, self.to_time = submit, to_time
        self.correlator, self.known = correlator, known
        self.scans: list[Any] = []
        self.last_frame: float | None = None
        #: Frames for alarm stills (tracker.gateway.evidence.RingBuffer), if kept.
        self.ring: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"cam-{camera}", daemon=True)

    def start(self) -> CameraWorker:
        """Start reading frames."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current frame."""
        self._stop.set()
        self._thread.join(10)

    def crossing(self, ev: Crossing) -> None:
        """Tell the door correlator that the RFID readers saw ``ev``."""
        if self.correlator is not None:
            self.correlator.add_sighting(ev.door, ev.epc, ev.at)

    def _eid(self, kind: str) -> str:
        return f"{self.camera}:{kind}:{uuid.uuid4().hex}"

    def _run(self) -> None:
        last: tuple[Any, Any] = (None, [])  # the image last decoded, and its codes
        for frame in self.capture.frames(self._stop):
            self.last_frame = frame.at
            if self.ring is not None:
                self.ring.add(frame.at, frame.image)
            if self.decoder is None:
                continue  # kept for stills only
            try:
                if not _same_still(frame.image, last[0]):
                    last = (frame.image, self.decoder.decode(frame.image))
                codes = last[1]
                if self.correlator is None:
                    scans = self.scanner.feed(codes, frame.at, known=self.known)
                    self.submit([self._safe(s) for s in scans])
                else:
                    for scan in self.scanner.feed(codes, frame.at):
                        self.correlator.add_scan(scan)
                        self.scans.append(scan)
                    self.submit([self._shielded(s) for s in self.correlator.poll(time.monotonic())])
            except Exception:  # one bad frame must not stop the camera
                logger.exception("camera %s: frame failed", self.camera)

    def _safe(self, scan: Any) -> Observation:
        self.scans.append(scan)
        return Observation(
            self._eid("s"),
            "safe",
            self.to_time(scan.at),
            code=scan.code,
            safe=scan.safe,
            present=scan.action == "in",
            source=MovementSource.CAMERA,
        )

    def _shielded(self, suspect: Any) -> Observation:
        return Observation(
            self._eid("shield"),
            "shielded",
            self.to_time(suspect.at),
            code=suspect.code,
            door=suspect.door,
            source=MovementSource.CAMERA,
        )


def _same_still(image: Any, before: Any) -> bool:
    """Whether ``image`` is the very read-only array decoded last: a still source (a
    simulated camera whose scene stands still) hands out one image again and again, and
    decoding it again would find the same codes — at the cost of a whole decode per
    frame while nothing happens. A fresh or writable array is always decoded."""
    flags = getattr(image, "flags", None)
    return image is before and flags is not None and not flags.writeable


def camera_health(statuses: Iterable[Any], to_time: Callable[[float], Any]) -> list[Observation]:
    """Observations for camera status changes (``CameraStatus`` from the capture loop)."""
    out = []
    for st in statuses:
        if st.state in ("online", "offline"):
            out.append(
                Observation(
                    f"{st.camera}:r:{uuid.uuid4().hex}",
                    "reader",
                    to_time(st.at),
                    reader=st.camera,
                    online=st.state == "online",
                )
            )
    return out
