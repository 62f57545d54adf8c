"""Notifications delivered to a real SMTP server (aiosmtpd) and a real webhook receiver on
127.0.0.1, including a server that is down and comes back; failures are kept, never lost."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import DeliveryState
from tracker.domain.site import NotificationConfig, Route, Webhook
from tracker.notify.delivery import deliver_due
from tracker.notify.senders import SIGNATURE_HEADER, TIMESTAMP_HEADER, senders_for
from tracker.services import borrowing, people
from tracker.services.base import Services
from tracker.services.receive import store_in_safe
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")
SECRET = "s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


class Hooks:
    """A webhook receiver that can be down (refusing connections) and come back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hooks.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    h = Hooks()
    yield h
    h.down()


def configure(
    svc: Services, smtp_port: int, hook_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_TEST_HOOK_SECRET", SECRET)
    svc.site = replace(
        svc.site,
        notifications=NotificationConfig(
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            email_from="tracker@unit.example",
            webhooks=(
                Webhook("soc", f"http://127.0.0.1:{hook_port}/hook", "TRACKER_TEST_HOOK_SECRET"),
            ),
            routes=(
                Route(frozenset({"*"}), "info", ("audience",)),
                Route(frozenset({"*"}), "critical", ("webhook:soc",)),
            ),
            max_attempts=3,
        ),
    )
    for pid in ("alice", "carol", "oscar"):
        people.update_person(svc, "cli:test", pid, email=f"{pid}@unit.example")


def overdue_pair(svc: Services, clock: ManualClock) -> None:
    run_due(svc)  # the first runs set their marks on an empty office
    for _ in range(2):
        c = receive_one(svc, Level.SECRET, scope_people=("alice",))
        store_in_safe(svc, "carol", c.serial)
        req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
        borrowing.approve_borrow(svc, "ann", req.id)
        borrowing.check_out(svc, "carol", req.id)
    clock.set(datetime(2026, 11, 24, 17, 35, tzinfo=SH))
    run_due(svc)  # overdue for alice; the end-of-day sweep tells carol


def subject(msg: Any) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def test_overdue_digest_email_reaches_the_borrower_once(
    svc, clock, smtp, hooks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    configure(svc, port, hooks.port, monkeypatch)
    overdue_pair(svc, clock)
    assert deliver_due(svc, senders_for(svc.site.notifications)) >= 1
    to_alice = [m for m in inbox.messages if m["To"] == "alice@unit.example"]
    assert len(to_alice) == 1  # one digest for both overdue carriers
    body = to_alice[0].get_content()
    assert body.count("已超过归还时间") == 2
    assert "告警" in subject(to_alice[0])
    assert deliver_due(svc, senders_for(svc.site.notifications)) == 0  # nothing sent twice


def test_critical_alert_goes_to_the_signed_webhook(svc, clock, smtp, hooks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.services.movement import Observation, apply_batch

    inbox, port = smtp
    configure(svc, port, hooks.port, monkeypatch)
    hooks.up()
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    apply_batch(
        svc,
        "gw",
        [
            Observation(
                "e1", "crossing", clock.now(), code=c.serial, door="door-secure", direction="out"
            )
        ],
    )
    deliver_due(svc, senders_for(svc.site.notifications))
    (headers, body) = hooks.received[0]
    expected = hmac.new(
        SECRET.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    doc = json.loads(body)
    assert doc["alerts"][0]["type"] == "unauthorized_removal" and "R2" in json.dumps(doc)
    assert {m["To"] for m in inbox.messages} == {"carol@unit.example", "oscar@unit.example"}


def test_a_webhook_that_is_down_is_retried_with_backoff_until_it_is_back(
    svc, clock, smtp, hooks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tracker.services.movement import Observation, apply_batch

    _, port = smtp
    configure(svc, port, hooks.port, monkeypatch)  # the webhook receiver is down
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    apply_batch(
        svc,
        "gw",
        [
            Observation(
                "e1", "crossing", clock.now(), code=c.serial, door="door-secure", direction="out"
            )
        ],
    )
    senders = senders_for(svc.site.notifications)
    deliver_due(svc, senders)
    with svc.read() as uow:
        (hook,) = uow.notifications.find(channel="webhook")
    assert hook.state is DeliveryState.PENDING and hook.attempts == 1
    assert "unreachable" in hook.last_error and hook.next_attempt_at is not None
    deliver_due(svc, senders)  # too early for the retry
    hooks.up()
    clock.advance(timedelta(seconds=31))
    deliver_due(svc, senders)
    with svc.read() as uow:
        (hook,) = uow.notifications.find(channel="webhook")
    assert hook.state is DeliveryState.SENT and hook.attempts == 2
    assert len(hooks.received) == 1


def test_smtp_down_keeps_failures_visible_and_never_loses_the_alert(
    svc, clock, hooks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    dead = free_port()  # nothing listens here
    configure(svc, dead, hooks.port, monkeypatch)
    overdue_pair(svc, clock)
    senders = senders_for(svc.site.notifications)
    for _ in range(4):
        deliver_due(svc, senders)
        clock.advance(timedelta(hours=2))
    with svc.read() as uow:
        mails = uow.notifications.find(channel="email")
        alerts = uow.alerts.find()
    assert mails and all(m.state is DeliveryState.FAILED and m.attempts == 3 for m in mails)
    assert all("SMTP" in m.last_error for m in mails)
    assert {a.type.value for a in alerts} == {"overdue_borrow", "not_locked_away"}
    assert all(a.state.value == "open" for a in alerts)


def test_smtp_back_after_an_outage_delivers(svc, clock, hooks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    configure(svc, port, hooks.port, monkeypatch)
    overdue_pair(svc, clock)
    senders = senders_for(svc.site.notifications)
    deliver_due(svc, senders)  # server down: first attempt fails
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        clock.advance(timedelta(minutes=1))
        assert deliver_due(svc, senders) == 2
    finally:
        ctl.stop()
    assert sorted(m["To"] for m in inbox.messages) == ["alice@unit.example", "carol@unit.example"]
