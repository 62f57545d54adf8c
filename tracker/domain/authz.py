"""The authorization table: for each door, which carriers may be on its outer side now —
what a gateway needs to sound a door's alarm on the first outer-zone read, without the
network, the database or the full crossing logic.

A carrier may be on a door's outer side when crossing the door outwards would raise no
unauthorized-removal finding (:func:`tracker.domain.rules.evaluate_crossing` with no
one's badge read): its home places, the places policy lets it be read in, the
destinations of its active borrows and circulations, passages between them (R1);
never out of the secure room if top secret (R2) nor out of the building (R6) — unless
an approved carry-out covers it, which holds only between its ``valid_from`` and
``valid_until`` and, for top secret leaving the building, with its escorts' badges read
at the door. Those windows travel in the table, so a gateway cut off from the service
still opens and closes them on time.

Each door keeps a default verdict (the one most carriers get) and the carriers whose
verdict differs; an EPC the table does not know at all is an unknown tag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import (
    AlertType,
    Carrier,
    CarryOut,
    Door,
    Place,
    RoomKind,
)
from tracker.domain.rules import Authorizations, Finding, evaluate_crossing

FORMAT = 1  # the table's JSON layout


@dataclass(frozen=True)
class Window:
    """While ``valid_from <= now <= valid_until`` an approved carry-out lets the carrier
    out; ``escorts`` are the badge codes of its approved escorts, of which
    ``escorts_needed`` must be read with it (top secret leaving the building, R6)."""

    valid_from: datetime
    valid_until: datetime
    escorts: tuple[str, ...] = ()
    escorts_needed: int = 0

    def open_at(self, now: datetime) -> bool:
        """True while the carry-out is valid."""
        return self.valid_from <= now <= self.valid_until


@dataclass(frozen=True)
class Verdict:
    """Whether a carrier may be on a door's outer side: ``allowed`` outside any window
    (``rule``: the rule that forbids it), and the carry-out windows that let it out."""

    allowed: bool
    rule: str | None = None
    windows: tuple[Window, ...] = ()

    def window_at(self, now: datetime) -> Window | None:
        """The carry-out window open at ``now``, if any."""
        return next((w for w in self.windows if w.open_at(now)), None)


ALLOWED = Verdict(True)


@dataclass(frozen=True)
class Decision:
    """What a gateway does on a carrier's first outer-zone read: ``alarm`` or not, and
    why — ``allowed``, ``denied`` (by ``rule``), ``unknown`` (an unregistered tag) —
    with the open carry-out ``window`` whose escorts the crossing must show."""

    alarm: bool
    reason: Literal["allowed", "denied", "unknown"]
    rule: str | None = None
    window: Window | None = None


@dataclass(frozen=True)
class DoorTable:
    """One door: its default verdict and the carriers (by EPC) whose verdict differs."""

    door: str
    outer: str
    exit: bool
    default: Verdict
    carriers: Mapping[str, Verdict] = field(default_factory=dict)

    def verdict(self, epc: str) -> Verdict:
        """The verdict for ``epc`` (a known carrier)."""
        return self.carriers.get(epc, self.default)


@dataclass(frozen=True)
class AuthorizationTable:
    """The whole table as the service computed it: ``version`` rises with every change
    of content; ``known`` are the EPCs of every registered carrier."""

    version: int
    generated_at: datetime
    known: frozenset[str]
    doors: Mapping[str, DoorTable]

    def decide(self, door: str, epc: str, now: datetime, *, unknown_alarms: bool) -> Decision:
        """The decision on the first outer-zone read of ``epc`` at ``door`` at ``now``."""
        epc = epc.upper()
        table = self.doors.get(door)
        if epc not in self.known:
            return Decision(unknown_alarms, "unknown")
        if table is None:
            return Decision(False, "allowed")
        v = table.verdict(epc)
        if v.allowed:
            return Decision(False, "allowed")
        window = v.window_at(now)
        if window is not None:
            return Decision(False, "allowed", v.rule, window)
        return Decision(True, "denied", v.rule)

    def content(self) -> dict[str, Any]:
        """The table without its version and time: what the digest covers."""
        return {
            "format": FORMAT,
            "known": sorted(self.known),
            "doors": {d: _door_json(t) for d, t in sorted(self.doors.items())},
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`content` (a change of content changes
        it; recomputing an unchanged table does not)."""
        text = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The wire and disk form."""
        return {
            "version": self.version,
            "generated_at": self.generated_at.isoformat(),
            **self.content(),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> AuthorizationTable:
        """Inverse of :meth:`to_json`; InvalidInput naming the bad field otherwise."""
        try:
            if data.get("format") != FORMAT:
                raise InvalidInput("format", f"unknown table format {data.get('format')!r}")
            return AuthorizationTable(
                int(data["version"]),
                _time(data["generated_at"]),
                frozenset(str(e).upper() for e in data["known"]),
                {str(d): _door_from(str(d), t) for d, t in data["doors"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(
                "table", f"not an authorization table: {exc!r}", zh=f"授权表格式有误：{exc!r}"
            ) from exc


def _time(text: Any) -> datetime:
    t = datetime.fromisoformat(str(text))
    if t.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset")
    return t


def _verdict_json(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {"allowed": v.allowed}
    if v.rule:
        out["rule"] = v.rule
    if v.windows:
        out["windows"] = [
            {
                "from": w.valid_from.isoformat(),
                "until": w.valid_until.isoformat(),
                "escorts": list(w.escorts),
                "escorts_needed": w.escorts_needed,
            }
            for w in v.windows
        ]
    return out


def _verdict_from(data: Mapping[str, Any]) -> Verdict:
    windows = tuple(
        Window(
            _time(w["from"]),
            _time(w["until"]),
            tuple(str(b).upper() for b in w.get("escorts", ())),
            int(w.get("escorts_needed", 0)),
        )
        for w in data.get("windows", ())
    )
    return Verdict(bool(data["allowed"]), data.get("rule"), windows)


def _door_json(t: DoorTable) -> dict[str, Any]:
    return {
        "outer": t.outer,
        "exit": t.exit,
        "default": _verdict_json(t.default),
        "carriers": {e: _verdict_json(v) for e, v in sorted(t.carriers.items())},
    }


def _door_from(door: str, data: Mapping[str, Any]) -> DoorTable:
    return DoorTable(
        door,
        str(data["outer"]),
        bool(data["exit"]),
        _verdict_from(data["default"]),
        {str(e).upper(): _verdict_from(v) for e, v in data.get("carriers", {}).items()},
    )


# --- computing verdicts (the service side) ----------------------------------------------


def _removal(findings: Sequence[Finding]) -> Finding | None:
    return next((f for f in findings if f.type is AlertType.UNAUTHORIZED_REMOVAL), None)


def outer_verdict(
    carrier: Carrier,
    door: Door,
    inner: Place,
    outer: Place,
    places: Iterable[Place],
    auth: Authorizations,
    escort_badges: Mapping[str, tuple[str, ...]],
    escorts_needed: int,
) -> Verdict:
    """May ``carrier`` be on the outer side of ``door``? The crossing rules judge a
    crossing outwards with no badge read, first without any carry-out, then under each
    of its approved carry-outs (``auth.carry_outs``) at the start of its validity.
    ``escort_badges`` maps people to their badge codes."""
    places = tuple(places)
    leaving = door.exit and outer.room_kind is RoomKind.OUTSIDE
    base = Authorizations(auth.borrows, auth.circulations, ())

    def judge(a: Authorizations, at: datetime) -> list[Finding]:
        return evaluate_crossing(carrier, inner, outer, leaving, (), places, a, at, escorts_needed)

    denied = _removal(judge(base, _EPOCH))  # no carry-out: the time does not matter
    if denied is None:
        return ALLOWED
    windows = []
    for co in auth.carry_outs:
        if co.state.value != "approved":
            continue
        found = judge(Authorizations(auth.borrows, auth.circulations, (co,)), co.valid_from)
        if _removal(found) is not None:
            continue
        need = 0
        if leaving and carrier.level is Level.TOP_SECRET:
            need = escorts_needed
        badges = tuple(b for person in co.escorts for b in escort_badges.get(person, ()))
        windows.append(Window(co.valid_from, co.valid_until, badges if need else (), need))
    return Verdict(False, denied.rule, tuple(windows))


_EPOCH = datetime.fromisoformat("2000-01-01T00:00:00+00:00")


def door_table(door: Door, outer: Place, verdicts: Mapping[str, Verdict]) -> DoorTable:
    """A door's table from every carrier's verdict (by EPC): the commonest verdict is
    the default, the others are listed."""
    allowed = sum(1 for v in verdicts.values() if v == ALLOWED)
    if allowed * 2 >= len(verdicts):
        default = ALLOWED
    else:
        rules = [v.rule for v in verdicts.values() if not v.allowed and not v.windows]
        default = Verdict(False, max(set(rules), key=rules.count) if rules else None)
    listed = {e: v for e, v in verdicts.items() if v != default}
    return DoorTable(door.id, outer.id, door.exit, default, listed)


def carry_outs_of(serial: str, carry_outs: Iterable[CarryOut]) -> tuple[CarryOut, ...]:
    """The approved carry-outs that name ``serial``."""
    return tuple(c for c in carry_outs if c.state.value == "approved" and serial in c.carriers)
