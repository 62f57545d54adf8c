"""R16, the disclosure record (知悉记录): reading sessions opened and closed at the
custodian's desk, the contacts every other use case writes for a top-secret carrier,
people seen with it at a door, and who may read the record — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import T0
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.disclosure import DisclosureKind, DisclosureSource
from tracker.domain.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.services import borrowing, carry_out, destruction, disclosure, handling
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import store_in_safe

BADGE = {
    "alice": "0100073EAB",
    "carol": "0100073EA7",
    "dave": "0100073EAD",
    "bob": "0100073EAC",
    "e2": "0100073EB0",
}


def top_secret(svc: Services, **kw: Any) -> Carrier:
    kw.setdefault("scope_people", ("alice", "ann", "e1", "e2"))
    c = receive_one(svc, Level.TOP_SECRET, **kw)
    store_in_safe(svc, "carol", c.serial)
    return c


def record(svc: Services, serial: str) -> list[tuple[str, str, bool, str]]:
    """(person, kind, still open, source) of a carrier's record, oldest first."""
    return [
        (d.person, d.kind.value, d.open, d.source.value)
        for d in disclosure.record_of(svc, svc_person(svc, "carol"), serial)
    ]


def svc_person(svc: Services, pid: str):  # type: ignore[no-untyped-def]
    with svc.read() as uow:
        return uow.people.get(pid)


def entries(svc: Services, serial: str, *actions: str) -> list[dict[str, Any]]:
    with svc.read() as uow:
        return [
            {"action": e.action, "actor": e.actor, **e.data}
            for e in uow.ledger.for_carrier(serial)
            if e.action in actions
        ]


def test_a_reading_session_at_the_desk_is_opened_and_closed_with_register_entries(
    svc: Services, clock: ManualClock
) -> None:
    c = top_secret(svc)
    s = disclosure.open_reading(svc, "carol", c.serial, "alice")
    assert (s.person, s.kind, s.place, s.source, s.open) == (
        "alice",
        DisclosureKind.READING,
        "secure",
        DisclosureSource.DESK,
        True,
    )
    assert [d.id for d in disclosure.open_sessions(svc, "carol")] == [s.id]
    clock.advance(timedelta(minutes=25))
    closed = disclosure.close_reading(svc, "carol", s.id)
    assert closed.ended_at == T0 + timedelta(minutes=25) and closed.closed_by == "carol"
    assert disclosure.open_sessions(svc, "carol") == []
    assert entries(svc, c.serial, "reading_open", "reading_close") == [
        {
            "action": "reading_open",
            "actor": "carol",
            "session": s.id,
            "reader": "alice",
            "source": "desk",
            "desk": None,
        },
        {
            "action": "reading_close",
            "actor": "carol",
            "session": s.id,
            "reader": "alice",
            "minutes": 25.0,
            "desk": None,
        },
    ]
    with pytest.raises(Conflict, match="already closed"):
        disclosure.close_reading(svc, "carol", s.id)
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.state.value == "in_safe"  # custody did not change


def test_reading_sessions_refused_change_nothing(svc: Services, snapshot) -> None:  # type: ignore[no-untyped-def]
    c = top_secret(svc)
    secret = receive_one(svc, Level.SECRET)
    disclosure.open_reading(svc, "carol", c.serial, "alice")
    before = snapshot()
    with pytest.raises(Conflict, match="alice is already reading"):
        disclosure.open_reading(svc, "carol", c.serial, "alice")
    with pytest.raises(RuleViolation, match="R16: reading sessions are recorded for top-secret"):
        disclosure.open_reading(svc, "carol", secret.serial, "alice")
    with pytest.raises(RuleViolation, match="R3: andy is not in the knowledge scope"):
        disclosure.open_reading(svc, "carol", c.serial, "andy")
    with pytest.raises(RuleViolation, match="R3: bob's clearance"):
        disclosure.open_reading(svc, "carol", c.serial, "bob")
    with pytest.raises(RuleViolation, match="R2: top-secret carriers are read inside"):
        disclosure.open_reading(svc, "carol", c.serial, "e1", room="reading")
    with pytest.raises(PermissionDenied):
        disclosure.open_reading(svc, "alice", c.serial, "alice")
    with pytest.raises(PermissionDenied):
        disclosure.open_sessions(svc, "alice")
    with pytest.raises(NotFound):
        disclosure.close_reading(svc, "carol", "nope")
    assert snapshot() == before


def test_every_contact_with_a_top_secret_carrier_is_in_its_record(
    svc: Services, clock: ManualClock
) -> None:
    c = top_secret(svc)
    b = borrowing.request_borrow(svc, "alice", c.serial, "alice", "secure", "阅办")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    assert record(svc, c.serial)[-1] == ("alice", "borrow", True, "record")
    clock.advance(timedelta(hours=1))
    borrowing.return_carrier(svc, "carol", c.serial)
    now = clock.now()
    co = carry_out.request_carry_out(
        svc,
        "carol",
        [c.serial],
        "alice",
        ["e1", "e2"],
        "上级",
        "送审",
        now,
        now + timedelta(hours=3),
        "京A-1",
    )
    carry_out.approve_carry_out(svc, "ann", co.id)
    assert record(svc, c.serial)[-3:] == [
        ("alice", "carry", True, "record"),
        ("e1", "carry", True, "record"),
        ("e2", "carry", True, "record"),
    ]
    carry_out.return_from_carry_out(svc, "carol", co.id)
    handling.instruct(svc, "ann", c.serial, "请阅")
    handling.complete(svc, "carol", c.serial, "已办结")
    clock.advance(timedelta(hours=1))
    d = destruction.request_destruction(svc, "carol", [c.serial], "secure", "粉碎", "到期")
    destruction.approve_destruction(svc, "ann", d.id)
    destruction.witness(svc, "oscar", d.id)
    destruction.witness(svc, "andy", d.id)
    destruction.execute_destruction(svc, "carol", d.id)
    assert record(svc, c.serial) == [
        ("carol", "receipt", False, "record"),
        ("alice", "borrow", False, "record"),
        ("alice", "carry", False, "record"),
        ("e1", "carry", False, "record"),
        ("e2", "carry", False, "record"),
        ("ann", "handling", False, "record"),
        ("carol", "handling", False, "record"),
        ("carol", "destruction", False, "record"),
        ("andy", "witness", False, "record"),
        ("oscar", "witness", False, "record"),
    ]


def test_the_record_is_kept_for_top_secret_only(svc: Services) -> None:
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    b = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    assert record(svc, c.serial) == []


def cross(c: Carrier, eid: str, direction: str, *who: str) -> Observation:
    return Observation(
        eid,
        "crossing",
        T0,
        code=c.epc or "",
        door="door-secure",
        direction=direction,  # type: ignore[arg-type]
        badges=tuple(BADGE[w] for w in who),
    )


def alerts(svc: Services) -> list[tuple[str, str | None, str]]:
    with svc.read() as uow:
        return sorted(
            (a.type.value, a.rule, a.details.get("person", "")) for a in uow.alerts.find()
        )


def test_a_top_secret_carrier_moving_with_someone_unrecorded_is_an_alert(svc: Services) -> None:
    c = top_secret(svc)
    # Brought into the secure room (no R2: it enters) by alice, who has no session.
    apply_batch(svc, "gw1", [cross(c, "a", "in", "alice")])
    assert alerts(svc) == [("unrecorded_contact", "R16", "alice")]
    assert record(svc, c.serial)[-1] == ("alice", "carry", False, "door")
    with svc.read() as uow:
        (a,) = uow.alerts.find()
        assert a.severity.value == "warning" and a.subject == c.serial
        assert "李核心" in a.details["zh"] and "关于" not in a.details["zh"]  # no title


def test_each_person_unrecorded_is_an_alert_of_their_own(svc: Services) -> None:
    c = top_secret(svc)
    apply_batch(svc, "gw1", [cross(c, "a", "in", "alice"), cross(c, "b", "in", "alice")])
    apply_batch(svc, "gw1", [cross(c, "c", "in", "e2", "alice")])
    with svc.read() as uow:
        found = sorted((a.details["person"], a.count) for a in uow.alerts.find())
    assert found == [("alice", 3), ("e2", 1)]


def test_a_reader_with_an_open_session_or_a_keeper_moving_it_is_no_alert(svc: Services) -> None:
    c = top_secret(svc)
    disclosure.open_reading(svc, "carol", c.serial, "alice")
    apply_batch(svc, "gw1", [cross(c, "a", "in", "alice"), cross(c, "b", "in", "carol")])
    assert alerts(svc) == []
    assert [r[0] for r in record(svc, c.serial) if r[3] == "door"] == ["alice", "carol"]
    # Someone who may not hold it at all is R3's wrong holder, not R16.
    apply_batch(svc, "gw1", [cross(c, "c", "in", "bob")])
    assert alerts(svc) == [("wrong_holder", "R3", "bob")]


def test_the_record_is_shown_only_with_need_to_know(svc: Services) -> None:
    c = top_secret(svc)
    assert disclosure.record_of(svc, svc_person(svc, "alice"), c.serial)
    with pytest.raises(PermissionDenied, match="knowledge scope"):
        disclosure.record_of(svc, svc_person(svc, "bob"), c.serial)
    with pytest.raises(PermissionDenied):
        disclosure.record_of(svc, svc_person(svc, "auditor"), c.serial)
    with pytest.raises(NotFound):
        disclosure.record_of(svc, svc_person(svc, "carol"), "JM-2026-999999")


# --- a badge at the reading desk -------------------------------------------------------


def at_desk(eid: str, who: str, *codes: str, desk: str = "desk-secure") -> Observation:
    return Observation(eid, "desk", T0, desk=desk, badges=(BADGE[who],), codes=codes)


def test_a_badge_at_the_reading_desk_opens_and_closes_a_session(
    svc: Services, clock: ManualClock
) -> None:
    c = top_secret(svc)
    secret = receive_one(svc, Level.SECRET)
    (out,) = apply_batch(svc, "gw1", [at_desk("d1", "alice", c.epc or "", secret.serial)])
    assert (out.carrier, out.note, out.alerts) == (c.serial, "1 opened, 0 closed", [])
    (s,) = disclosure.open_sessions(svc, "carol")
    assert (s.person, s.source, s.desk, s.place, s.opened_by) == (
        "alice",
        DisclosureSource.BADGE,
        "desk-secure",
        "secure",
        "gw1",
    )
    clock.advance(timedelta(minutes=40))
    later = Observation("d2", "desk", clock.now(), desk="desk-secure", badges=(BADGE["alice"],))
    (out,) = apply_batch(svc, "gw1", [later])  # badge out: the desk may be empty by now
    assert out.note == "0 opened, 1 closed"
    assert disclosure.open_sessions(svc, "carol") == []
    assert [e["action"] for e in entries(svc, c.serial, "reading_open", "reading_close")] == [
        "reading_open",
        "reading_close",
    ]
    assert record(svc, secret.serial) == []  # only top secret is recorded


def test_someone_who_may_not_hold_it_badging_at_the_desk_is_an_alert(svc: Services) -> None:
    c = top_secret(svc)
    (out,) = apply_batch(svc, "gw1", [at_desk("d1", "bob", c.epc or "")])
    assert out.note == "0 opened, 0 closed" and len(out.alerts) == 1
    assert alerts(svc) == [("wrong_holder", "R3", "bob")]
    assert disclosure.open_sessions(svc, "carol") == []
    # A badge nobody holds opens nothing and is not an alert.
    unknown = Observation("d2", "desk", T0, desk="desk-secure", badges=("FFFFFFFFFF",))
    assert apply_batch(svc, "gw1", [unknown])[0].note == "unknown badge"
    # A carrier lent to someone else is not opened for another reader (logged, no alert).
    b = borrowing.request_borrow(svc, "e1", c.serial, "e1", "secure", "阅办")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    assert apply_batch(svc, "gw1", [at_desk("d3", "alice", c.epc or "")])[0].note == (
        "0 opened, 0 closed"
    )


def test_desk_events_are_checked_before_anything_is_written(svc: Services, snapshot) -> None:  # type: ignore[no-untyped-def]
    from tracker.services.movement import BatchRejected

    c = top_secret(svc)
    before = snapshot()
    for bad, field in (
        (at_desk("x", "alice", c.serial, desk="nowhere"), "desk"),
        (Observation("x", "desk", T0, desk="desk-secure"), "badges"),
        (Observation("x", "desk", T0, desk="desk-secure", badges=("A", "B")), "badges"),
        (at_desk("x", "alice", " "), "codes"),
    ):
        with pytest.raises(BatchRejected) as caught:
            apply_batch(svc, "gw1", [bad])
        assert caught.value.field == f"items[0].{field}"
    assert snapshot() == before
