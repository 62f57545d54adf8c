"""The reading desk (R16) and the handling of top-secret receipts (R18) in a real
browser (Debian's Chromium, headless) against a real ``tracker serve --simulate``: the
custodian opens and closes a reading session, the record shows on the carrier page, the
officer instructs and the custodian records the handling; both pages fit a desk's and a
tablet's screen. Screenshots go to ``test-artifacts/console/``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.harness import DESK, TABLET, Served, shoot
from tests.console.test_console_browser import Desk, chromium, desk, flash, office

__all__ = ["chromium", "desk", "office"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def top_secret(office: Served) -> str:
    return office.samples[1]  # 示例：项目论证报告, top secret, scope: the policy department


def test_a_reading_session_opened_and_closed_at_the_desk(desk: Desk) -> None:
    serial = top_secret(desk.office)
    page = desk.go("carol", "/console/reading")
    page.fill("#serial", serial)
    page.select_option("#reader", "alice")
    page.click("#open-reading")
    assert "已登记阅读" in flash(page)
    row = page.locator("#reading-sessions tbody tr").first
    assert serial in row.inner_text() and "李核心" in row.inner_text()
    shoot(page, "reading-open")
    # a refusal names the rule and keeps what was typed
    page.fill("#serial", serial)
    page.select_option("#reader", "bob")
    page.click("#open-reading")
    assert "R3" in page.locator("#form-problem").inner_text()
    assert page.input_value("#serial") == serial
    page.goto(desk.office.base + "/console/reading")
    page.get_by_role("button", name="结束阅读").click()
    assert "阅读已结束" in flash(page)
    page.goto(desk.office.base + f"/console/carriers/{serial}")
    record = page.locator("#disclosures").inner_text()
    assert "阅读" in record and "李核心" in record and "签收" in record
    shoot(page, "carrier-disclosures")


def test_instructions_and_handling_of_a_top_secret_receipt(desk: Desk) -> None:
    serial = top_secret(desk.office)
    page = desk.go("oscar", "/console/handling")
    form = page.locator(f"form[action='/console/handling/{serial}/instruct']")
    form.locator("input[name=note]").fill("请政策研究室阅办")
    form.get_by_role("button", name="批办").click()
    assert "已批办" in flash(page)
    shoot(page, "handling-instructed")
    carol = desk.go("carol", "/console/handling")
    form = carol.locator(f"form[action='/console/handling/{serial}/done']")
    form.locator("input[name=note]").fill("已阅办并退回保存")
    form.get_by_role("button", name="办结").click()
    assert "已办结" in flash(carol)
    carol.goto(desk.office.base + "/console/handling?all=1")
    assert "已阅办并退回保存" in carol.locator("#handling-list").inner_text()


@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["desk", "tablet"])
def test_the_pages_fit_the_screen(desk: Desk, viewport: dict[str, int]) -> None:
    page: Any = desk.page("carol", viewport)
    for name, path in (("reading", "/console/reading"), ("handling", "/console/handling?all=1")):
        page.goto(desk.office.base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
        shoot(page, f"{viewport['width']}-{name}")
