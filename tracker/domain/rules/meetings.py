"""R17: classified meetings (涉密会议) — held in a room fit for their level, attended by
people cleared for it and in the knowledge scope of its materials, every material handed
to an attendee registered and collected at the end (如数收回), the room swept for anything
left behind (清查会场, 004 §九, 003 涉密会议).

Names and subjects of meetings never appear in these messages: they are as sensitive as
a carrier's title."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Level
from tracker.domain.meetings import Handout, HandoutState, Meeting
from tracker.domain.model import AlertType, Carrier, Person, Place, PlaceKind, RoomKind, Severity
from tracker.domain.rules.findings import Finding
from tracker.domain.rules.holding import r3_may_hold, r3_require_may_hold
from tracker.domain.rules.places import Authorizations


def r17_require_meeting_room(room: Place, level: Level) -> None:
    """R17: a classified meeting is held in a room fit for it (具有保密条件的场所): a room,
    not a passage or outside, whose highest level covers the meeting's; top secret only
    in the secure room (R2: top secret is read there)."""
    if room.kind is not PlaceKind.ROOM or room.room_kind in (RoomKind.PASSAGE, RoomKind.OUTSIDE):
        raise RuleViolation(
            "R17",
            f"{room.id} is not a room a meeting can be held in",
            zh=f"{room.name}不是可以召开涉密会议的房间",
        )
    if not room.allows(level):
        allowed = room.max_level.value if room.max_level else "nothing classified"
        raise RuleViolation(
            "R17",
            f"{room.id} allows {allowed}; the meeting is {level.value}",
            zh=f"{room.name}最高只允许{room.max_level.zh if room.max_level else '非涉密'}，"
            f"会议为{level.zh}级",
        )
    if level is Level.TOP_SECRET and room.room_kind is not RoomKind.SECURE:
        raise RuleViolation(
            "R17",
            "a top-secret meeting is held in the secure room (top secret never leaves it)",
            zh="绝密级会议只能在机要室召开（绝密级载体不得带出机要室）",
        )


def r17_require_attendee(person: Person, meeting: Meeting, materials: Sequence[Carrier]) -> None:
    """R17: an attendee (出席、列席人员) is an active person whose clearance covers the
    meeting's level and who may hold every material planned for it (R3: clearance and
    knowledge scope)."""
    if not person.active:
        raise RuleViolation(
            "R17",
            f"{person.id} has left the classified post and may not attend",
            zh=f"{person.name}（{person.id}）已离开涉密岗位，不得参加涉密会议",
        )
    if not person.clearance.covers(meeting.level):
        raise RuleViolation(
            "R17",
            f"{person.id}'s clearance ({person.clearance.value}) does not cover a "
            f"{meeting.level.value} meeting",
            zh=f"{person.name}的涉密等级（{person.clearance.zh}）不能参加{meeting.level.zh}级会议",
        )
    for c in materials:
        r3_require_may_hold(person, c, "R17")


def r17_require_material(carrier: Carrier, meeting: Meeting, attendees: Sequence[Person]) -> None:
    """R17: a material of the meeting is an active carrier no higher than the meeting's
    level, which every attendee already named may hold."""
    if not carrier.active:
        raise RuleViolation(
            "R17",
            f"carrier {carrier.serial} is {carrier.state.value}",
            zh=f"载体 {carrier.serial} 当前为{carrier.state.zh}，不能作为会议材料",
        )
    if carrier.level > meeting.level:
        raise RuleViolation(
            "R17",
            f"carrier {carrier.serial} is {carrier.level.value}, above the meeting's "
            f"{meeting.level.value}",
            zh=f"载体 {carrier.serial} 为{carrier.level.zh}级，高于会议密级（{meeting.level.zh}）",
        )
    barred = [p for p in attendees if not r3_may_hold(p, carrier)]
    if barred:
        names = ", ".join(p.id for p in barred)
        raise RuleViolation(
            "R17",
            f"{names} may not hold carrier {carrier.serial} (clearance or knowledge scope)",
            zh=f"与会人员{'、'.join(p.name for p in barred)}不能接触载体 {carrier.serial}"
            "（涉密等级或知悉范围不符）",
        )


def r17_require_handout(
    meeting: Meeting, carrier: Carrier, attendee: Person, out: Sequence[Handout], at: datetime
) -> None:
    """R17: a material is handed out only at an open meeting, before its end, to a named
    attendee who may hold it, when it is a material of the meeting and not already out
    (``out``: its hand-outs not yet collected)."""
    if not meeting.open or at >= meeting.ends_at:
        raise RuleViolation(
            "R17",
            f"the meeting is {meeting.state.value if not meeting.open else 'over'}: "
            "nothing more is handed out",
            zh="会议已结束或已取消，不能再分发材料",
        )
    if attendee.id not in meeting.attendees:
        raise RuleViolation(
            "R17",
            f"{attendee.id} is not an attendee of the meeting",
            zh=f"{attendee.name}不是本次会议的与会人员",
        )
    if carrier.serial not in meeting.materials:
        raise RuleViolation(
            "R17",
            f"carrier {carrier.serial} is not a material of the meeting",
            zh=f"载体 {carrier.serial} 不是本次会议的材料",
        )
    holding = [h for h in out if h.state is HandoutState.OUT]
    if holding:
        raise RuleViolation(
            "R17",
            f"carrier {carrier.serial} is already handed out to {holding[0].attendee}",
            zh=f"载体 {carrier.serial} 已发给{holding[0].attendee}，尚未收回",
        )
    r3_require_may_hold(attendee, carrier, "R17")


def r17_not_collected(meeting: Meeting, handout: Handout, attendee: Person) -> Finding | None:
    """R17: at the end of the meeting every material handed out is collected; one still
    out is a finding naming the attendee who has it."""
    if handout.state is not HandoutState.OUT:
        return None
    return Finding(
        AlertType.NOT_COLLECTED,
        Severity.CRITICAL,
        "R17",
        f"carrier {handout.carrier} handed to {attendee.id} at the meeting in {meeting.room} "
        "was not collected when the meeting ended",
        f"会议（{meeting.room}）结束时，发给{attendee.name}（{attendee.id}）的载体 "
        f"{handout.carrier} 未收回",
        {
            "meeting": meeting.id,
            "attendee": attendee.id,
            "borrower": attendee.id,  # the audience token for the person holding it
            "room": meeting.room,
        },
    )


def r17_left_behind(meeting: Meeting, carrier: Carrier, auth: Authorizations) -> Finding | None:
    """R17: after the meeting its room is swept; ``carrier``, seen there by the room's
    readers or a hand reader, is left behind — unless something else authorises it there
    now (a borrow or circulation to that room, another open meeting in it)."""
    if not carrier.active:
        return None
    if meeting.room in auth.destinations():
        return None
    return Finding(
        AlertType.LEFT_BEHIND,
        Severity.CRITICAL,
        "R17",
        f"carrier {carrier.serial} was left behind in {meeting.room} after the meeting",
        f"会议结束后在{meeting.room}发现遗留载体 {carrier.serial}",
        {"meeting": meeting.id, "room": meeting.room},
    )


def r17_sweep_due(meeting: Meeting, now: datetime, after: timedelta) -> bool:
    """R17: the room is swept ``after`` the meeting ended (time for the custodian to
    carry the collected materials away), once."""
    return (
        meeting.ended_at is not None
        and meeting.swept_at is None
        and (now >= meeting.ended_at + after)
    )
