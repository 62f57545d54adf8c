"""R16: everyone who reads or handles a top-secret carrier is recorded by name and time
(知悉记录, 000 §17) — who the record is kept for, when a reading session may be opened,
and a top-secret carrier seen moving with someone the record does not account for."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tracker.domain.errors import Conflict, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import (
    AlertType,
    Carrier,
    CarrierState,
    Person,
    Place,
    RoomKind,
    Severity,
)
from tracker.domain.rules.findings import Finding
from tracker.domain.rules.holding import r3_may_hold, r3_require_may_hold
from tracker.domain.rules.places import Authorizations


def r16_kept_for(carrier: Carrier) -> bool:
    """R16: the disclosure record is kept for top-secret carriers (their level when the
    contact happens)."""
    return carrier.level is Level.TOP_SECRET


def r16_require_reading(carrier: Carrier, person: Person, room: Place) -> None:
    """R16 (with R2, R3): a reading session is opened for a top-secret carrier, in the
    secure room, for someone who may hold it, while it is in the custodian's keeping (or
    already out on loan to the same reader)."""
    if not r16_kept_for(carrier):
        raise RuleViolation(
            "R16",
            f"reading sessions are recorded for top-secret carriers; {carrier.serial} is "
            f"{carrier.level.value}: lend it instead",
            zh=f"阅读登记仅用于绝密级载体，载体 {carrier.serial} 为{carrier.level.zh}级，"
            "请办理借阅",
        )
    if room.room_kind is not RoomKind.SECURE:
        raise RuleViolation(
            "R2",
            f"top-secret carriers are read inside the secure room, not in {room.id}",
            zh=f"绝密级载体只能在机要室内阅读，不能在{room.name}",
        )
    kept = carrier.state in (CarrierState.REGISTERED, CarrierState.IN_SAFE)
    lent_to_reader = carrier.state is CarrierState.OUT and carrier.holder == person.id
    if not (kept or lent_to_reader):
        raise Conflict(
            f"carrier {carrier.serial} is {carrier.state.value}, not in the custodian's keeping",
            zh=f"载体 {carrier.serial} 当前为{carrier.state.zh}，不在机要员保管中，不能登记阅读",
        )
    r3_require_may_hold(person, carrier)


def r16_desk_reader(carrier: Carrier, person: Person, desk: str) -> Finding | None:
    """R16 at a reading desk (judged by R3): someone who may not hold a top-secret carrier
    held their badge to the desk it lies on — no session opens, and that is an alert."""
    if not r16_kept_for(carrier) or r3_may_hold(person, carrier):
        return None
    return Finding(
        AlertType.WRONG_HOLDER,
        Severity.CRITICAL,
        "R3",
        f"{person.id}, who is outside the scope or clearance of top-secret carrier "
        f"{carrier.serial}, badged at reading desk {desk} with it",
        f"不在知悉范围或涉密等级不够的人员{person.name}在阅文桌{desk}刷卡阅读绝密级载体 "
        f"{carrier.serial}",
        {"person": person.id, "desk": desk},
    )


def r16_unrecorded_contact(
    carrier: Carrier,
    people: Sequence[Person],
    auth: Authorizations,
    reading: Collection[str],
) -> list[Finding]:
    """R16: a top-secret carrier seen moving with people the record does not account
    for — no open reading session (``reading``: the people who have one), no borrow out
    to them, no carry-out naming them. Custodians and officers keep carriers as their
    work; people who may not hold it at all are R3's (wrong holder), not this rule's."""
    if not r16_kept_for(carrier):
        return []
    accounted = auth.holders() | set(reading)
    return [
        Finding(
            AlertType.UNRECORDED_CONTACT,
            Severity.WARNING,
            "R16",
            f"top-secret carrier {carrier.serial} moved with {p.id}, who has no open reading "
            "session, borrow or carry-out for it",
            f"绝密级载体 {carrier.serial} 由{p.name}携带移动，但其无阅读登记、借阅或外出携带审批",
            {"person": p.id},
            key=f":{p.id}",  # one alert for each person
        )
        for p in people
        if not p.role.keeps_carriers and p.id not in accounted and r3_may_hold(p, carrier)
    ]
