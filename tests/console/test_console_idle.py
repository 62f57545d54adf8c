"""In a real browser against the console on a manual service clock (and the page's own
clock under Playwright's control): the warning before the idle timeout, staying logged in
from the warning, and being logged out when the timeout passes; and the overdue list with
the reminders the scheduler sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import password
from tests.api.test_docs_browser import server
from tests.conftest import IN_CI
from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, DESK, login, shoot
from tests.db import only_sqlite
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.services import borrowing
from tracker.services.base import Services
from tracker.services.schedule import run_due

__all__ = ["server"]  # the API documentation test's uvicorn-in-a-thread fixture

pytestmark = [only_sqlite, pytest.mark.timeout(180)]


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian package: chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=DESK, locale="zh-CN")
            p = context.new_page()
            p.set_default_timeout(15_000)
            yield p
        finally:
            browser.close()


def _both(clock: ManualClock, page: Any, seconds: int) -> None:
    """Move the service's clock and the page's clock on together."""
    clock.advance(timedelta(seconds=seconds))
    page.clock.fast_forward(seconds * 1000)


def test_the_idle_warning_then_staying_then_the_timeout(
    server: str, page: Any, clock: ManualClock, svc: Services
) -> None:
    page.clock.install()
    login(page, server, "carol", password("carol"))
    dialog = page.locator("#idle-warning")
    assert dialog.is_hidden()
    _both(clock, page, 12 * 60)  # 3 minutes left: no warning yet
    page.clock.run_for(2000)
    assert dialog.is_hidden()
    _both(clock, page, 90)  # 90 seconds left: the warning
    dialog.wait_for(state="visible")
    left = int(page.locator("#idle-count").inner_text())
    assert 60 <= left <= 120
    assert page.evaluate("document.activeElement.id") == "idle-stay"
    shoot(page, "idle-warning")
    page.click("#idle-stay")  # "I am still here" counts as activity
    dialog.wait_for(state="hidden")
    with svc.read() as uow:
        (s,) = uow.console_sessions.find(username="carol")
    assert s.last_seen == clock.now()
    _both(clock, page, 14 * 60)  # the warning again, 14 minutes after staying
    dialog.wait_for(state="visible")
    _both(clock, page, 61)  # nothing done: the timeout passes
    page.wait_for_url(f"{server}/?expired=1*")
    assert "会话已超时" in page.locator("main").inner_text()
    assert page.get_by_label("用户名").is_visible()
    shoot(page, "idle-expired")
    with svc.read() as uow:
        (s,) = uow.console_sessions.find(username="carol")
    assert s.end_reason == "idle"


def test_the_overdue_list_shows_how_late_and_the_reminders(
    server: str, page: Any, clock: ManualClock, svc: Services
) -> None:
    c = receive_one(svc, Level.SECRET)
    b = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅读")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    run_due(svc)  # the scheduler's first start only sets its marks
    clock.set(b.due_at + timedelta(hours=1))
    run_due(svc)
    clock.advance(timedelta(hours=2))
    run_due(svc)  # a reminder: the alert escalates
    login(page, server, "carol", password("carol"))
    page.goto(f"{server}/console/overdue")
    row = page.locator("#overdue-list tbody tr").filter(has_text=c.serial)
    assert row.count() == 1
    text = row.inner_text()
    assert "李核心" in text and "小时" in text
    assert "已提醒 1 次" in row.locator(".reminders").inner_text()
    shoot(page, "overdue-list")
    page.goto(f"{server}/console/")
    assert page.locator("[data-count=overdue]").inner_text() == "1"
