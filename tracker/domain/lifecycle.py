"""The carrier lifecycle (SPEC §2): one table of the steps a carrier may take from each
state, and the functions that take them. Every change of a carrier's state goes through
here; a step the table does not allow raises :class:`ForbiddenTransition` naming the
state the carrier is in, the state the step leads to, and the rule.

::

    registered ──store──> in_safe ──check_out──> out ──return──> registered
        │  ^                 │  taken out (seen)   │ hand_over (stays out)
        │  └─────────────────┘                     └─depart──> in_transit ──come_back──┐
        └─ report_missing ─> missing ──found──> registered  <───────────────────────────┘
    declassify ─> declassified        destroy ─> destroyed (final)        archive ─> archived

Two kinds of caller use it. A use case (the custodian stores, checks out, destroys) calls
:func:`take` and is refused when the step does not fit. What a reader observed
(:func:`observe`) is never refused — hardware sees what it sees — so a step that does not
fit leaves the state as it is and only the place is updated; the rules judge the
observation separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tracker.domain.errors import ForbiddenTransition
from tracker.domain.model import Carrier, CarrierState

S = CarrierState


class Step(str, Enum):
    """What can happen to a carrier."""

    STORE = "store"  # the custodian locks it in a safe
    SEEN_IN_SAFE = "seen_in_safe"  # a safe's reader sees it put in
    TAKEN_OUT = "taken_out"  # seen taken out of its safe, or crossing a door
    CHECK_OUT = "check_out"  # handed to a borrower or circulation reader
    RETURN = "return"  # back from a borrower
    HAND_OVER = "hand_over"  # from one holder to a successor (R12)
    DEPART = "depart"  # leaves the building under an approved carry-out
    COME_BACK = "come_back"  # back from a carry-out
    REPORT_MISSING = "report_missing"  # an inventory or a loss report finds it gone
    FOUND = "found"
    ARCHIVE = "archive"
    DECLASSIFY = "declassify"
    DESTROY = "destroy"

    @property
    def zh(self) -> str:
        """Chinese name of the step."""
        return _STEP_ZH[self]


_STEP_ZH = {
    Step.STORE: "入柜",
    Step.SEEN_IN_SAFE: "放入保险柜",
    Step.TAKEN_OUT: "取出保险柜",
    Step.CHECK_OUT: "借出",
    Step.RETURN: "归还",
    Step.HAND_OVER: "移交",
    Step.DEPART: "外出携带出楼",
    Step.COME_BACK: "外出携带返回",
    Step.REPORT_MISSING: "登记下落不明",
    Step.FOUND: "找回",
    Step.ARCHIVE: "归档",
    Step.DECLASSIFY: "解密",
    Step.DESTROY: "销毁",
}


@dataclass(frozen=True)
class Transition:
    """A step: the states it may be taken from, the state it leads to, and the rule that
    governs it."""

    sources: frozenset[CarrierState]
    target: CarrierState | None  # None: the state does not change (hand-over)
    rule: str


def _t(target: CarrierState | None, rule: str, *sources: CarrierState) -> Transition:
    return Transition(frozenset(sources), target, rule)


# The table: state × step → state. DESTROYED is the source of no step: it is final.
TABLE: dict[Step, Transition] = {
    Step.STORE: _t(S.IN_SAFE, "R7", S.REGISTERED, S.IN_SAFE, S.MISSING, S.ARCHIVED),
    Step.SEEN_IN_SAFE: _t(S.IN_SAFE, "R7", S.REGISTERED, S.IN_SAFE),
    Step.TAKEN_OUT: _t(S.REGISTERED, "R1", S.IN_SAFE),
    Step.CHECK_OUT: _t(S.OUT, "R3", S.REGISTERED, S.IN_SAFE),
    Step.RETURN: _t(S.REGISTERED, "R5", S.OUT),
    Step.HAND_OVER: _t(None, "R12", S.OUT, S.IN_TRANSIT),
    Step.DEPART: _t(S.IN_TRANSIT, "R6", S.REGISTERED, S.OUT, S.IN_TRANSIT),
    Step.COME_BACK: _t(S.REGISTERED, "R6", S.IN_TRANSIT, S.OUT, S.REGISTERED),
    Step.REPORT_MISSING: _t(
        S.MISSING,
        "R13",
        S.REGISTERED,
        S.IN_SAFE,
        S.OUT,
        S.IN_TRANSIT,
        S.MISSING,
        S.ARCHIVED,
        S.DECLASSIFIED,
    ),
    Step.FOUND: _t(S.REGISTERED, "R13", S.MISSING),
    Step.ARCHIVE: _t(S.ARCHIVED, "R14", S.REGISTERED, S.IN_SAFE),
    Step.DECLASSIFY: _t(
        S.DECLASSIFIED, "R11", S.REGISTERED, S.IN_SAFE, S.OUT, S.IN_TRANSIT, S.MISSING, S.ARCHIVED
    ),
    Step.DESTROY: _t(
        S.DESTROYED, "R10", S.REGISTERED, S.IN_SAFE, S.MISSING, S.ARCHIVED, S.DECLASSIFIED
    ),
}


class _Keep:
    """The type of :data:`_KEEP`."""


_KEEP = _Keep()  # "leave this field as it is"


def allows(state: CarrierState, step: Step) -> bool:
    """True when ``step`` may be taken from ``state``."""
    return state in TABLE[step].sources


def after(state: CarrierState, step: Step) -> CarrierState:
    """The state ``step`` leads to from ``state``; ForbiddenTransition if it may not be
    taken from there."""
    t = TABLE[step]
    if state not in t.sources:
        raise _forbidden(None, state, step)
    return state if t.target is None else t.target


def _forbidden(serial: str | None, state: CarrierState, step: Step) -> ForbiddenTransition:
    t = TABLE[step]
    target = state if t.target is None else t.target
    sources = [s for s in CarrierState if s in t.sources]
    names = " or ".join(s.value for s in sources)
    what, what_zh = (f"carrier {serial}", f"载体 {serial} ") if serial else ("the carrier", "载体")
    return ForbiddenTransition(
        t.rule,
        f"{what} is {state.value}, not {names}: {step.value} leads from {names} to "
        f"{target.value}, never from {state.value}",
        zh=f"{what_zh}当前为{state.zh}，不能{step.zh}"
        f"（{state.zh}→{target.zh}不被允许；须为{'或'.join(s.zh for s in sources)}）",
        state=state.value,
        target=target.value,
        step=step.value,
    )


def take(
    c: Carrier,
    step: Step,
    *,
    at: datetime | None = None,
    location: str | _Keep | None = _KEEP,
    holder: str | _Keep | None = _KEEP,
) -> CarrierState:
    """A use case takes ``step`` with carrier ``c``: its state moves by the table and the
    given custody fields change with it (``at`` stamps ``location_at``). Raises
    ForbiddenTransition, changing nothing, when the step does not fit."""
    if c.state not in TABLE[step].sources:
        raise _forbidden(c.serial, c.state, step)
    c.state = after(c.state, step)
    if not isinstance(location, _Keep):
        c.location = location
        if at is not None:
            c.location_at = at
    if not isinstance(holder, _Keep):
        c.holder = holder
    return c.state


def observe(c: Carrier, step: Step, *, holder: str | _Keep | None = _KEEP) -> bool:
    """A reader saw ``step`` happen: the state moves when the table allows it, and stays
    otherwise (an observation is recorded and judged, never refused). Returns whether
    the state moved."""
    if c.state not in TABLE[step].sources:
        return False
    take(c, step, holder=holder)
    return True


def seen_at(c: Carrier, place: str, at: datetime) -> bool:
    """A reader saw the carrier at ``place``: it is there now — unless it is destroyed,
    which is for ever nowhere (a tag that outlived its carrier is judged, not followed).
    Returns whether the place changed."""
    if c.state.final:
        return False
    c.location, c.location_at = place, at
    return True


# --- the steps use cases take, with the custody fields each one sets ---------------------


def store(c: Carrier, safe: str, at: datetime) -> None:
    """Locked in ``safe``: nobody holds it."""
    take(c, Step.STORE, at=at, location=safe, holder=None)


def check_out(c: Carrier, holder: str, room: str | None, at: datetime) -> None:
    """Handed to ``holder``; it leaves from ``room``."""
    take(c, Step.CHECK_OUT, at=at, location=room, holder=holder)


def give_back(c: Carrier) -> None:
    """Back with the custodian from a borrower."""
    take(c, Step.RETURN, holder=None)


def hand_over(c: Carrier, to: str) -> None:
    """Held by ``to`` from now on (the state stays)."""
    take(c, Step.HAND_OVER, holder=to)


def come_back(c: Carrier) -> bool:
    """Back from a carry-out, with the custodian; a carrier that is not away (already
    stored, missing, …) is left as it is. Returns whether it came back."""
    if not allows(c.state, Step.COME_BACK):
        return False
    take(c, Step.COME_BACK, holder=None)
    return True


def report_missing(c: Carrier) -> None:
    """Found gone by an inventory or reported lost; the last holder stays on record."""
    take(c, Step.REPORT_MISSING)


def found(c: Carrier, at: datetime) -> None:
    """A missing carrier is back with the custodian, in its home room."""
    take(c, Step.FOUND, at=at, location=c.home_room, holder=None)


def declassify(c: Carrier) -> None:
    """Declassified (R11): no longer classified, still on record."""
    take(c, Step.DECLASSIFY)


def destroy(c: Carrier, at: datetime) -> None:
    """Destroyed (R10): nowhere and held by nobody, for ever."""
    take(c, Step.DESTROY, at=at, location=None, holder=None)
