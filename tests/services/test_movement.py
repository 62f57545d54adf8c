"""Observations from doors and safes: movements, the rules on the spot, idempotency,
out-of-order arrival, unknown tags, readers going offline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import T0
from tests.services.conftest import receive_one
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState
from tracker.services import borrowing
from tracker.services.base import Services
from tracker.services.movement import BatchRejected, Observation, apply_batch
from tracker.services.receive import store_in_safe

BADGE = {"alice": "0100073EAB", "bob": "0100073EAC", "carol": "0100073EA7", "e1": "0100073EAF"}


def cross(eid: str, code: str, door: str, direction: str, at: datetime, *who: str) -> Observation:
    return Observation(
        eid,
        "crossing",
        at,
        code=code,
        door=door,
        direction=direction,  # type: ignore[arg-type]
        badges=tuple(BADGE[w] for w in who),
    )


def alerts(svc: Services) -> list[tuple[str, str | None, str]]:
    with svc.read() as uow:
        return sorted((a.type.value, a.rule, a.subject) for a in uow.alerts.find())


def test_r2_top_secret_carried_out_of_the_secure_room_raises_a_critical_alert(
    svc: Services,
) -> None:
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    out = apply_batch(svc, "gw1", [cross("e1", c.epc or "", "door-secure", "out", T0, "alice")])
    assert out[0].status == "recorded" and out[0].carrier == c.serial
    # R16 too: alice carried it with no reading session, borrow or carry-out for it.
    assert alerts(svc) == [
        ("unauthorized_removal", "R2", c.serial),
        ("unrecorded_contact", "R16", c.serial),
    ]
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and (x.location, x.state) == ("corridor", CarrierState.REGISTERED)


def test_r6_carrier_through_the_exit_without_carry_out(svc: Services) -> None:
    c = receive_one(svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    apply_batch(svc, "gw1", [cross("e1", c.epc or "", "door-exit", "out", T0, "alice")])
    assert ("unauthorized_removal", "R6", c.serial) in alerts(svc)


def test_approved_borrow_into_the_office_raises_nothing(svc: Services) -> None:
    c = receive_one(svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "office-b", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    apply_batch(
        svc,
        "gw1",
        [
            cross("a", c.epc or "", "door-office-a", "out", T0, "alice"),
            cross("b", c.epc or "", "door-office-b", "in", T0 + timedelta(seconds=20), "alice"),
        ],
    )
    assert alerts(svc) == []
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.location == "office-b"


def test_r1_secret_carrier_into_a_confidential_office(svc: Services) -> None:
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    apply_batch(svc, "gw1", [cross("x", c.serial, "door-office-b", "in", T0, "alice")])
    assert ("unauthorized_removal", "R1", c.serial) in alerts(svc)


def test_r3_wrong_holder(svc: Services) -> None:
    c = receive_one(svc, Level.SECRET, home_room="office-a", home_safe="safe-a")
    apply_batch(svc, "gw1", [cross("x", c.epc or "", "door-office-a", "out", T0, "bob")])
    assert ("wrong_holder", "R3", c.serial) in alerts(svc)


def test_same_event_twice_records_once_and_answers_the_same(svc: Services) -> None:
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    batch = [cross("ev-1", c.epc or "", "door-secure", "out", T0, "alice")]
    first = apply_batch(svc, "gw1", batch)
    second = apply_batch(svc, "gw1", batch)
    assert second[0].status == "duplicate"
    assert (second[0].movement, second[0].alerts) == (first[0].movement, first[0].alerts)
    with svc.read() as uow:
        assert uow.movements.count() == 1
        assert [a.count for a in uow.alerts.find()] == [1, 1]  # R2 and R16, once each


def test_out_of_order_events_are_applied_by_event_time(svc: Services) -> None:
    c = receive_one(svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a")
    later = cross("2", c.epc or "", "door-office-a", "in", T0 + timedelta(minutes=5), "alice")
    earlier = cross("1", c.epc or "", "door-office-a", "out", T0, "alice")
    apply_batch(svc, "gw1", [later])
    apply_batch(svc, "gw1", [earlier])  # arrives late
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.location == "office-a"
        assert uow.movements.count() == 2


def test_unknown_tag_is_one_alert_however_often_it_is_seen(svc: Services) -> None:
    batch = [
        cross(f"u{i}", "E2801170000002089ABCDEF0", "door-exit", "out", T0 + timedelta(seconds=i))
        for i in range(20)
    ]
    apply_batch(svc, "gw1", batch)
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.UNKNOWN_TAG)
    assert a.count == 20 and a.severity.value == "warning"


def test_a_malformed_item_rejects_the_whole_batch_and_records_nothing(
    svc: Services, snapshot
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET)
    before = snapshot()
    good = cross("ok", c.epc or "", "door-secure", "out", T0, "alice")
    bad = cross("bad", c.epc or "", "door-nowhere", "out", T0, "alice")
    with pytest.raises(BatchRejected) as e:
        apply_batch(svc, "gw1", [good, bad])
    assert e.value.problems[0][0] == 1 and e.value.problems[0][1].field == "door"
    assert snapshot() == before


def test_reader_offline_alert_is_resolved_when_it_reports_again(svc: Services) -> None:
    off = Observation("r1", "reader", T0, reader="door-exit-in", online=False)
    on = Observation("r2", "reader", T0 + timedelta(minutes=1), reader="door-exit-in", online=True)
    apply_batch(svc, "gw1", [off])
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.READER_OFFLINE)
        assert a.state.value == "open" and a.severity.value == "critical"
    apply_batch(svc, "gw1", [on])
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.READER_OFFLINE)
        assert a.state.value == "resolved"


def test_safe_reader_puts_a_carrier_in_and_takes_it_out(svc: Services) -> None:
    c = receive_one(svc, Level.SECRET)
    apply_batch(
        svc, "gw1", [Observation("s1", "safe", T0, code=c.epc or "", safe="safe-s1", present=True)]
    )
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and (x.state, x.location) == (CarrierState.IN_SAFE, "safe-s1")
    apply_batch(
        svc,
        "gw1",
        [
            Observation(
                "s2",
                "safe",
                T0 + timedelta(minutes=1),
                code=c.epc or "",
                safe="safe-s1",
                present=False,
            )
        ],
    )
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and (x.state, x.location) == (CarrierState.REGISTERED, "secure")


def test_r1_secret_carrier_put_into_a_safe_below_its_level(svc: Services) -> None:
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    apply_batch(
        svc, "gw1", [Observation("s1", "safe", T0, code=c.epc or "", safe="safe-a", present=True)]
    )
    assert ("unauthorized_removal", "R1", c.serial) in alerts(svc)
