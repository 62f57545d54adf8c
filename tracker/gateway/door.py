"""Door logic: reads from a door's two zones → crossings, sightings, person crossings.

Pure state machine: feed it reads (:meth:`DoorLogic.on_tag`, :meth:`DoorLogic.on_badge`)
and clock ticks (:meth:`DoorLogic.tick`); each call returns the events that became
final. No I/O, no database; times are monotonic seconds.

How a passage is judged
-----------------------
Reads of one EPC at the door form a *passage* until every read point that saw it has
been silent for its ``absent_after``. Per zone the logic keeps the first read, the last
read and the RSSI peak; a zone *saw* the tag when one of its read points made it present
(``k`` reads within ``window``).

- **Both zones saw it** → :class:`Crossing`. The side whose RSSI peak came first is where
  the tag came from (peak order is physical — closest to that antenna first — while
  first sight is easily won by a long-range or reflecting antenna); ``first_zone`` and
  ``peak_zone`` are both reported. With ``early`` on, the crossing is decided as soon as
  both peaks are settled (RSSI fell ``peak_drop_db`` below the peak, or the zone went
  quiet for ``zone_quiet`` s) instead of waiting for the tag to go absent; reads after
  that form a fresh passage (so walking straight back out is a second crossing).
- **One zone saw it, the other only glimpsed it** (fewer than ``k`` reads, at least
  ``min_glimpse_reads``) → a crossing all the same, ``evidence="glimpse"``, direction by
  peaks: a reader that misses most reads of a fast passage must not hide it. Except when
  the seen zone read the tag more than ``zone_quiet`` s both before and after the
  glimpse — someone stepped deep into the doorway and came back — which is treated as
  a one-zone passage (below).
- **Only one zone read it at all**: a turn-back in the doorway and a passage the far
  zone missed entirely look the same on the wire. If the tag is *known* to be on the
  other side — it crossed this door earlier (kept in memory) or ``known_side`` says so
  (the caller knows where each carrier is) — it crossed: ``evidence="known_side"``.
  Otherwise → :class:`DoorSighting`, which the caller logs (and may alert on).
- A passage in which no zone reached presence is noise and produces nothing.

Badges
------
Badge reads at the door — from the door's badge readers, or UHF EPCs the ``is_badge``
predicate says are badges — are grouped into *visits* per badge. A :class:`Crossing`
lists every badge whose visit overlaps ``[at - badge_before, at + badge_after]``, except
a UHF badge known to have crossed the other way; the crossing is held until
``at + badge_after`` so a badge read just after still joins. A visit no crossing claimed
becomes a :class:`PersonCrossing` once no pending carrier passage could still claim it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from drivers.reads import BadgeRead, TagRead
from tracker.config import Smoothing
from tracker.domain.errors import ConfigError
from tracker.domain.site import DoorConfig
from tracker.gateway.events import (
    Crossing,
    Direction,
    DoorEvent,
    DoorSighting,
    Evidence,
    PersonCrossing,
    Zone,
)
from tracker.gateway.smoothing import PointTrack

logger = logging.getLogger(__name__)

_MEMORY_CAP = 100_000
_SCAN_EVERY = 0.1


@dataclass(frozen=True)
class DoorTuning:
    """How a door weighs its reads (seconds, dB): see the module docstring for
    ``badge_before`` / ``badge_after`` (the badge window around a crossing), ``early``,
    ``peak_drop_db`` and ``zone_quiet`` (deciding before the tag goes absent) and
    ``min_glimpse_reads``. ``max_badge_hold`` bounds how long a badge visit waits for
    carriers that linger in the door before it is reported on its own."""

    badge_before: float = 3.0
    badge_after: float = 0.5
    early: bool = True
    peak_drop_db: int = 6
    zone_quiet: float = 0.5
    min_glimpse_reads: int = 1
    max_badge_hold: float = 30.0


class _ZoneTrack:
    """One tag in one zone during a passage."""

    __slots__ = ("dropped", "first", "last", "peak_at", "peak_rssi", "points", "reads")

    def __init__(self) -> None:
        self.points: dict[str, PointTrack] = {}
        self.first = float("inf")
        self.last = float("-inf")
        self.peak_rssi = -1000
        self.peak_at = 0.0
        self.dropped = False
        self.reads = 0

    def add(self, point: str, cfg: Smoothing, at: float, rssi: int, drop: int) -> None:
        track = self.points.get(point)
        if track is None:
            track = self.points[point] = PointTrack(cfg)
        track.add(at, rssi)
        self.reads += 1
        self.first = min(self.first, at)
        self.last = max(self.last, at)
        if rssi > self.peak_rssi:
            self.peak_rssi, self.peak_at, self.dropped = rssi, at, False
        elif rssi <= self.peak_rssi - drop:
            self.dropped = True

    @property
    def present(self) -> bool:
        return any(p.present for p in self.points.values())

    def expired(self, now: float) -> bool:
        return all(p.expired(now) for p in self.points.values())

    def settled(self, now: float, quiet: float) -> bool:
        return self.dropped or now - self.last >= quiet


class _Passage:
    """Reads of one EPC at the door; ``tail_of`` is the side a crossing just reported
    left the tag on (the passage then collects what follows that crossing)."""

    __slots__ = ("created", "epc", "linger", "tail_of", "zones")

    def __init__(
        self, epc: str, created: float, linger: float, tail_of: Zone | None = None
    ) -> None:
        self.epc = epc
        self.created = created
        self.linger = linger
        self.tail_of = tail_of
        self.zones: dict[Zone, _ZoneTrack] = {}

    @property
    def started(self) -> float:
        return min((z.first for z in self.zones.values()), default=self.created)

    @property
    def ended(self) -> float:
        return max((z.last for z in self.zones.values()), default=self.created)

    def expired(self, now: float) -> bool:
        if not self.zones:
            return now - self.created >= self.linger
        return all(z.expired(now) for z in self.zones.values())


@dataclass
class _Visit:
    badge: str
    source: str
    first: float
    last: float
    direction: Direction | None = None
    at: float | None = None
    claimed: bool = False


@dataclass
class _Pending:
    due: float
    event: Crossing | DoorSighting


def _other(zone: Zone) -> Zone:
    return "inner" if zone == "outer" else "outer"


def _direction(from_zone: Zone) -> Direction:
    return "in" if from_zone == "outer" else "out"


class DoorLogic:
    """The state machine of one door (see the module docstring).

    The door's zones are the read points of ``door`` (its inner and outer readers); its
    badge readers feed the badge visits. ``per_point`` gives a read point's smoothing
    (readers differ), ``smoothing`` the rest. ``is_badge(epc)`` tells which UHF EPCs are
    people's badges; ``known_side(epc)``, if given, says on which side of this door a
    carrier currently is (else the door remembers the last crossing it reported).
    """

    def __init__(
        self,
        door: DoorConfig,
        *,
        smoothing: Smoothing | None = None,
        per_point: Mapping[str, Smoothing] | None = None,
        tuning: DoorTuning | None = None,
        is_badge: Callable[[str], bool] | None = None,
        known_side: Callable[[str], Zone | None] | None = None,
        on_outer: Callable[[str, float], None] | None = None,
    ) -> None:
        self.door = door.door.id
        #: Called with (epc, at) on a carrier's first read in the outer zone of a passage,
        #: before anything is decided — where a door's alarm decides (tracker.gateway.alarm).
        self.on_outer = on_outer
        self.tuning = tuning or DoorTuning()
        inner, outer = frozenset(door.inner_readers), frozenset(door.outer_readers)
        self.badge_points = frozenset(door.badge_readers)
        if not inner or not outer:
            raise ConfigError(f"door {self.door}: both zones need at least one read point")
        shared = (inner & outer) | ((inner | outer) & self.badge_points)
        if shared:
            raise ConfigError(f"door {self.door}: read points in two roles: {sorted(shared)}")
        self._smoothing = smoothing or Smoothing()
        self._per_point = dict(per_point or {})
        self._is_badge = is_badge or (lambda _epc: False)
        self._known_side = known_side
        self._zone_of: dict[str, Zone] = {p: "inner" for p in inner}
        self._zone_of.update({p: "outer" for p in outer})
        self._passages: dict[str, _Passage] = {}
        self._visits: list[_Visit] = []
        self._pending: list[_Pending] = []
        self._side: dict[str, Zone] = {}
        self._now = float("-inf")
        self._last_scan = float("-inf")

    @property
    def read_points(self) -> frozenset[str]:
        """Every read point this door listens to (zones and badge readers)."""
        return frozenset(self._zone_of) | self.badge_points

    def smoothing_for(self, point: str) -> Smoothing:
        """The smoothing of ``point``."""
        return self._per_point.get(point, self._smoothing)

    # --- inputs ---------------------------------------------------------------------

    def on_tag(self, read: TagRead) -> list[DoorEvent]:
        """A UHF read; reads from other doors' read points are ignored."""
        zone = self._zone_of.get(read.read_point)
        if zone is None:
            return []
        if self._is_badge(read.epc):
            self._badge_seen(read.epc, read.at, "uhf")
        passage = self._passages.get(read.epc)
        if passage is None:
            passage = self._passages[read.epc] = self._new_passage(read.epc, read.at)
        track = passage.zones.get(zone)
        if track is None:
            track = passage.zones[zone] = _ZoneTrack()
            if zone == "outer" and self.on_outer is not None and not self._is_badge(read.epc):
                self.on_outer(read.epc, read.at)
        track.add(
            read.read_point,
            self.smoothing_for(read.read_point),
            read.at,
            read.rssi,
            self.tuning.peak_drop_db,
        )
        return self._advance(read.at, read.epc)

    def on_badge(self, read: BadgeRead) -> list[DoorEvent]:
        """A badge-reader read; reads from other read points are ignored."""
        if read.read_point not in self.badge_points:
            return []
        self._badge_seen(read.badge, read.at, "badge_reader")
        return self._advance(read.at, "")

    def tick(self, now: float) -> list[DoorEvent]:
        """Let time pass; call regularly (e.g. every 100 ms) so decisions are not late."""
        return self._advance(now)

    # --- the machinery ----------------------------------------------------------------

    def _advance(self, t: float, epc: str | None = None) -> list[DoorEvent]:
        now = self._now = max(self._now, t)
        out: list[DoorEvent] = []
        if epc is None or now - self._last_scan >= _SCAN_EVERY:
            # Expiry and quiet zones depend on time only: a full scan on ticks (and
            # every _SCAN_EVERY s of reads, so a caller that never ticks still gets
            # decisions) keeps the per-read cost independent of how many tags linger.
            self._last_scan = now
            for key, passage in list(self._passages.items()):
                if passage.expired(now):
                    del self._passages[key]
                    self._finish(passage, now)
                else:
                    self._maybe_early(passage, now)
            scanned = True
        else:
            current = self._passages.get(epc)
            if current is not None:
                self._maybe_early(current, now)
            scanned = False
        if self._pending:
            due = [p for p in self._pending if p.due <= now]
            if due:
                self._pending = [p for p in self._pending if p.due > now]
                due.sort(key=lambda p: p.due)
                out.extend(self._with_badges(p.event) for p in due)
        if scanned and self._visits:
            out.extend(self._decide_visits(now))
        return out

    def _maybe_early(self, passage: _Passage, now: float) -> None:
        if self.tuning.early and self._settled_both(passage, now):
            to_zone = self._decide(passage, now, "both_zones")
            self._passages[passage.epc] = self._new_passage(passage.epc, now, tail_of=to_zone)

    def _new_passage(self, epc: str, now: float, tail_of: Zone | None = None) -> _Passage:
        return _Passage(epc, now, self._smoothing.absent_after, tail_of)

    def _settled_both(self, passage: _Passage, now: float) -> bool:
        zones = passage.zones
        if len(zones) < 2:
            return False
        outer, inner = zones["outer"], zones["inner"]
        quiet = self.tuning.zone_quiet
        return (
            outer.present
            and inner.present
            and outer.peak_at != inner.peak_at
            and outer.settled(now, quiet)
            and inner.settled(now, quiet)
        )

    def _finish(self, passage: _Passage, now: float) -> None:
        zones = passage.zones
        seen = [z for z, track in zones.items() if track.present]
        if not seen:
            return  # stray reads below the presence threshold: noise
        if len(zones) == 2:
            if len(seen) == 2:
                self._decide(passage, now, "both_zones")
                return
            if self._glimpse_crossed(zones[seen[0]], zones[_other(seen[0])]):
                self._decide(passage, now, "glimpse")
                return
        zone = seen[0]
        if passage.tail_of == zone:
            return  # the end of a crossing already reported
        side = passage.tail_of or self._side_of(passage.epc)
        if side is not None and side != zone:
            self._decide(passage, now, "known_side", from_zone=side, seen_zone=zone)
            return
        if self._is_badge(passage.epc):
            return  # a badge in one zone: its visit reports it
        track = zones[zone]
        self._pending.append(
            _Pending(
                max(now, track.peak_at + self.tuning.badge_after),
                DoorSighting(
                    self.door,
                    passage.epc,
                    zone,
                    track.peak_at,
                    track.first,
                    track.last,
                    track.reads,
                    track.peak_rssi,
                    (),
                    now,
                ),
            )
        )

    def _glimpse_crossed(self, seen: _ZoneTrack, glimpse: _ZoneTrack) -> bool:
        """A glimpse counts as the far side of a crossing unless the seen zone read the
        tag well before AND well after it — someone who stepped in and came back."""
        if glimpse.reads < self.tuning.min_glimpse_reads:
            return False
        margin = self.tuning.zone_quiet
        sandwiched = seen.first < glimpse.first - margin and seen.last > glimpse.last + margin
        return not sandwiched

    def _decide(
        self,
        passage: _Passage,
        now: float,
        evidence: Evidence,
        from_zone: Zone | None = None,
        seen_zone: Zone | None = None,
    ) -> Zone:
        zones = passage.zones
        if from_zone is None:
            outer, inner = zones["outer"], zones["inner"]
            first_zone: Zone = "outer" if outer.first <= inner.first else "inner"
            if outer.peak_at == inner.peak_at:
                peak_zone = first_zone
            else:
                peak_zone = "outer" if outer.peak_at < inner.peak_at else "inner"
            from_zone = peak_zone
            at = (outer.peak_at + inner.peak_at) / 2
        else:
            assert seen_zone is not None
            first_zone = peak_zone = seen_zone
            at = zones[seen_zone].peak_at
        direction = _direction(from_zone)
        to_zone = _other(from_zone)
        if self._is_badge(passage.epc):
            for visit in self._visits:
                if visit.badge == passage.epc and visit.first <= at <= visit.last + 1e-9:
                    visit.direction, visit.at = direction, at
            return to_zone
        self._remember(passage.epc, to_zone)
        crossing = Crossing(
            self.door,
            passage.epc,
            direction,
            at,
            (),
            first_zone,
            peak_zone,
            evidence,
            passage.started,
            passage.ended,
            now,
        )
        self._pending.append(_Pending(max(now, at + self.tuning.badge_after), crossing))
        return to_zone

    def _side_of(self, epc: str) -> Zone | None:
        if self._known_side is not None:
            return self._known_side(epc)
        return self._side.get(epc)

    def _remember(self, epc: str, zone: Zone) -> None:
        self._side.pop(epc, None)
        self._side[epc] = zone
        if len(self._side) > _MEMORY_CAP:
            del self._side[next(iter(self._side))]

    # --- badges -----------------------------------------------------------------------

    def _badge_seen(self, badge: str, at: float, source: str) -> None:
        gap = self._smoothing.absent_after
        for visit in reversed(self._visits):
            if visit.badge == badge and at - visit.last < gap:
                visit.first = min(visit.first, at)
                visit.last = max(visit.last, at)
                return
        self._visits.append(_Visit(badge, source, at, at))

    def _with_badges(self, event: Crossing | DoorSighting) -> Crossing | DoorSighting:
        lo = event.at - self.tuning.badge_before
        hi = event.at + self.tuning.badge_after
        direction = event.direction if isinstance(event, Crossing) else None
        badges: list[str] = []
        for visit in sorted(self._visits, key=lambda v: v.first):
            if visit.last < lo or visit.first > hi or visit.badge in badges:
                continue
            if direction is not None and visit.direction not in (None, direction):
                continue  # a UHF badge that went the other way is not an escort
            badges.append(visit.badge)
            if isinstance(event, Crossing):
                visit.claimed = True
        return replace(event, badges=tuple(badges))

    def _decide_visits(self, now: float) -> list[DoorEvent]:
        cfg = self.tuning
        out: list[DoorEvent] = []
        keep: list[_Visit] = []
        wait = max(self._smoothing.absent_after, cfg.badge_before)
        for visit in self._visits:
            ready = now >= visit.last + wait
            if ready and now < visit.last + wait + cfg.max_badge_hold:
                ready = not self._may_claim(visit)
            if not ready:
                keep.append(visit)
                continue
            if not visit.claimed:
                out.append(
                    PersonCrossing(
                        self.door,
                        visit.badge,
                        visit.at if visit.at is not None else visit.first,
                        visit.direction,
                        "uhf" if visit.source == "uhf" else "badge_reader",
                        now,
                    )
                )
        self._visits = keep
        return out

    def _may_claim(self, visit: _Visit) -> bool:
        """True while a carrier passage or a held crossing could still claim ``visit``."""
        cfg = self.tuning
        horizon = visit.last + cfg.badge_before
        for passage in self._passages.values():
            if passage.zones and not self._is_badge(passage.epc) and passage.started <= horizon:
                return True
        return any(
            isinstance(p.event, Crossing) and p.event.at - cfg.badge_before <= visit.last
            for p in self._pending
        )
