"""Classified meetings (R17) on a real database: attendees checked as they are added,
materials handed out and collected at the desk, the alert naming the attendee for what is
not collected, the room swept for what was left behind, the doors' rules while the
meeting runs, the scheduler ending and sweeping (once), and every step in the register."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.factories import T0
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import Conflict, InvalidInput, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.meetings import HandoutState, MeetingState
from tracker.domain.model import AlertState, AlertType, CarrierState
from tracker.services import copying, meetings
from tracker.services.base import Services, Tx
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import store_in_safe
from tracker.services.schedule import run_due

BADGE = {"alice": "0100073EAB", "erin": "0100073EAE", "carol": "0100073EA7"}
START, END = T0 + timedelta(minutes=30), T0 + timedelta(hours=2)  # 10:30-12:00 in Shanghai


def _material(svc: Services, **kw: Any) -> str:
    c = receive_one(svc, Level.SECRET, scope_departments=("policy",), **kw)
    store_in_safe(svc, "carol", c.serial)
    return c.serial


def _meeting(svc: Services, room: str = "reading", people: tuple[str, ...] = ("alice", "erin")):  # type: ignore[no-untyped-def]
    m = meetings.create_meeting(svc, "carol", "第四季度保密工作会", room, Level.SECRET, START, END)
    if people:
        meetings.add_attendees(svc, "carol", m.id, list(people))
    return m


def _carrier(svc: Services, serial: str):  # type: ignore[no-untyped-def]
    with svc.read() as uow:
        return uow.carriers.get(serial)


def _alerts(svc: Services) -> list[tuple[str, str | None, str, str]]:
    with svc.read() as uow:
        return sorted((a.type.value, a.rule, a.subject, a.state.value) for a in uow.alerts.find())


def _actions(svc: Services) -> list[str]:
    with svc.read() as uow:
        return [
            e.action for e in uow.ledger.entries(limit=10_000) if e.action.startswith("meeting")
        ]


def _cross(eid: str, code: str, door: str, direction: str, at: datetime, who: str) -> Observation:
    return Observation(
        eid,
        "crossing",
        at,
        code=code,
        door=door,
        direction=direction,
        badges=(BADGE[who],),  # type: ignore[arg-type]
    )


def test_a_meeting_from_registration_to_collection_is_in_the_register(
    svc: Services, clock: ManualClock
) -> None:
    serial = _material(svc)
    m = _meeting(svc)
    meetings.add_materials(svc, "carol", m.id, [serial])
    epc = _carrier(svc, serial).epc
    clock.set(START)
    h = meetings.hand_out(svc, "carol", m.id, epc, BADGE["alice"])  # both scanned at the desk
    c = _carrier(svc, serial)
    assert (h.attendee, h.state, c.state, c.holder, c.location) == (
        "alice",
        HandoutState.OUT,
        CarrierState.OUT,
        "alice",
        "reading",
    )
    clock.set(START + timedelta(minutes=50))
    back = meetings.collect(svc, "carol", m.id, serial)
    c = _carrier(svc, serial)
    assert (back.state, back.returned_by, c.state, c.holder) == (
        HandoutState.COLLECTED,
        "alice",
        CarrierState.REGISTERED,
        None,
    )
    assert meetings.end_meeting(svc, "carol", m.id) == []
    assert _actions(svc) == [
        "meeting_create",
        "meeting_attendee",
        "meeting_attendee",
        "meeting_material",
        "meeting_handout",
        "meeting_collect",
        "meeting_end",
    ]
    with svc.read() as uow:
        entries = [e for e in uow.ledger.entries(limit=10_000) if e.action.startswith("meeting")]
    assert all("季度" not in repr(e.data) + e.reason for e in entries)  # never the name
    assert _alerts(svc) == []


def test_attendees_are_checked_for_clearance_and_scope_as_they_are_added(
    svc: Services, snapshot: Callable[[], Any]
) -> None:
    serial = _material(svc)
    m = _meeting(svc, people=("alice",))
    before = snapshot()
    with pytest.raises(RuleViolation, match="R17: dave's clearance \\(general\\)"):
        meetings.add_attendees(svc, "carol", m.id, ["erin", "dave"])  # one bad: none added
    assert snapshot() == before
    meetings.add_materials(svc, "carol", m.id, [serial])
    with pytest.raises(RuleViolation, match="R17: bob is not in the knowledge scope"):
        meetings.add_attendees(svc, "carol", m.id, ["bob"])
    outside = receive_one(svc, Level.SECRET, scope_people=("alice",), scope_departments=()).serial
    meetings.add_attendees(svc, "carol", m.id, ["erin"])
    with pytest.raises(RuleViolation, match="R17: erin may not hold carrier"):
        meetings.add_materials(svc, "carol", m.id, [outside])
    with pytest.raises(RuleViolation, match="R17: office-b allows confidential"):
        meetings.create_meeting(svc, "carol", "会", "office-b", Level.SECRET, START, END)
    with pytest.raises(InvalidInput, match="after the start"):
        meetings.create_meeting(svc, "carol", "会", "reading", Level.SECRET, END, START)
    with pytest.raises(Exception, match="role"):
        meetings.create_meeting(svc, "alice", "会", "reading", Level.SECRET, START, END)


def test_handing_out_is_refused_to_strangers_twice_and_after_the_end(
    svc: Services, clock: ManualClock
) -> None:
    serial = _material(svc)
    m = _meeting(svc)
    meetings.add_materials(svc, "carol", m.id, [serial])
    with pytest.raises(RuleViolation, match="ann is not an attendee"):
        meetings.hand_out(svc, "carol", m.id, serial, "ann")
    meetings.hand_out(svc, "carol", m.id, serial, "alice")
    with pytest.raises(RuleViolation, match="already handed out to alice"):
        meetings.hand_out(svc, "carol", m.id, serial, "erin")
    with pytest.raises(Conflict, match="not out with an attendee"):
        meetings.collect(svc, "carol", m.id, _material(svc))
    meetings.collect(svc, "carol", m.id, serial, returned_by="erin")
    clock.set(END)
    with pytest.raises(RuleViolation, match="over"):
        meetings.hand_out(svc, "carol", m.id, serial, "alice")


def test_not_collected_at_the_end_is_an_alert_naming_the_attendee(svc: Services) -> None:
    serial = _material(svc)
    m = _meeting(svc)
    meetings.add_materials(svc, "carol", m.id, [serial])
    meetings.hand_out(svc, "carol", m.id, serial, "alice")
    assert meetings.end_meeting(svc, "carol", m.id) == [serial]
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.NOT_COLLECTED)
        told = {n.recipient for n in uow.notifications.find() if a.id in n.alerts}
    assert (a.rule, a.subject, a.details["attendee"]) == ("R17", serial, "alice")
    assert "handed to alice" in a.details["message"] and "李核心" not in a.details["message"]
    assert told == {"person:alice", "person:carol", "person:oscar"}  # attendee, keepers
    meetings.collect(svc, "carol", m.id, serial)  # brought back late: the alert resolves
    assert _alerts(svc) == [("not_collected", "R17", serial, AlertState.RESOLVED.value)]


def test_the_doors_let_materials_into_the_meeting_room_while_it_runs(
    svc: Services, clock: ManualClock
) -> None:
    """A secret carrier homed in the secure room may enter office A for its meeting (R1
    through the meeting), and not after the meeting is over."""
    serial = _material(svc)
    m = _meeting(svc, room="office-a")
    meetings.add_materials(svc, "carol", m.id, [serial])
    clock.set(START)
    meetings.hand_out(svc, "carol", m.id, serial, "alice")
    t = START + timedelta(minutes=1)
    apply_batch(
        svc,
        "gw",
        [
            _cross("a", serial, "door-secure", "out", t, "alice"),
            _cross("b", serial, "door-office-a", "in", t + timedelta(seconds=20), "alice"),
        ],
    )
    assert [a for a in _alerts(svc) if a[0] != "not_collected"] == []
    meetings.collect(svc, "carol", m.id, serial)
    meetings.end_meeting(svc, "carol", m.id)
    clock.set(t + timedelta(minutes=6))
    apply_batch(
        svc, "gw", [_cross("c", serial, "door-office-a", "out", t + timedelta(minutes=5), "carol")]
    )
    apply_batch(
        svc, "gw", [_cross("d", serial, "door-office-a", "in", t + timedelta(minutes=6), "carol")]
    )
    assert ("unauthorized_removal", "R1", serial, "open") in _alerts(svc)


def test_the_scheduler_ends_the_meeting_and_sweeps_the_room_once(
    svc: Services, clock: ManualClock
) -> None:
    assert run_due(svc) == []  # the first start sets the marks
    kept, left = _material(svc), _material(svc)
    m = _meeting(svc)
    meetings.add_materials(svc, "carol", m.id, [kept, left])
    clock.set(START)
    for serial in (kept, left):
        meetings.hand_out(svc, "carol", m.id, serial, "alice")
    t = START + timedelta(minutes=1)
    apply_batch(
        svc,
        "gw",
        [
            _cross("a", kept, "door-reading", "in", t, "alice"),
            _cross("b", left, "door-reading", "in", t, "alice"),
        ],
    )
    meetings.collect(svc, "carol", m.id, kept)
    meetings.collect(svc, "carol", m.id, left)
    # the custodian carries one away; the other is forgotten on the table
    clock.set(END - timedelta(minutes=1))
    back = END - timedelta(minutes=1)
    apply_batch(
        svc,
        "gw",
        [
            _cross("c", kept, "door-reading", "out", back, "carol"),
            _cross("d", kept, "door-secure", "in", back + timedelta(seconds=30), "carol"),
        ],
    )
    clock.set(END + timedelta(seconds=30))
    run_due(svc)
    with svc.read() as uow:
        assert uow.meetings.get(m.id).state is MeetingState.ENDED  # type: ignore[union-attr]
    assert _alerts(svc) == []  # everything was collected; the sweep comes later
    clock.set(END + timedelta(minutes=16))
    run_due(svc)
    assert _alerts(svc) == [("left_behind", "R17", left, "open")]
    clock.set(END + timedelta(minutes=30))
    run_due(svc)
    with svc.read() as uow:
        swept = uow.meetings.get(m.id)
        (alert,) = uow.alerts.find()
    assert swept is not None and swept.left_behind == (left,) and alert.count == 1
    assert _actions(svc).count("meeting_sweep") == 1 and _actions(svc).count("meeting_end") == 1


def test_after_downtime_one_run_ends_and_sweeps(svc: Services, clock: ManualClock) -> None:
    assert run_due(svc) == []
    serial = _material(svc)
    m = _meeting(svc)
    meetings.add_materials(svc, "carol", m.id, [serial])
    clock.set(START)
    meetings.hand_out(svc, "carol", m.id, serial, "erin")
    clock.set(END + timedelta(hours=3))  # the service was down over the end
    run_due(svc)
    with svc.read() as uow:
        done = uow.meetings.get(m.id)
    assert done is not None and done.ended_at == END and done.swept_at is not None
    assert ("not_collected", "R17", serial, "open") in _alerts(svc)


def test_numbered_copies_made_for_the_meeting_are_its_materials(svc: Services) -> None:
    original = _material(svc)
    r = copying.request_copy(svc, "carol", original, 2, "会议分发")
    copying.approve_copy(svc, "ann", r.id)
    copies = copying.make_copies(svc, "carol", r.id)
    m = _meeting(svc)
    got = meetings.add_copies(svc, "carol", m.id, r.id)
    assert got.materials == tuple(copies)
    with svc.read() as uow:
        data = [e.data for e in uow.ledger.entries(limit=10_000) if e.action == "meeting_material"]
    assert [d["copy_request"] for d in data] == [r.id, r.id]


def test_a_manual_sweep_counts_what_a_hand_reader_found(svc: Services) -> None:
    stray = _material(svc)
    m = _meeting(svc)
    with pytest.raises(Conflict, match="after the meeting ends"):
        meetings.sweep(svc, "carol", m.id)
    meetings.end_meeting(svc, "carol", m.id)
    assert meetings.sweep(svc, "carol", m.id, [stray]) == [stray]
    assert _alerts(svc) == [("left_behind", "R17", stray, "open")]


@pytest.mark.parametrize("step", ["create", "hand_out", "collect", "end", "cancel"])
def test_r14_every_meeting_step_that_changes_custody_fails_without_its_register_entry(
    svc: Services, snapshot: Callable[[], Any], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    serial = _material(svc)
    m = _meeting(svc, people=("alice",))
    meetings.add_materials(svc, "carol", m.id, [serial])
    if step in ("collect", "end"):
        meetings.hand_out(svc, "carol", m.id, serial, "alice")
    run: Callable[[], Any] = {
        "create": lambda: meetings.create_meeting(
            svc, "carol", "会", "reading", Level.SECRET, START, END
        ),
        "hand_out": lambda: meetings.hand_out(svc, "carol", m.id, serial, "alice"),
        "collect": lambda: meetings.collect(svc, "carol", m.id, serial),
        "end": lambda: meetings.end_meeting(svc, "carol", m.id),
        "cancel": lambda: meetings.cancel_meeting(svc, "carol", m.id, "改期"),
    }[step]
    before = snapshot()
    with monkeypatch.context() as patch:
        patch.setattr(Tx, "record", lambda self, *a, **kw: None)  # a use case that forgets
        with pytest.raises(RuleViolation, match="R14: .* nothing was saved"):
            run()
    assert snapshot() == before
    run()  # with its entries it goes through


def test_a_top_secret_material_is_in_its_disclosure_record_until_collected(
    svc: Services,
) -> None:
    """R16 beside R17: a top-secret meeting is held in the secure room; the attendee who
    has a material handed out is in its disclosure record from hand-out to collection."""
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",), scope_departments=())
    store_in_safe(svc, "carol", c.serial)
    m = meetings.create_meeting(svc, "carol", "会", "secure", Level.TOP_SECRET, START, END)
    with pytest.raises(RuleViolation, match="R17: erin's clearance"):
        meetings.add_attendees(svc, "carol", m.id, ["erin"])
    meetings.add_attendees(svc, "carol", m.id, ["alice"])
    meetings.add_materials(svc, "carol", m.id, [c.serial])
    h = meetings.hand_out(svc, "carol", m.id, c.serial, "alice")
    with svc.read() as uow:
        (d,) = uow.disclosures.find(ref=h.id)
    assert (d.person, d.kind.value, d.place, d.ended_at) == ("alice", "meeting", "secure", None)
    meetings.collect(svc, "carol", m.id, c.serial)
    with svc.read() as uow:
        (d,) = uow.disclosures.find(ref=h.id)
    assert d.ended_at is not None and d.closed_by == "carol"
