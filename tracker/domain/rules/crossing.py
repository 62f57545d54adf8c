"""Judging a carrier seen crossing a door: R1 (a place outside its authorized places or
below its level), R2 (top secret leaving the secure room), R3 (moved by someone outside
its scope or clearance), R5 (a circulating carrier passed sideways) and R6 (leaving the
building without a carry-out, or top secret without its escorts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from tracker.domain.levels import Level
from tracker.domain.model import AlertType, Carrier, Person, Place, RoomKind, Severity
from tracker.domain.rules.findings import Finding
from tracker.domain.rules.holding import r3_may_hold
from tracker.domain.rules.places import Authorizations, r1_authorized_places


def evaluate_crossing(
    carrier: Carrier,
    from_room: Place | None,
    to_room: Place,
    exit_door: bool,
    people: Sequence[Person],
    places: Iterable[Place],
    auth: Authorizations,
    at: datetime,
    escorts_needed: int = 2,
) -> list[Finding]:
    """Judge a carrier crossing a door from ``from_room`` into ``to_room`` with ``people``.

    Returns the findings for R1 (a place outside its authorized places or below its
    level), R2 (top secret leaving the secure room), R6 (leaving the building without a
    carry-out; top secret without two approved escorts read with it), R3 (a person
    outside its scope or clearance moving it) and R5 (:func:`r5_sideways_pass`)."""
    out: list[Finding] = []
    serial = carrier.serial
    carry_out = auth.active_carry_out(at)
    leaving_building = exit_door or to_room.room_kind is RoomKind.OUTSIDE
    if (
        carrier.level is Level.TOP_SECRET
        and from_room is not None
        and from_room.room_kind is RoomKind.SECURE
        and to_room.room_kind is not RoomKind.SECURE
        and carry_out is None
    ):
        out.append(
            Finding(
                AlertType.UNAUTHORIZED_REMOVAL,
                Severity.CRITICAL,
                "R2",
                f"top-secret carrier {serial} left the secure room",
                f"绝密级载体 {serial} 被带出机要室",
            )
        )
    if leaving_building:
        if carry_out is None:
            out.append(
                Finding(
                    AlertType.UNAUTHORIZED_REMOVAL,
                    Severity.CRITICAL,
                    "R6",
                    f"carrier {serial} left the building without an approved carry-out",
                    f"载体 {serial} 未经外出携带审批被带出大楼",
                )
            )
        elif carrier.level is Level.TOP_SECRET:
            read = {p.id for p in people}
            present = [e for e in carry_out.escorts if e in read]
            if len(present) < escorts_needed:
                out.append(
                    Finding(
                        AlertType.ESCORT_MISSING,
                        Severity.CRITICAL,
                        "R6",
                        f"top-secret carrier {serial} left the building with {len(present)} of "
                        f"{escorts_needed} approved escorts",
                        f"绝密级载体 {serial} 出楼时只有{len(present)}名经批准的护送人员"
                        f"（应至少{escorts_needed}名）",
                        {"escorts_read": ",".join(present)},
                    )
                )
    elif to_room.room_kind is not RoomKind.PASSAGE:
        allowed = r1_authorized_places(carrier, places, auth)
        below = not to_room.allows(carrier.level)
        if (below or to_room.id not in allowed) and not any(f.rule == "R2" for f in out):
            why = "below its level" if below else "outside its authorized places"
            why_zh = "密级低于载体密级" if below else "不在其许可存放或使用的场所之内"
            out.append(
                Finding(
                    AlertType.UNAUTHORIZED_REMOVAL,
                    Severity.CRITICAL,
                    "R1",
                    f"carrier {serial} entered {to_room.id}, {why}",
                    f"载体 {serial} 进入{to_room.name}，该场所{why_zh}",
                    {"place": to_room.id},
                )
            )
    entitled = auth.holders()
    for person in people:
        if person.id in entitled and person.active:
            continue
        if not r3_may_hold(person, carrier):
            out.append(
                Finding(
                    AlertType.WRONG_HOLDER,
                    Severity.CRITICAL,
                    "R3",
                    f"carrier {serial} moved with {person.id}, who is outside its scope "
                    "or clearance",
                    f"载体 {serial} 由不在知悉范围或涉密等级不够的人员{person.name}携带",
                    {"person": person.id},
                )
            )
    return out


def r5_sideways_pass(
    carrier: Carrier, people: Sequence[Person], auth: Authorizations
) -> list[Finding]:
    """R5: on a circulation the carrier goes back to the custodian between readers; a
    reader other than the one it was issued to carrying it means it was passed sideways."""
    hops = [b for b in auth.borrows if b.circulation]
    if not hops:
        return []
    issued_to = {b.borrower for b in hops}
    return [
        Finding(
            AlertType.WRONG_HOLDER,
            Severity.CRITICAL,
            "R5",
            f"carrier {carrier.serial} on circulation moved with {p.id}, not the reader it "
            "was issued to: passed from reader to reader",
            f"传阅中的载体 {carrier.serial} 由非当前阅读人{p.name}携带，存在横传",
            {"person": p.id},
        )
        for p in people
        if not p.role.keeps_carriers and p.id not in issued_to
    ]
