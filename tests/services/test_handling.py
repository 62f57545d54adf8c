"""R18, three-day handling of top-secret receipts: the deadline set at receipt from the
working calendar, instructions (批办) and handling (办理) with their register entries,
the scheduler's reminder and overdue alert (caught up after downtime, never twice), and
the secure room as a top-secret document's home — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.services.conftest import EXAMPLE, item, receive_one
from tracker.config import load_site
from tracker.config.site_file import stored_site
from tracker.domain.clock import ManualClock
from tracker.domain.disclosure import HandlingState
from tracker.domain.errors import (
    ConfigError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from tracker.domain.ledger import iso
from tracker.domain.levels import Level
from tracker.domain.model import AlertState, AlertType
from tracker.services import custody, handling, site
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, receive
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SH)


def person(svc: Services, pid: str):  # type: ignore[no-untyped-def]
    with svc.read() as uow:
        return uow.people.get(pid)


def handling_alerts(svc: Services) -> list[tuple[str, str, str]]:
    with svc.read() as uow:
        found = uow.alerts.find(
            type=[AlertType.HANDLING_DUE, AlertType.HANDLING_OVERDUE], order_by="first_seen"
        )
        return [(a.type.value, a.subject, a.state.value) for a in found]


def test_a_top_secret_receipt_gets_a_deadline_three_working_days_later(svc: Services) -> None:
    c = receive_one(svc, Level.TOP_SECRET)  # Tuesday the 24th
    view = handling.of_carrier(svc, person(svc, "carol"), c.serial)
    h = view.handling
    assert (h.state, h.received_by, h.due_at) == (HandlingState.OPEN, "carol", at(27, 17, 30))
    with svc.read() as uow:
        (e,) = [e for e in uow.ledger.for_carrier(c.serial) if e.action == "handling_open"]
    assert e.data["due_at"] == iso(at(27, 17, 30)) and e.data["received_on"] == "2026-11-24"
    # Received on Friday (registered on Tuesday): counted from the day it came.
    late = receive(
        svc, "carol", ReceiveBatch([item(Level.TOP_SECRET)], 1, "机要局", date(2026, 11, 20))
    )[0]
    assert handling.of_carrier(svc, person(svc, "carol"), late.serial).handling.due_at == at(
        25, 17, 30
    )
    secret = receive_one(svc, Level.SECRET)
    with pytest.raises(NotFound, match="no handling deadline"):
        handling.of_carrier(svc, person(svc, "carol"), secret.serial)


def test_instructions_and_handling_are_recorded(svc: Services, clock: ManualClock) -> None:
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("ann",))
    h = handling.instruct(svc, "ann", c.serial, "  请政策研究室阅办  ")
    assert (h.state, h.instructed_by, h.instruction) == (
        HandlingState.INSTRUCTED,
        "ann",
        "请政策研究室阅办",
    )
    clock.set(at(25, 9))
    done = handling.complete(svc, "carol", c.serial, "已传达并退回机要室保存")
    assert (done.state, done.handled_by, done.handled_at) == (
        HandlingState.DONE,
        "carol",
        at(25, 9),
    )
    with svc.read() as uow:
        got = [
            (e.action, e.actor, e.approver, e.data.get("late"))
            for e in uow.ledger.for_carrier(c.serial)
            if e.action.startswith("handling")
        ]
    assert got == [
        ("handling_open", "carol", None, None),
        ("handling_instruct", "ann", None, None),
        ("handling_done", "carol", "ann", False),
    ]
    with pytest.raises(Conflict, match="handled already"):
        handling.complete(svc, "carol", c.serial, "again")


def test_who_may_instruct_and_handle(svc: Services, snapshot) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.TOP_SECRET)  # scope: the policy department; ann is not in it
    before = snapshot()
    with pytest.raises(RuleViolation, match="R3: ann is not in the knowledge scope"):
        handling.instruct(svc, "ann", c.serial, "阅")
    with pytest.raises(PermissionDenied):
        handling.instruct(svc, "alice", c.serial, "阅")
    with pytest.raises(PermissionDenied):
        handling.complete(svc, "alice", c.serial, "办结")
    with pytest.raises(InvalidInput, match="note"):
        handling.complete(svc, "carol", c.serial, "   ")
    with pytest.raises(InvalidInput, match="note"):
        handling.complete(svc, "carol", c.serial, "字" * 2001)
    assert snapshot() == before
    with pytest.raises(PermissionDenied):
        handling.listing(svc, person(svc, "alice"))


def test_what_an_approver_outside_the_scope_sees(svc: Services) -> None:
    c = receive_one(svc, Level.TOP_SECRET)
    handling.complete(svc, "carol", c.serial, "已办结，内容涉及某项目")
    (mine,) = handling.listing(svc, person(svc, "andy"))[0]
    assert mine.handling.carrier == c.serial and mine.outcome == "" and not mine.known
    (keeper,) = handling.listing(svc, person(svc, "carol"))[0]
    assert keeper.outcome == "已办结，内容涉及某项目"
    assert handling.listing(svc, person(svc, "carol"), pending=True) == ([], 0)


def test_reminder_then_overdue_alert_then_resolved_by_handling(
    svc: Services, clock: ManualClock
) -> None:
    assert run_due(svc) == []  # the first start sets the scheduler's marks
    c = receive_one(svc, Level.TOP_SECRET)  # due Friday the 27th, 17:30
    clock.set(at(26, 8, 25))
    run_due(svc)
    assert handling_alerts(svc) == []
    clock.set(at(26, 8, 35))  # Thursday's opening: one working day before the deadline
    run_due(svc)
    assert handling_alerts(svc) == [("handling_due", c.serial, "open")]
    with svc.read() as uow:
        notes = [n for n in uow.notifications.find() if n.run.startswith("overdue:")]
    assert {n.recipient for n in notes} == {"person:carol"}
    clock.set(at(27, 17, 30))
    run_due(svc)
    assert len(handling_alerts(svc)) == 1  # due at 17:30 is not past yet
    clock.set(at(27, 17, 35))
    run_due(svc)
    assert handling_alerts(svc) == [
        ("handling_due", c.serial, "open"),
        ("handling_overdue", c.serial, "open"),
    ]
    with svc.read() as uow:
        (over,) = uow.alerts.find(type=AlertType.HANDLING_OVERDUE)
    assert (over.severity.value, over.rule) == ("warning", "R18")
    clock.set(at(30, 9))
    handling.complete(svc, "carol", c.serial, "已办结")
    assert [s for *_, s in handling_alerts(svc)] == ["resolved", "resolved"]
    with svc.read() as uow:
        (done,) = [e for e in uow.ledger.for_carrier(c.serial) if e.action == "handling_done"]
        assert done.data["late"] is True
    run_due(svc)
    assert len(handling_alerts(svc)) == 2  # nothing raised again


def test_after_downtime_the_overdue_alert_is_raised_once(svc: Services, clock: ManualClock) -> None:
    assert run_due(svc) == []
    c = receive_one(svc, Level.TOP_SECRET)
    clock.set(at(30, 10))  # the service was down from Tuesday to Monday
    reports = [r for r in run_due(svc) if r.job == "overdue"]
    assert len(reports) == 1 and reports[0].raised == 1
    assert handling_alerts(svc) == [("handling_overdue", c.serial, "open")]
    assert run_due(svc) == []  # the same instant is never run twice
    with svc.read() as uow:
        (a,) = uow.alerts.find(type=AlertType.HANDLING_OVERDUE)
    assert a.count == 1 and a.state is AlertState.OPEN


def _with_archive(svc: Services) -> None:
    text = EXAMPLE.read_text(encoding="utf-8") + (
        '\n[[rooms]]\nid = "archive"\nname = "档案室"\nbuilding = "main"\n'
        'kind = "archive"\nmax_level = "top_secret"\n'
    )
    cfg = stored_site(text)
    site.apply_site(svc, "cli:test", cfg, text)
    svc.site = cfg


def test_r18_a_top_secret_document_is_kept_in_the_secure_room(svc: Services, snapshot) -> None:  # type: ignore[no-untyped-def]
    _with_archive(svc)
    before = snapshot()
    with pytest.raises(
        RuleViolation, match="R18: top-secret documents are kept in the secure room"
    ):
        receive(
            svc,
            "carol",
            ReceiveBatch([item(Level.TOP_SECRET, home_room="archive", home_safe=None)], 1, "局"),
        )
    assert snapshot() == before
    top = receive_one(svc, Level.TOP_SECRET)
    with pytest.raises(RuleViolation, match="R18: top-secret documents are kept"):
        custody.transfer(svc, "carol", top.serial, "archive", None, "归档")
    receive(svc, "carol", ReceiveBatch([item(home_room="archive", home_safe=None)], 1, "局"))


def test_the_site_file_sets_the_days_within_what_r18_allows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = EXAMPLE.read_text(encoding="utf-8")
    assert load_site(EXAMPLE).policy.handling_days == 3
    for extra, problem in (
        ("handling_days = 4", "policy.handling_days: must be a whole number of working days, 1-3"),
        ("handling_remind_days = -1", "policy.handling_remind_days"),
        ('handling_days = "3"', "policy.handling_days"),
    ):
        f = tmp_path / "site.toml"
        f.write_text(base.replace("[policy]\n", f"[policy]\n{extra}\n"), encoding="utf-8")
        with pytest.raises(ConfigError, match=problem.replace("(", r"\(")):
            load_site(f)
    f.write_text(base.replace("[policy]\n", "[policy]\nhandling_days = 2\n"), encoding="utf-8")
    assert load_site(f).policy.handling_days == 2
