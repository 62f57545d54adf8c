"""Time-driven rules on a controllable clock: overdue escalation, acknowledgement,
digests, the end-of-day sweep, catch-up after downtime, no double run, R9, R11, and
silent readers."""

from __future__ import annotations

import gc
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState
from tracker.domain.period import SecrecyPeriod
from tracker.services import alerting, borrowing
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import store_in_safe
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SH)


def borrowed(svc: Services, who: str = "alice") -> str:
    c = receive_one(svc, Level.SECRET, scope_people=("alice", "erin"))
    store_in_safe(svc, "carol", c.serial)
    req = borrowing.request_borrow(svc, who, c.serial, who, "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    return c.serial


def notified(svc: Services, run_prefix: str) -> list[tuple[str, tuple[str, ...]]]:
    with svc.read() as uow:
        rows = uow.notifications.find(order_by="recipient")
    return [(n.recipient, n.alerts) for n in rows if n.run.startswith(run_prefix)]


@pytest.fixture(autouse=True)
def started(svc: Services) -> None:
    """The service (and its scheduler) started at 10:00 on Tuesday the 24th."""
    assert run_due(svc) == []  # a first start only sets the marks: nothing to catch up


def run_at(svc: Services, clock: ManualClock, when: datetime):  # type: ignore[no-untyped-def]
    clock.set(when)
    return {r.job: r for r in run_due(svc)}


def test_r4_overdue_reminders_escalate_borrower_then_custodian_then_officer(
    svc: Services, clock: ManualClock
) -> None:
    serial = borrowed(svc)
    run_at(svc, clock, at(24, 17, 0))  # first runs set their marks; nothing overdue yet
    assert notified(svc, "overdue") == []
    run_at(svc, clock, at(24, 17, 35))
    with svc.read() as uow:
        (alert,) = uow.alerts.find(type=AlertType.OVERDUE_BORROW)
    assert (alert.subject, alert.severity.value, alert.escalation) == (serial, "warning", 0)
    first = notified(svc, "overdue:2026-11-24T09:35")
    assert [r for r, _ in first] == ["person:alice"]
    run_at(svc, clock, at(24, 18, 0))  # within the hour: no reminder yet
    assert notified(svc, "overdue:2026-11-24T10:00") == []
    run_at(svc, clock, at(24, 18, 40))
    assert [r for r, _ in notified(svc, "overdue:2026-11-24T10:40")] == [
        "person:alice",
        "person:carol",
    ]
    run_at(svc, clock, at(24, 19, 45))
    third = [r for r, _ in notified(svc, "overdue:2026-11-24T11:45")]
    assert third == ["person:alice", "person:carol", "person:oscar"]
    with svc.read() as uow:
        (alert,) = uow.alerts.find(type=AlertType.OVERDUE_BORROW)
    assert alert.severity.value == "critical" and alert.escalation == 2


def test_r4_acknowledgement_stops_the_reminders(svc: Services, clock: ManualClock) -> None:
    borrowed(svc)
    run_at(svc, clock, at(24, 17, 35))
    with svc.read() as uow:
        (alert,) = uow.alerts.find(type=AlertType.OVERDUE_BORROW)
    alerting.acknowledge(svc, "carol", alert.id, "已电话催还")
    for hh in (18, 19, 20, 21):
        run_at(svc, clock, at(24, hh, 45))
    assert [n for n in notified(svc, "overdue") if not n[0].startswith("person:alice")] == []
    assert len(notified(svc, "overdue")) == 1  # only the first notice to the borrower


def test_returning_resolves_the_overdue_alert(svc: Services, clock: ManualClock) -> None:
    serial = borrowed(svc)
    run_at(svc, clock, at(24, 17, 35))
    borrowing.return_carrier(svc, "carol", serial)
    with svc.read() as uow:
        (alert,) = uow.alerts.find(type=AlertType.OVERDUE_BORROW)
    assert alert.state.value == "resolved"


def test_one_digest_per_recipient_per_run(svc: Services, clock: ManualClock) -> None:
    a, b = borrowed(svc), borrowed(svc)
    run_at(svc, clock, at(24, 17, 35))
    digest = notified(svc, "overdue:2026-11-24T09:35")
    assert len(digest) == 1
    recipient, alerts = digest[0]
    assert recipient == "person:alice" and len(alerts) == 2
    with svc.read() as uow:
        (note,) = [n for n in uow.notifications.find() if n.run.startswith("overdue")]
    assert a in note.body and b in note.body and "关于" not in note.body  # no titles


def test_r7_end_of_day_sweep_finds_every_carrier_not_in_a_safe(
    svc: Services, clock: ManualClock
) -> None:
    out = borrowed(svc)
    loose = receive_one(svc, Level.CONFIDENTIAL).serial  # registered, never put away
    safe = receive_one(svc, Level.SECRET).serial
    store_in_safe(svc, "carol", safe)
    run_at(svc, clock, at(24, 17, 0))
    reports = run_at(svc, clock, at(24, 17, 31))
    assert reports["end_of_day"].raised == 2
    with svc.read() as uow:
        subjects = {a.subject for a in uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY)}
    assert subjects == {out, loose}
    assert [r for r, _ in notified(svc, "end_of_day")] == ["person:carol"]
    store_in_safe(svc, "carol", loose)
    with svc.read() as uow:
        still = {
            a.subject
            for a in uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY)
            if a.state.value == "open"
        }
    assert still == {out}


def test_service_down_at_close_still_sweeps_once_when_it_comes_back(
    svc: Services, clock: ManualClock
) -> None:
    receive_one(svc, Level.CONFIDENTIAL)
    run_at(svc, clock, at(24, 12))
    reports = run_at(svc, clock, at(26, 9))  # down from Tuesday noon to Thursday morning
    eod = reports["end_of_day"]
    assert eod.at == at(25, 17, 30) and eod.missed == [at(24, 17, 30)]
    assert run_at(svc, clock, at(26, 9, 1)).get("end_of_day") is None
    with svc.read() as uow:
        runs = [
            e
            for e in uow.ledger.entries(limit=10_000)
            if e.action == "scheduled_run" and e.reason == "end_of_day" and e.at > at(24, 12)
        ]
    assert len(runs) == 1 and len(runs[0].data["missed"]) == 1


def test_no_run_happens_twice_even_from_two_schedulers(svc: Services, clock: ManualClock) -> None:
    borrowed(svc)
    run_at(svc, clock, at(24, 12))
    clock.set(at(24, 17, 35))
    results: list[list[str]] = []

    def scheduler() -> None:
        results.append([r.job for r in run_due(svc)])

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(j for r in results for j in r).count("end_of_day") == 1
    with svc.read() as uow:
        runs = [
            e
            for e in uow.ledger.entries(limit=10_000)
            if e.action == "scheduled_run" and e.at > at(24, 12)
        ]
        (alert,) = uow.alerts.find(type=AlertType.OVERDUE_BORROW)
    assert [e.reason for e in runs].count("end_of_day") == 1
    assert alert.count == 1


def test_r11_declassification_due_notice_and_automatic_declassification(
    svc: Services, clock: ManualClock
) -> None:
    soon = receive_one(
        svc, Level.CONFIDENTIAL, period=SecrecyPeriod.months(6), classified_on=date(2026, 6, 10)
    ).serial
    ended = receive_one(
        svc, Level.CONFIDENTIAL, period=SecrecyPeriod.months(6), classified_on=date(2026, 5, 20)
    ).serial
    report = run_at(svc, clock, at(25, 8, 31))["daily"]
    assert report.declassified == [ended]
    with svc.read() as uow:
        due = {a.subject for a in uow.alerts.find(type=AlertType.DECLASSIFICATION_DUE)}
        gone = uow.carriers.get(ended)
        assert gone is not None and gone.state is CarrierState.DECLASSIFIED
    assert due == {soon}


def test_r9_inventory_due_when_never_counted(svc: Services, clock: ManualClock) -> None:
    receive_one(svc, Level.TOP_SECRET)
    run_at(svc, clock, at(25, 8, 31))
    with svc.read() as uow:
        due = {a.details["level"] for a in uow.alerts.find(type=AlertType.INVENTORY_DUE)}
    assert due == {"top_secret"}  # only levels with carriers are due


def test_silent_reader_raises_reader_offline_and_recovers(
    svc: Services, clock: ManualClock
) -> None:
    t0 = at(24, 10)
    apply_batch(svc, "gw1", [Observation("h1", "heartbeat", t0, reader="door-exit-in")])
    run_at(svc, clock, t0 + timedelta(seconds=20))
    with svc.read() as uow:
        assert uow.alerts.find(type=AlertType.READER_OFFLINE) == []
    run_at(svc, clock, t0 + timedelta(seconds=95))  # heartbeat is 30 s
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.READER_OFFLINE)
        assert a.subject == "door-exit-in" and a.state.value == "open"
    apply_batch(
        svc,
        "gw1",
        [Observation("h2", "heartbeat", t0 + timedelta(seconds=100), reader="door-exit-in")],
    )
    run_at(svc, clock, t0 + timedelta(seconds=125))
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.READER_OFFLINE)
    assert a.state.value == "resolved"


@pytest.mark.parametrize("minutes", [1, 3])
def test_r1_a_carrier_left_in_the_corridor_is_out_of_place(
    svc: Services, clock: ManualClock, minutes: int
) -> None:
    c = receive_one(
        svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a", scope_people=("alice",)
    )
    t0 = at(24, 10)
    apply_batch(
        svc,
        "gw",
        [
            Observation(
                "x",
                "crossing",
                t0,
                code=c.serial,
                door="door-office-a",
                direction="out",
                badges=("0100073EAB",),
            )
        ],
    )
    run_at(svc, clock, t0 + timedelta(minutes=minutes))
    with svc.read() as uow:
        found = [
            a
            for a in uow.alerts.find(type=AlertType.UNAUTHORIZED_REMOVAL)
            if a.cause.endswith(":passage")
        ]
    assert bool(found) == (minutes * 60 > svc.site.policy.transit_seconds)


def test_each_digest_goes_to_its_borrowers_address_and_greets_them_by_name(
    svc: Services, clock: ManualClock
) -> None:
    """The people of a run's digests are read together (one query, not one a digest):
    each digest still carries its own recipient's address and name."""
    from tracker.services import people

    people.update_person(svc, "cli:test", "alice", email="alice@example.org")
    borrowed(svc, "alice")
    borrowed(svc, "erin")
    run_at(svc, clock, at(24, 17, 35))
    with svc.read() as uow:
        notes = {n.recipient: n for n in uow.notifications.find() if n.run.startswith("overdue")}
        names = {p.id: p.name for p in uow.people.find(id=["alice", "erin"])}
    assert set(notes) == {"person:alice", "person:erin"}
    assert notes["person:alice"].target == "alice@example.org"
    assert notes["person:erin"].target == ""
    for pid in ("alice", "erin"):
        assert notes[f"person:{pid}"].body.startswith(f"{names[pid]}："), pid


def test_r7_sweep_alert_says_where_the_carrier_was_last_and_who_holds_it(
    svc: Services, clock: ManualClock
) -> None:
    out = borrowed(svc)
    run_at(svc, clock, at(24, 17, 0))
    run_at(svc, clock, at(24, 17, 31))
    with svc.read() as uow:
        (alert,) = uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY, subject=out)
        carrier = uow.carriers.get(out)
    assert carrier is not None and carrier.location and carrier.holder == "alice"
    where = carrier.location
    assert alert.cause == f"not_locked_away:{out}"
    assert (alert.details["location"], alert.details["holder"]) == (where, "alice")
    assert alert.details["message"] == (
        f"after close of business carrier {out} is not in a safe (last at {where}, held by alice)"
    )
    assert alert.details["zh"] == f"下班后载体 {out} 未入柜上锁（最后位置：{where}，持有人：alice）"


def test_a_run_leaves_the_cycle_collector_as_it_found_it(svc: Services, clock: ManualClock) -> None:
    borrowed(svc)
    assert gc.isenabled()
    run_at(svc, clock, at(24, 17, 31))  # a sweep: the collector is held off during it
    assert gc.isenabled()
    gc.disable()
    try:
        run_at(svc, clock, at(25, 17, 31))
        assert not gc.isenabled()  # not switched on behind the caller's back
    finally:
        gc.enable()
