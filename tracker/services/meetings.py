"""Classified meetings (涉密会议, R17): register a meeting in a room at a time, name its
attendees (clearance and knowledge scope checked as each is added) and its materials
(carriers, or the numbered copies of an approved R8 copy request), hand each material to
an attendee and collect it again — both scanned at the door or the desk — end the
meeting (anything not collected is an alert naming the attendee), and sweep the room
afterwards (any carrier the readers still see there is left behind).

The scheduler ends meetings whose time is over and sweeps their rooms
``policy.meeting_sweep_minutes`` later (:func:`run_due`); both can be done by hand too.
A meeting's name is as sensitive as a title: it never enters the register."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tracker.domain import lifecycle
from tracker.domain.disclosure import DisclosureKind
from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.meetings import Handout, HandoutState, Meeting, MeetingState
from tracker.domain.model import (
    ApprovalState,
    BorrowState,
    Carrier,
    CirculationState,
    Person,
    Role,
    new_id,
)
from tracker.domain.rules import (
    Authorizations,
    r17_left_behind,
    r17_not_collected,
    r17_require_attendee,
    r17_require_handout,
    r17_require_material,
    r17_require_meeting_room,
    r17_sweep_due,
)
from tracker.services import disclosure
from tracker.services.alerting import raise_finding, resolve_cause
from tracker.services.base import SYSTEM, Services, Tx
from tracker.services.ports import UnitOfWork
from tracker.services.readings import seen_in

MAX_NAME = 200


# --- lookups -------------------------------------------------------------------------


def _meeting(tx: Tx, meeting_id: str) -> Meeting:
    m = tx.uow.meetings.get(meeting_id)
    if m is None:
        raise NotFound(f"no meeting {meeting_id!r}", zh="没有该会议")
    return m


def _open(m: Meeting) -> None:
    if not m.open:
        raise Conflict(f"the meeting is {m.state.value}", zh=f"该会议{m.state.zh}")


def _carrier_by_code(tx: Tx, code: str, field: str = "code") -> Carrier:
    """A scanned serial, barcode or EPC (hex)."""
    code = code.strip()
    if not code:
        raise InvalidInput(field, "scan or type a carrier's code", zh="请扫描或输入载体编号")
    c = tx.uow.carriers.get(code) or tx.uow.carriers.by_epc(code.upper())
    if c is None:
        raise NotFound(f"no carrier with code {code!r}", zh=f"没有编号为 {code!r} 的载体")
    return tx.carrier(c.serial, lock=True)


def _person_by_code(tx: Tx, code: str, field: str = "attendee") -> Person:
    """A person by id, or by a badge shown at the door or desk."""
    code = code.strip()
    p = tx.uow.people.get(code)
    if p is None:
        badge = tx.uow.badges.get(code.upper())
        if badge is not None and badge.active:
            p = tx.uow.people.get(badge.person)
    if p is None:
        raise InvalidInput(
            field, f"unknown person or badge {code!r}", zh=f"未知人员或证卡 {code!r}"
        )
    return p


def authorizations(uow: UnitOfWork, serial: str) -> tuple[tuple[Meeting, ...], tuple[Handout, ...]]:
    """The open meetings ``serial`` is material of and its hand-outs still out: what
    lets it be in a meeting room and with an attendee (R1 and R3 at the doors)."""
    meetings = tuple(
        m for m in uow.meetings.find(state=MeetingState.SCHEDULED) if serial in m.materials
    )
    if not meetings:
        return (), ()
    return meetings, tuple(uow.handouts.find(carrier=serial, state=HandoutState.OUT))


# --- registering a meeting -----------------------------------------------------------


def create_meeting(
    svc: Services,
    actor: str,
    name: str,
    room: str,
    level: Level,
    starts_at: datetime,
    ends_at: datetime,
) -> Meeting:
    """Register a classified meeting in ``room`` from ``starts_at`` to ``ends_at``; the
    room must be fit for ``level`` (R17)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(
            "name", f"1-{MAX_NAME} characters", zh=f"会议名称应为1至{MAX_NAME}个字符"
        )
    for field, t in (("starts_at", starts_at), ("ends_at", ends_at)):
        if t.tzinfo is None:
            raise InvalidInput(field, "the time needs a UTC offset", zh="时间须带时区")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "must be after the start", zh="结束时间应晚于开始时间")
    if ends_at - starts_at > timedelta(days=7):
        raise InvalidInput("ends_at", "a meeting lasts at most 7 days", zh="会议最长7天")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        place = tx.place(room, "room")
        r17_require_meeting_room(place, level)
        m = Meeting(new_id(), name, room, level, starts_at, ends_at, actor, tx.now)
        tx.uow.meetings.add(m)
        tx.record(
            Action.MEETING_CREATE,
            actor,
            to_place=room,
            data={
                "meeting": m.id,
                "level": level.value,
                "starts_at": starts_at,
                "ends_at": ends_at,
            },
        )
        return m


def add_attendees(svc: Services, actor: str, meeting_id: str, people: Sequence[str]) -> Meeting:
    """Name attendees: each must be cleared for the meeting's level and in the knowledge
    scope of every material already planned (R17); naming one twice changes nothing."""
    if not people:
        raise InvalidInput("people", "name at least one attendee", zh="请至少填写一名与会人员")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        _open(m)
        materials = [tx.carrier(s) for s in m.materials]
        names = list(m.attendees)
        for i, pid in enumerate(people):
            p = _person_by_code(tx, pid, f"people[{i}]")
            if p.id in names:
                continue
            r17_require_attendee(p, m, materials)
            names.append(p.id)
            tx.record(Action.MEETING_ATTENDEE, actor, data={"meeting": m.id, "person": p.id})
        m.attendees = tuple(names)
        return m


def add_materials(svc: Services, actor: str, meeting_id: str, codes: Sequence[str]) -> Meeting:
    """Plan carriers as materials of the meeting: no higher than its level, and every
    attendee named may hold each (R17)."""
    if not codes:
        raise InvalidInput("codes", "name at least one carrier", zh="请至少填写一件载体")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        _plan(tx, actor, _meeting(tx, meeting_id), codes)
        return _meeting(tx, meeting_id)


def add_copies(svc: Services, actor: str, meeting_id: str, copy_request: str) -> Meeting:
    """Plan the numbered copies of a copy request made for the meeting (R8: approved,
    registered as carriers of their own) as its materials."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        r = tx.uow.copy_requests.get(copy_request)
        if r is None:
            raise NotFound(f"no copy request {copy_request!r}", zh="没有该复制申请")
        if r.state is not ApprovalState.DONE or not r.copies:
            raise Conflict(
                f"copy request {r.id} is {r.state.value}: its copies are not made yet",
                zh="该复制申请的复制件尚未登记",
            )
        _plan(tx, actor, m, r.copies, copy_request=r.id)
        return m


def _plan(
    tx: Tx, actor: str, m: Meeting, codes: Sequence[str], copy_request: str | None = None
) -> None:
    _open(m)
    attendees = [tx.person(p) for p in m.attendees]
    planned = list(m.materials)
    for i, code in enumerate(codes):
        c = _carrier_by_code(tx, code, f"codes[{i}]")
        if c.serial in planned:
            continue
        r17_require_material(c, m, attendees)
        planned.append(c.serial)
        data = (
            {"meeting": m.id, "copy_request": copy_request} if copy_request else {"meeting": m.id}
        )
        tx.record(Action.MEETING_MATERIAL, actor, carrier=c.serial, to_place=m.room, data=data)
    m.materials = tuple(planned)


def cancel_meeting(svc: Services, actor: str, meeting_id: str, reason: str) -> Meeting:
    """Cancel a meeting nothing of which is out with an attendee."""
    if not reason.strip():
        raise InvalidInput("reason", "say why", zh="须填写取消原因")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        _open(m)
        if tx.uow.handouts.count(meeting=m.id, state=HandoutState.OUT):
            raise Conflict(
                "materials are still out with attendees: collect them first",
                zh="仍有会议材料未收回，请先收回",
            )
        m.state, m.ended_at, m.ended_by = MeetingState.CANCELLED, tx.now, actor
        tx.record(Action.MEETING_CANCEL, actor, reason=reason.strip(), data={"meeting": m.id})
        return m


# --- at the door or the desk -----------------------------------------------------------


def hand_out(svc: Services, actor: str, meeting_id: str, code: str, attendee: str) -> Handout:
    """A material (its serial, barcode or EPC scanned) is handed to an attendee (their id
    or badge): registered to them, out until collected (R17)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        c = _carrier_by_code(tx, code)
        p = _person_by_code(tx, attendee)
        out = tx.uow.handouts.find(carrier=c.serial, state=HandoutState.OUT)
        r17_require_handout(m, c, p, out, tx.now)
        lifecycle.check_out(c, p.id, m.room, tx.now)
        h = Handout(new_id(), m.id, c.serial, p.id, m.room, tx.now, actor)
        tx.uow.handouts.add(h)
        tx.record(
            Action.MEETING_HANDOUT,
            actor,
            carrier=c.serial,
            to_place=m.room,
            data={"meeting": m.id, "handout": h.id, "attendee": p.id},
        )
        disclosure.contact(  # R16: a top-secret material is in its record until collected
            tx, c, p.id, DisclosureKind.MEETING, by=actor, place=m.room, ref=h.id, lasting=True
        )
        tx.emit("carrier", serial=c.serial, state=c.state.value, holder=p.id)
        return h


def collect(
    svc: Services, actor: str, meeting_id: str, code: str, returned_by: str | None = None
) -> Handout:
    """A material handed out at the meeting is collected back (its code scanned); it is
    with the custodian again. ``returned_by`` names who gave it back when that was not
    the attendee. Collected after the meeting ended, the not-collected alert resolves."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        c = _carrier_by_code(tx, code)
        found = tx.uow.handouts.find(meeting=m.id, carrier=c.serial, state=HandoutState.OUT)
        if not found:
            raise Conflict(
                f"carrier {c.serial} is not out with an attendee of this meeting",
                zh=f"载体 {c.serial} 不是本次会议未收回的材料",
            )
        h = found[0]
        giver = _person_by_code(tx, returned_by, "returned_by").id if returned_by else h.attendee
        lifecycle.give_back(c)
        h.state, h.collected_at, h.collected_by, h.returned_by = (
            HandoutState.COLLECTED,
            tx.now,
            actor,
            giver,
        )
        tx.record(
            Action.MEETING_COLLECT,
            actor,
            carrier=c.serial,
            from_place=m.room,
            data={"meeting": m.id, "handout": h.id, "attendee": h.attendee, "returned_by": giver},
        )
        disclosure.end_contacts(tx, h.id, actor)
        resolve_cause(tx, _not_collected_cause(m, c.serial), actor, "collected")
        tx.emit("carrier", serial=c.serial, state=c.state.value, holder=None)
        return h


# --- the end and the sweep -------------------------------------------------------------


def end_meeting(svc: Services, actor: str, meeting_id: str) -> list[str]:
    """End the meeting now: every material still out is an alert naming its attendee
    (R17). Returns the serials not collected."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        _open(m)
        return _end(tx, m, actor)


def _not_collected_cause(m: Meeting, serial: str) -> str:
    return f"not_collected:{m.id}:{serial}"


def _end(tx: Tx, m: Meeting, actor: str, at: datetime | None = None) -> list[str]:
    m.state, m.ended_at, m.ended_by = MeetingState.ENDED, at or tx.now, actor
    out = tx.uow.handouts.find(meeting=m.id, state=HandoutState.OUT, order_by="carrier")
    for h in out:
        finding = r17_not_collected(m, h, tx.person(h.attendee))
        if finding is not None:
            raise_finding(tx, h.carrier, finding, cause=_not_collected_cause(m, h.carrier))
    tx.record(
        Action.MEETING_END,
        actor,
        to_place=m.room,
        data={"meeting": m.id, "not_collected": [h.carrier for h in out]},
    )
    return [h.carrier for h in out]


def sweep(svc: Services, actor: str, meeting_id: str, codes: Sequence[str] = ()) -> list[str]:
    """Sweep the room of an ended meeting: every carrier its readers see there, and any
    ``codes`` a hand reader found in it, is left behind unless something else authorises
    it there (R17). Returns the serials left behind."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        m = _meeting(tx, meeting_id)
        if m.state is not MeetingState.ENDED:
            raise Conflict("the room is swept after the meeting ends", zh="会议结束后方可清查会场")
        scanned = [_carrier_by_code(tx, code, f"codes[{i}]").serial for i, code in enumerate(codes)]
        return _sweep(tx, m, actor, scanned)


def _sweep(tx: Tx, m: Meeting, actor: str, scanned: Sequence[str] = ()) -> list[str]:
    seen = sorted(set(seen_in(tx.uow, [m.room])) | set(scanned))
    left = []
    for serial in seen:
        c = tx.carrier(serial)
        finding = r17_left_behind(m, c, _others(tx, c, m))
        if finding is not None:
            raise_finding(tx, serial, finding, cause=f"left_behind:{m.id}:{serial}")
            left.append(serial)
    m.swept_at = tx.now
    m.left_behind = tuple(sorted(set(m.left_behind) | set(left)))
    tx.record(
        Action.MEETING_SWEEP,
        actor,
        to_place=m.room,
        data={"meeting": m.id, "seen": seen, "left_behind": left, "scanned": list(scanned)},
    )
    return left


def _others(tx: Tx, c: Carrier, m: Meeting) -> Authorizations:
    """What else may authorise ``c`` in the room: borrows, circulations, other meetings."""
    meetings, handouts = authorizations(tx.uow, c.serial)
    return Authorizations(
        borrows=tuple(tx.uow.borrows.find(carrier=c.serial, state=BorrowState.OUT)),
        circulations=tuple(
            tx.uow.circulations.find(carrier=c.serial, state=CirculationState.ACTIVE)
        ),
        meetings=tuple(x for x in meetings if x.id != m.id),
        handouts=handouts,
    )


def run_due(tx: Tx, at: datetime) -> tuple[int, int]:
    """Scheduled, inside the run's transaction: end every meeting whose time is over and
    sweep the rooms of meetings ended long enough ago. Each meeting is ended and swept
    once (its state says so), so a run after downtime catches up every one. Returns
    (meetings ended, rooms swept)."""
    ended = swept = 0
    for m in tx.uow.meetings.find(state=MeetingState.SCHEDULED, order_by="ends_at"):
        if m.ends_at <= at:
            _end(tx, m, SYSTEM, m.ends_at)
            ended += 1
    after = timedelta(minutes=tx.svc.site.policy.meeting_sweep_minutes)
    for m in tx.uow.meetings.find(state=MeetingState.ENDED, swept_at=None, order_by="ends_at"):
        if r17_sweep_due(m, at, after):
            _sweep(tx, m, SYSTEM)
            swept += 1
    return ended, swept
