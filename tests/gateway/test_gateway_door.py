"""Door logic, table-driven: synthetic read streams of people walking through a door.

A "sweep" is what a multi-polling reader reports while a tag is carried through its
zone: a read every ~30 ms with RSSI rising to a peak in the middle and falling again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from drivers.reads import BadgeRead, TagRead
from tracker.domain.model import Door
from tracker.domain.site import DoorConfig
from tracker.gateway.door import DoorLogic, DoorTuning
from tracker.gateway.events import Crossing, DoorEvent, DoorSighting, PersonCrossing, Zone

CARRIER = "3034257BF400000000BC6038"
CARRIER2 = "3034257BF40000000000007B"
BADGE_UHF = "E2000000000000000000BADE"
POINT = {"outer": "d1-out", "inner": "d1-in"}

Read = TagRead | BadgeRead


def door_config(badges: tuple[str, ...] = ()) -> DoorConfig:
    """Door 1: the reader ``d1-in`` watches the inner zone, ``d1-out`` the outer."""
    door = Door("door-1", "door 1", "inside", "outside")
    return DoorConfig(door, ("d1-in",), ("d1-out",), badges)


def sweep(
    epc: str,
    zone: str,
    t0: float,
    duration: float = 1.0,
    *,
    period: float = 0.03,
    low: int = -75,
    high: int = -45,
    miss: float = 0.0,
    jitter: int = 0,
    seed: int = 0,
) -> list[Read]:
    """Reads of ``epc`` in ``zone`` from ``t0`` for ``duration`` s, RSSI a triangle."""
    rng = random.Random(seed)
    out: list[Read] = []
    n = max(1, int(duration / period))
    for i in range(n + 1):
        frac = i / n
        if miss and rng.random() < miss:
            continue
        rssi = round(low + (high - low) * (1 - abs(2 * frac - 1))) + rng.randint(-jitter, jitter)
        out.append(TagRead(epc, 0x3000, rssi, POINT[zone], t0 + frac * duration))
    return out


def single(epc: str, zone: str, at: float, rssi: int = -70) -> list[Read]:
    """One read."""
    return [TagRead(epc, 0x3000, rssi, POINT[zone], at)]


def tap(badge: str, at: float, repeats: int = 3) -> list[Read]:
    """A badge held at the door's RDM6300 reader: a frame every ~150 ms."""
    return [BadgeRead(badge, "d1-badge", at + 0.15 * i, "em4100") for i in range(repeats)]


def run(
    reads: list[Read],
    *,
    logic: DoorLogic | None = None,
    is_badge: Callable[[str], bool] | None = None,
    until: float | None = None,
    **config: object,
) -> list[DoorEvent]:
    """Feed reads in time order with a tick every 100 ms, then let 10 s pass."""
    if logic is None:
        tuning = DoorTuning(**config)  # type: ignore[arg-type]
        logic = DoorLogic(door_config(("d1-badge",)), tuning=tuning, is_badge=is_badge)
    reads = sorted(reads, key=lambda r: r.at)
    end = (reads[-1].at if reads else 0.0) + 10.0 if until is None else until
    events: list[DoorEvent] = []
    t = min((r.at for r in reads), default=0.0)
    i = 0
    while t <= end:
        while i < len(reads) and reads[i].at <= t:
            r = reads[i]
            events.extend(logic.on_tag(r) if isinstance(r, TagRead) else logic.on_badge(r))
            i += 1
        events.extend(logic.tick(t))
        t += 0.1
    return events


def of(kind: type, events: list[DoorEvent]) -> list[DoorEvent]:
    return [e for e in events if isinstance(e, kind)]


@dataclass
class Case:
    name: str
    reads: list[Read]
    crossings: list[tuple[str, str, str]]  # (epc, direction, evidence)
    sightings: list[tuple[str, Zone]] = field(default_factory=list)
    persons: list[tuple[str, str | None]] = field(default_factory=list)  # (badge, direction)
    badges: dict[str, tuple[str, ...]] = field(default_factory=dict)  # epc -> badges


BADGE_A = "0100073EA7"
BADGE_B = "0100073EA8"

CASES = [
    Case(
        "enter: outer then inner",
        sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6),
        [(CARRIER, "in", "both_zones")],
    ),
    Case(
        "leave: inner then outer",
        sweep(CARRIER, "inner", 0.0) + sweep(CARRIER, "outer", 0.6),
        [(CARRIER, "out", "both_zones")],
    ),
    Case(
        "turn back in the doorway: only the outer zone",
        sweep(CARRIER, "outer", 0.0, 1.5),
        [],
        sightings=[(CARRIER, "outer")],
    ),
    Case(
        "turn back after a stray read on the far side",
        sweep(CARRIER, "outer", 0.0, 2.0) + single(CARRIER, "inner", 1.0),
        [],
        sightings=[(CARRIER, "outer")],
    ),
    Case(
        "two people with one carrier",
        sweep(CARRIER, "outer", 0.0)
        + sweep(CARRIER, "inner", 0.6)
        + tap(BADGE_A, -2.0)
        + tap(BADGE_B, -1.0),
        [(CARRIER, "in", "both_zones")],
        badges={CARRIER: (BADGE_A, BADGE_B)},
    ),
    Case(
        "two carriers with one person",
        sweep(CARRIER, "inner", 0.0)
        + sweep(CARRIER, "outer", 0.6)
        + sweep(CARRIER2, "inner", 0.1, seed=1)
        + sweep(CARRIER2, "outer", 0.7, seed=1)
        + tap(BADGE_A, -1.5),
        [(CARRIER, "out", "both_zones"), (CARRIER2, "out", "both_zones")],
        badges={CARRIER: (BADGE_A,), CARRIER2: (BADGE_A,)},
    ),
    Case(
        "read only on one side, the other side glimpsed it once",
        sweep(CARRIER, "outer", 0.0) + single(CARRIER, "inner", 1.05),
        [(CARRIER, "in", "glimpse")],
    ),
    Case(
        "badge without carrier",
        tap(BADGE_A, 0.0),
        [],
        persons=[(BADGE_A, None)],
    ),
    Case(
        "badge long before the carrier is not its holder",
        tap(BADGE_A, -10.0) + sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6),
        [(CARRIER, "in", "both_zones")],
        persons=[(BADGE_A, None)],
        badges={CARRIER: ()},
    ),
    Case(
        "jittery reads: half the reads missed, ±4 dB noise",
        sweep(CARRIER, "outer", 0.0, miss=0.5, jitter=4, seed=7)
        + sweep(CARRIER, "inner", 0.6, miss=0.5, jitter=4, seed=8),
        [(CARRIER, "in", "both_zones")],
    ),
    Case(
        "jittery reads: a tag resting in one zone with long dropouts",
        [
            r
            for i, r in enumerate(sweep(CARRIER, "outer", 0.0, 8.0, low=-60, high=-60))
            if (i // 10) % 3 != 1
        ],
        [],
        sightings=[(CARRIER, "outer")],
    ),
    Case(
        "one stray read is noise",
        single(CARRIER, "inner", 0.0),
        [],
    ),
    Case(
        "RSSI peak disagrees with first sight: peak order wins",
        # A reflection gives the outer antenna the first (weak) read; the tag then peaks
        # at the inner antenna and only later at the outer one: it went out.
        single(CARRIER, "outer", 0.0, -74)
        + single(CARRIER, "outer", 0.1, -74)
        + sweep(CARRIER, "inner", 0.2)
        + sweep(CARRIER, "outer", 0.8),
        [(CARRIER, "out", "both_zones")],
    ),
    Case(
        "walk in and straight back out",
        sweep(CARRIER, "outer", 0.0)
        + sweep(CARRIER, "inner", 0.6, 1.6)
        + sweep(CARRIER, "outer", 1.9, seed=3),
        [(CARRIER, "in", "both_zones"), (CARRIER, "out", "both_zones")],
    ),
    Case(
        "UHF badge crossing with the carrier is attached, and not reported alone",
        sweep(CARRIER, "outer", 0.0)
        + sweep(CARRIER, "inner", 0.6)
        + sweep(BADGE_UHF, "outer", 0.05, seed=2)
        + sweep(BADGE_UHF, "inner", 0.65, seed=2),
        [(CARRIER, "in", "both_zones")],
        badges={CARRIER: (BADGE_UHF,)},
    ),
    Case(
        "UHF badge alone: a person crossing with a direction",
        sweep(BADGE_UHF, "inner", 0.0) + sweep(BADGE_UHF, "outer", 0.6),
        [],
        persons=[(BADGE_UHF, "out")],
    ),
    Case(
        "UHF badge going the other way is not an escort",
        sweep(CARRIER, "outer", 0.0)
        + sweep(CARRIER, "inner", 0.6)
        + sweep(BADGE_UHF, "inner", 0.0, seed=4)
        + sweep(BADGE_UHF, "outer", 0.6, seed=4),
        [(CARRIER, "in", "both_zones")],
        persons=[(BADGE_UHF, "out")],
        badges={CARRIER: ()},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_door_cases(case: Case) -> None:
    events = run(case.reads, is_badge=lambda epc: epc == BADGE_UHF)
    crossings = [e for e in events if isinstance(e, Crossing)]
    assert [(c.epc, c.direction, c.evidence) for c in crossings] == case.crossings
    sightings = [e for e in events if isinstance(e, DoorSighting)]
    assert [(s.epc, s.zone) for s in sightings] == case.sightings
    persons = [e for e in events if isinstance(e, PersonCrossing)]
    assert [(p.badge, p.direction) for p in persons] == case.persons
    for epc, badges in case.badges.items():
        assert [c.badges for c in crossings if c.epc == epc] == [badges]


def test_peak_disagreement_is_visible_in_the_event() -> None:
    case = next(c for c in CASES if c.name.startswith("RSSI peak disagrees"))
    (crossing,) = of(Crossing, run(case.reads))
    assert isinstance(crossing, Crossing)
    assert (crossing.first_zone, crossing.peak_zone) == ("outer", "inner")


def test_crossing_is_decided_before_the_tag_goes_absent() -> None:
    """With early decisions the crossing does not wait ``absent_after`` after the last read."""
    events = run(sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6))
    (crossing,) = of(Crossing, events)
    assert isinstance(crossing, Crossing)
    assert crossing.decided_at < crossing.ended + 2.0
    assert crossing.at == pytest.approx((0.5 + 1.1) / 2, abs=0.05)


def test_without_early_decisions_the_crossing_waits_for_absence() -> None:
    events = run(sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6), early=False)
    (crossing,) = of(Crossing, events)
    assert isinstance(crossing, Crossing)
    assert crossing.direction == "in"
    assert crossing.decided_at >= crossing.ended + 2.0


def test_known_side_from_an_earlier_crossing() -> None:
    """The far zone misses a whole passage: the door knows the tag was inside, so a
    passage seen only by the outer zone is a crossing out."""
    cfg = door_config()
    logic = DoorLogic(cfg)
    first = run(sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6), logic=logic)
    assert [(c.direction) for c in of(Crossing, first)] == ["in"]  # type: ignore[attr-defined]
    later = run(sweep(CARRIER, "outer", 100.0), logic=logic)
    (crossing,) = of(Crossing, later)
    assert isinstance(crossing, Crossing)
    assert (crossing.direction, crossing.evidence) == ("out", "known_side")


def test_known_side_from_the_caller() -> None:
    cfg = door_config()
    logic = DoorLogic(cfg, known_side=lambda epc: "inner" if epc == CARRIER else None)
    events = run(sweep(CARRIER, "outer", 0.0) + sweep(CARRIER2, "outer", 0.0), logic=logic)
    kinds = sorted((e.epc, type(e).__name__) for e in events)  # type: ignore[union-attr]
    assert kinds == [(CARRIER2, "DoorSighting"), (CARRIER, "Crossing")]


def test_reads_from_other_doors_are_ignored() -> None:
    events = run([TagRead(CARRIER, 0x3000, -50, "elsewhere", t / 30) for t in range(60)])
    assert events == []


def test_badge_read_just_after_the_crossing_still_joins() -> None:
    reads = sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6) + tap(BADGE_A, 1.1, 1)
    (crossing,) = of(Crossing, run(reads))
    assert isinstance(crossing, Crossing)
    assert crossing.badges == (BADGE_A,)


def test_events_are_frozen() -> None:
    (crossing,) = of(Crossing, run(sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6)))
    with pytest.raises(AttributeError):
        crossing.direction = "out"  # type: ignore[misc]


def test_reads_alone_drive_decisions_when_nobody_ticks() -> None:
    cfg = door_config()
    logic = DoorLogic(cfg)
    events: list[DoorEvent] = []
    for read in sorted(
        sweep(CARRIER, "outer", 0.0) + sweep(CARRIER, "inner", 0.6), key=lambda r: r.at
    ):
        assert isinstance(read, TagRead)
        events += logic.on_tag(read)
    events += logic.on_tag(TagRead(CARRIER2, 0x3000, -70, "d1-out", 5.0))
    assert [(e.epc, e.direction) for e in of(Crossing, events)] == [(CARRIER, "in")]  # type: ignore[attr-defined]
