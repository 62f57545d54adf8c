"""The meeting (R17) and seal (R19) pages in a real browser (Debian's Chromium) on a real
``tracker serve --simulate``: the custodian registers a meeting with the form, names the
attendees, scans a material out to one and back, ends the meeting; the seals page shows
the holidays ahead and seals a safe. Screenshots under ``test-artifacts/console/``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.console.harness import shoot
from tests.console.test_console_browser import Desk, chromium, desk, flash, office

__all__ = ["chromium", "desk", "office"]  # that module's fixtures, for this one

SH = ZoneInfo("Asia/Shanghai")


def _local(at: datetime) -> str:
    return at.astimezone(SH).strftime("%Y-%m-%dT%H:%M")


def test_a_meeting_at_the_desk_in_the_browser(desk: Desk) -> None:
    secret = desk.office.samples[0]  # a secret sample in the policy department's scope
    now = datetime.now(SH)
    page = desk.go("carol", "/console/meetings")
    page.fill("#name", "第四季度保密工作会")
    page.select_option("#room", "reading")
    page.select_option("#level", "secret")
    page.fill("#starts_at", _local(now - timedelta(minutes=30)))
    page.fill("#ends_at", _local(now + timedelta(hours=2)))
    page.click("#create-meeting")
    page.wait_for_url(re.compile(r".*/console/meetings/[0-9a-f]+$"))
    assert flash(page) == "会议已登记"
    page.fill("#people", "alice erin")
    page.click("#add-attendees button")
    assert flash(page) == "已登记与会人员"
    page.fill("#codes", secret)
    page.click("#add-materials button")
    assert flash(page) == "已登记会议材料"
    page.fill("#code", secret)  # the desk scanner reads the label, then the badge
    page.fill("#attendee", "0100073EAB")
    page.press("#attendee", "Enter")
    page.wait_for_load_state()
    assert flash(page) == f"已分发 {secret}"
    assert "未收回" in page.locator("#handouts").inner_text()
    shoot(page, "meeting")
    page.fill("#collect-code", secret)
    page.press("#collect-code", "Enter")
    page.wait_for_load_state()
    assert flash(page) == f"已收回 {secret}"
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="结束会议").click()
    page.locator("#sweep").wait_for()
    assert flash(page) == "会议已结束"
    shoot(page, "meeting-ended")
    alice = desk.go("alice", "/console/meetings")
    assert "第四季度保密工作会" in alice.locator("#meeting-list").inner_text()
    assert alice.locator("#meeting-form").count() == 0


def test_the_seals_page_seals_a_safe_by_hand(desk: Desk) -> None:
    page = desk.go("oscar", "/console/seals")
    assert "2027-01-01 – 2027-01-03" in page.locator("#holidays").inner_text()
    page.select_option("#safe", "safe-s2")
    page.fill("#reason", "机要室装修期间封存")
    page.click("#seal-safe")
    page.wait_for_url(re.compile(r".*/console/seals/[0-9a-f]+$"))
    assert flash(page) == "保险柜已封存"
    shoot(page, "seal")
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="启封并核对").click()
    page.wait_for_load_state()
    assert flash(page) == "已启封并核对"
    desk.go("oscar", "/console/seals")
    shoot(page, "seals")
