"""Raising alerts as a batch (:func:`tracker.services.alerting.raise_alerts`, what the
scheduled runs use) keeps every guarantee of raising them one at a time: one open alert
per cause, each in the custody register with the same entry, the same notices to the same
people and webhooks, the same stream events, and no title anywhere."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.services.conftest import receive_one
from tracker.domain.levels import Level
from tracker.domain.model import AlertState, AlertType, Severity, SubjectKind
from tracker.domain.site import NotificationConfig, Route, Webhook
from tracker.services import borrowing
from tracker.services.alerting import Wanted, raise_alert, raise_alerts
from tracker.services.base import Services
from tracker.services.bus import Event
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")
TITLE = "关于某项目的请示"  # every carrier's title in these tests (conftest.item)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SH)


def borrowed(svc: Services) -> str:
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    return c.serial


def sweep(svc: Services, clock: Any, when: datetime) -> int:
    clock.set(when)
    (report,) = [r for r in run_due(svc) if r.job == "end_of_day"]
    return report.raised


def test_a_repeated_sweep_counts_on_the_open_alerts_and_raises_no_second(
    svc: Services, clock: Any
) -> None:
    loose = [borrowed(svc), borrowed(svc), receive_one(svc, Level.CONFIDENTIAL).serial]
    run_due(svc)  # marks set at 10:00
    assert sweep(svc, clock, at(24, 17, 31)) == 3
    assert sweep(svc, clock, at(25, 17, 31)) == 3  # the next evening: still out
    with svc.read() as uow:
        alerts = uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY)
        raised = [e for e in uow.ledger.entries(limit=10_000) if e.action == "alert_raise"]
    assert sorted(a.subject for a in alerts) == sorted(loose)
    assert {(a.count, a.state, a.last_seen) for a in alerts} == {
        (2, AlertState.OPEN, at(25, 17, 30) + timedelta(minutes=1))
    }
    assert sorted(e.carrier for e in raised if e.data["type"] == "not_locked_away") == sorted(loose)


def test_a_batch_asking_twice_for_one_cause_opens_one_alert(svc: Services) -> None:
    serial = receive_one(svc, Level.SECRET).serial
    one = Wanted(
        AlertType.UNKNOWN_TAG, Severity.WARNING, SubjectKind.CARRIER, serial, f"t:{serial}",
        None, "seen", "看到",
    )  # fmt: skip
    worse = one._replace(severity=Severity.CRITICAL)
    with svc.transaction() as tx:
        first, again = raise_alerts(tx, [one, worse])
    assert first is again
    with svc.read() as uow:
        (stored,) = uow.alerts.find(cause=f"t:{serial}")
        raised = [e for e in uow.ledger.entries(limit=10_000) if e.action == "alert_raise"]
    assert (stored.count, stored.severity) == (2, Severity.CRITICAL)
    assert [e.data["cause"] for e in raised] == [f"t:{serial}"]


def _configure(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_TEST_HOOK_SECRET", "s")
    svc.site = replace(
        svc.site,
        notifications=NotificationConfig(
            smtp_url="smtp://127.0.0.1:1",
            email_from="tracker@unit.example",
            webhooks=(Webhook("soc", "http://127.0.0.1:1/hook", "TRACKER_TEST_HOOK_SECRET"),),
            routes=(
                Route(frozenset({"*"}), "info", ("audience",)),
                Route(frozenset({"*"}), "warning", ("webhook:soc",)),
            ),
            max_attempts=3,
        ),
    )


def _wanted(serial: str, cause: str) -> list[Wanted]:
    """Alerts of three kinds about ``serial`` (causes prefixed with ``cause``)."""
    return [
        Wanted(
            AlertType.NOT_LOCKED_AWAY, Severity.WARNING, SubjectKind.CARRIER, serial,
            f"{cause}:a", "R7", f"{serial} not in a safe", f"{serial} 未入柜",
            {"location": "reading", "holder": "alice"},
        ),
        Wanted(
            AlertType.OVERDUE_BORROW, Severity.WARNING, SubjectKind.CARRIER, serial,
            f"{cause}:b", "R4", f"{serial} overdue", f"{serial} 逾期", {"borrower": "alice"},
        ),
        Wanted(
            AlertType.READER_OFFLINE, Severity.CRITICAL, SubjectKind.READER, "rd-1",
            f"{cause}:c", None, "rd-1 silent", "rd-1 无上报",
        ),
    ]  # fmt: skip


def test_a_batch_is_registered_told_and_streamed_as_single_alerts_are(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(svc, monkeypatch)
    serial = receive_one(svc, Level.SECRET, scope_people=("alice",)).serial
    heard: list[Event] = []
    svc.bus.subscribe(heard.append)
    with svc.read() as uow:
        before = uow.ledger.head()[0]
    with svc.transaction() as tx:
        tx.run = "run"
        batch = raise_alerts(tx, _wanted(serial, "batch"))
    with svc.transaction() as tx:
        tx.run = "run"
        single = [raise_alert(tx, *w) for w in _wanted(serial, "single")]
    ids = {a.id: f"alert-{i}" for i, a in enumerate(batch)} | {
        a.id: f"alert-{i}" for i, a in enumerate(single)
    }

    def same(text: str) -> str:  # alert ids and causes told apart, the rest compared
        for alert_id, name in ids.items():
            text = text.replace(alert_id, name)
        return text.replace("batch:", "cause:").replace("single:", "cause:")

    with svc.read() as uow:
        assert uow.ledger.verify().ok  # what `tracker audit verify` checks
        entries = uow.ledger.entries(after_seq=before, limit=100)
        notes = uow.notifications.find(order_by=["created_at", "recipient"])
    # The register: one entry per alert, the same content either way.
    raised = [
        same(json.dumps([e.action, e.actor, e.carrier, e.reason, e.data], ensure_ascii=False))
        for e in entries
        if e.action == "alert_raise"
    ]
    assert len(raised) == 6 and raised[:3] == raised[3:]
    # The notices: one digest per recipient, to the same recipients with the same text.
    of_batch = {a.id for a in batch}
    told = [
        (n.alerts[0] in of_batch, n.recipient, n.channel, n.subject, same(n.body), n.state)
        for n in notes
    ]
    by_batch = [t[1:] for t in told if t[0]]
    assert len(by_batch) == 3 and by_batch == [t[1:] for t in told if not t[0]]
    assert {t[0] for t in by_batch} == {"person:alice", "person:carol", "webhook:soc"}
    body = next(n.body for n in notes if n.recipient == "webhook:soc")
    hook = json.loads(body)
    # The webhook body is the digest's JSON with its keys sorted, as it always was.
    assert body == json.dumps(hook, sort_keys=True, ensure_ascii=False)
    assert [a["type"] for a in hook["alerts"]] == [
        "not_locked_away",
        "overdue_borrow",
        "reader_offline",
    ]
    # The stream: one event per alert, the same either way.
    streamed = [same(json.dumps(e.data, ensure_ascii=False)) for e in heard if e.kind == "alert"]
    assert len(streamed) == 6 and streamed[:3] == streamed[3:]
    # Need-to-know: the title is in none of them.
    everything = " ".join(raised + [t[3] for t in by_batch] + streamed)
    assert TITLE not in everything


def test_the_sweeps_register_entries_verify(svc: Services, clock: Any) -> None:
    for _ in range(3):
        borrowed(svc)
    run_due(svc)
    sweep(svc, clock, at(24, 17, 31))
    with svc.read() as uow:
        check = uow.ledger.verify()
        raised = [e for e in uow.ledger.entries(limit=10_000) if e.action == "alert_raise"]
        alerts = {a.id: a for a in uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY)}
    assert check.ok and check.entries == uow_head(svc)
    assert len(raised) == 3
    for e in raised:
        a = alerts[e.data["alert"]]
        assert (e.actor, e.carrier, e.reason) == ("system", a.subject, a.details["message"])
        assert e.data == {
            "alert": a.id,
            "type": "not_locked_away",
            "severity": "warning",
            "rule": "R7",
            "cause": a.cause,
        }


def uow_head(svc: Services) -> int:
    with svc.read() as uow:
        return uow.ledger.head()[0]
