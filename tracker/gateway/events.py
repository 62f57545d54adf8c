"""The events door and safe logic hand to the rest of the system.

All are frozen dataclasses; times are seconds on the same monotonic clock as the reads
(``time.monotonic()`` in a running gateway) — convert with :func:`to_wall_clock`.

Zones are ``"inner"`` and ``"outer"``; direction ``"in"`` means outer → inner.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Zone = Literal["inner", "outer"]
Direction = Literal["in", "out"]
Evidence = Literal["both_zones", "glimpse", "known_side"]


@dataclass(frozen=True)
class Crossing:
    """A carrier's tag went through a door.

    - ``direction``: ``"in"`` (outer → inner) or ``"out"``.
    - ``at``: estimated moment of crossing — midway between the two zones' RSSI peaks
      (the one zone's peak when ``evidence == "known_side"``).
    - ``badges``: badge ids read at the door within the association window around ``at``
      (the holder and escorts; the caller decides roles), in order of first read.
    - ``first_zone``: the zone that read the tag first; ``peak_zone``: the zone whose
      RSSI peak came first. Direction follows ``peak_zone`` (see :mod:`.door`); when the
      two disagree the crossing is still reported, and the fields show the conflict.
    - ``evidence``: ``"both_zones"`` both zones passed the presence threshold;
      ``"glimpse"`` one did and the other read the tag below the threshold;
      ``"known_side"`` only one zone read it, but the tag was known to be on the other
      side (it crossed this door earlier, or the caller said so).
    - ``started``/``ended``: first and last read of the passage used; ``decided_at``:
      the clock time the decision was taken (latency = ``decided_at - at``).
    """

    door: str
    epc: str
    direction: Direction
    at: float
    badges: tuple[str, ...]
    first_zone: Zone
    peak_zone: Zone
    evidence: Evidence
    started: float
    ended: float
    decided_at: float

    @property
    def from_zone(self) -> Zone:
        """The side the carrier came from."""
        return "outer" if self.direction == "in" else "inner"

    @property
    def to_zone(self) -> Zone:
        """The side the carrier went to."""
        return "inner" if self.direction == "in" else "outer"


@dataclass(frozen=True)
class DoorSighting:
    """A carrier's tag was present in ONE zone of a door and then gone, with no sign of
    it on the other side — typically someone turned back in the doorway. Not a
    movement; reported so the caller can log it (or, on a sensitive door, flag it:
    a passage that the far zone missed entirely looks exactly like this).

    ``at`` is the zone's RSSI peak; ``badges`` as for :class:`Crossing`.
    """

    door: str
    epc: str
    zone: Zone
    at: float
    started: float
    ended: float
    reads: int
    peak_rssi: int
    badges: tuple[str, ...]
    decided_at: float


@dataclass(frozen=True)
class PersonCrossing:
    """A badge was read at a door and no carrier crossing claimed it (a person passing
    without a carrier). ``direction`` is known for UHF badges read in both zones, None
    for a badge-reader tap or a one-zone read; ``source`` is ``"badge_reader"`` or
    ``"uhf"``."""

    door: str
    badge: str
    at: float
    direction: Direction | None
    source: Literal["badge_reader", "uhf"]
    decided_at: float


@dataclass(frozen=True)
class SafeChange:
    """A carrier's tag appeared in (``present``) or vanished from a safe reader's field,
    after smoothing. ``at`` is when the change was established (the read completing
    the presence threshold, or ``last_seen`` + the absence time); ``last_seen`` is the
    last read before the change."""

    safe: str
    epc: str
    present: bool
    at: float
    last_seen: float


@dataclass(frozen=True)
class DeskBadge:
    """A badge was held to a reading desk's badge reader (R16) while ``epcs`` lay on the
    desk (as its UHF readers judge presence). One per presentation of the badge."""

    desk: str
    badge: str
    epcs: tuple[str, ...]
    at: float


DoorEvent = Crossing | DoorSighting | PersonCrossing
GatewayEvent = Crossing | DoorSighting | PersonCrossing | SafeChange | DeskBadge


def to_wall_clock(
    at: float, *, now_monotonic: float | None = None, now_wall: datetime | None = None
) -> datetime:
    """The UTC wall-clock time of monotonic time ``at`` (relative to now)."""
    mono = time.monotonic() if now_monotonic is None else now_monotonic
    wall = datetime.now(UTC) if now_wall is None else now_wall
    return wall - timedelta(seconds=mono - at)
