"""The console end to end in a real browser (Debian's Chromium, headless) against a real
``tracker serve --simulate``: every role logs in through the form; a delivery is received
and its labels printed on the simulated printer and read back; carriers are searched and
acted on; a borrow is asked, approved and checked out and back by scanning at the desk;
carry-out, copy and destruction are refused by their rules and carried through, each
witness with their own login; a door crossing in the simulated office raises an alert
that appears on the dashboard without a reload; an inventory counts scans live; the
register's head is verified. A screenshot of every page is kept under
``test-artifacts/console/`` (at 1280×800, and at a tablet's size at the end).

The tests of this module share one server and one browser and run in order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI
from tests.console.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESK,
    TABLET,
    Served,
    login,
    serve,
    shoot,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TITLE_1 = "端到端测试：年度保密检查报告"
TITLE_2 = "端到端测试：会议纪要"
SAMPLE_TITLE = "示例：年度工作要点"  # JM-2026-000001, secret, scope: the policy department


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian package: chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it")
        pytest.skip(message)
    with serve(tmp_path_factory.mktemp("console")) as served:
        assert served.passwords.keys() >= {"carol", "oscar", "ann", "alice", "erin", "bob"}
        assert len(served.samples) == 4
        # the three administrators, made as an installer makes them
        served.add_login("sysadmin", "system_admin", "孙系统", "it")
        served.add_login("secadmin", "security_admin", "钟安全", "security")
        served.add_login("auditor", "security_auditor", "陶审计", "audit")
        yield served


@pytest.fixture(scope="module")
def chromium(office: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Desk:
    """A logged-in page per person, and every request any page made."""

    def __init__(self, office: Served, chromium: Any) -> None:
        self.office, self.chromium = office, chromium
        self.pages: dict[str, Any] = {}
        self.requests: list[str] = []

    def page(self, who: str, viewport: dict[str, int] = DESK) -> Any:
        key = f"{who}@{viewport['width']}"
        if key not in self.pages:
            context = self.chromium.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("request", lambda r: self.requests.append(r.url))
            login(page, self.office.base, who, self.office.passwords[who])
            self.pages[key] = page
        return self.pages[key]

    def go(self, who: str, path: str) -> Any:
        page = self.page(who)
        page.goto(self.office.base + path)
        return page


@pytest.fixture(scope="module")
def desk(office: Served, chromium: Any) -> Desk:
    return Desk(office, chromium)


def flash(page: Any) -> str:
    """The message the last action left."""
    return str(page.locator(".flash").first.inner_text())


def epc_of(office: Served, serial: str) -> str:
    """A carrier's EPC, read through the API as the custodian."""
    token = httpx.post(
        f"{office.base}/api/v1/auth/token",
        data={"username": "carol", "password": office.passwords["carol"]},
    ).json()["access_token"]
    c = httpx.get(
        f"{office.base}/api/v1/carriers/{serial}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return str(c["epc"])


# --- 1: log in, the menu by role, the language switch ---------------------------------------


def test_login_at_the_root_with_the_menu_of_each_role(desk: Desk, office: Served) -> None:
    page = desk.chromium.new_page(viewport=DESK, locale="zh-CN")
    page.goto(office.base + "/")
    assert page.get_by_label("用户名").is_visible() and page.get_by_label("密码").is_visible()
    assert page.evaluate("document.activeElement.id") == "username"  # focus on the first field
    shoot(page, "login")
    page.get_by_label("用户名").fill("carol")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_label("密码").press("Enter")  # Enter submits
    assert "用户名或密码错误" in page.locator("#login-error").inner_text()
    shoot(page, "login-refused")
    page.get_by_role("link", name="English").click()
    assert page.get_by_label("Username").is_visible() and page.get_by_label("Password").is_visible()
    assert page.get_by_role("button", name="Log in").is_visible()
    shoot(page, "login-en")
    page.get_by_role("link", name="中文").click()
    page.close()
    menus = {
        "carol": [
            "工作台",
            "借还台",
            "接收",
            "载体",
            "借阅",
            "告警",
            "外出携带",
            "复制",
            "销毁",
            "清查",
            "审计",
        ],
        "ann": ["工作台", "待审批", "载体", "借阅", "告警", "外出携带", "复制", "销毁"],
        "alice": ["工作台", "载体", "借阅", "告警", "外出携带", "复制", "销毁"],
        "sysadmin": ["工作台"],
        "secadmin": ["审计"],
        "auditor": ["审计"],
    }
    for who, items in menus.items():
        p = desk.page(who)
        assert p.locator("nav.menu a").all_inner_texts() == items, who
        shoot(p, f"home-{who}")
    assert "/console/" in desk.page("oscar").url
    # the keeper's charts: carriers by level and by state
    carol = desk.page("carol")
    charts = carol.locator("#dashboard svg.bars")
    assert charts.count() == 2
    assert "机密" in charts.nth(0).text_content() and "在柜" in charts.nth(1).text_content()
    # the English switch keeps the page and turns every word of the menu
    carol.get_by_role("link", name="English").click()
    assert carol.locator("nav.menu a").all_inner_texts()[:3] == ["Dashboard", "Desk", "Receive"]
    assert carol.get_by_role("heading", name="Dashboard").is_visible()
    assert carol.get_by_role("button", name="Log out").is_visible()
    shoot(carol, "dashboard-en")
    carol.get_by_role("link", name="中文").click()
    assert carol.locator("nav.menu a").first.inner_text() == "工作台"
    assert desk.page("auditor").url.endswith("/console/audit")  # where the auditor lands
    # the system administrator's dashboard: the doors and readers, online and last heard
    devices = desk.page("sysadmin").locator("#dash-devices")
    assert devices.locator("[data-device=door-secure-in]").inner_text().count("在线") == 1


# --- 3: receive, labels printed on the simulated printer and read back -----------------------


def test_receive_a_delivery_with_errors_beside_fields_then_print_and_read_back(
    desk: Desk,
) -> None:
    page = desk.go("carol", "/console/receive")
    assert page.evaluate("document.activeElement.id") == "received_from"
    page.fill("#received_from", "某部机要局")
    page.fill("#items-0-title", TITLE_1)
    page.select_option("#items-0-level", "secret")
    page.fill("#items-0-period", "99y")
    page.locator(".item").first.locator(".period-error").filter(has_text="不能为99年").wait_for()
    page.fill("#items-0-period", "10y")
    page.locator(".item").first.locator(".marking-preview").filter(has_text="机密★10年").wait_for()
    page.fill("#items-0-issuing_authority", "某部办公厅")
    page.select_option("#items-0-home_room", "secure")
    page.select_option("#items-0-home_safe", "safe-s1")
    page.select_option("#items-0-scope_departments", ["policy"])
    page.click("#add-item")
    assert page.locator(".item").count() == 2
    assert page.input_value("#items-1-home_room") == "secure"  # the particulars carry over
    page.fill("#items-1-title", TITLE_2)
    page.select_option("#items-1-level", "confidential")
    page.fill("#items-1-period", "5y")
    page.locator(".item").nth(1).locator(".marking-preview").filter(has_text="秘密★5年").wait_for()
    page.select_option("#items-1-home_safe", "safe-a")  # a safe in another room
    assert page.input_value("#declared_count") == "2"
    shoot(page, "receive-form")
    page.press("#items-1-title", "Enter")
    page.wait_for_load_state()
    error = page.locator("#items-1-home_safe-error").inner_text()
    assert "不是机要室内的保险柜" in error
    assert page.input_value("#items-0-title") == TITLE_1  # nothing typed is lost
    shoot(page, "receive-errors")
    page.select_option("#items-1-home_safe", "safe-s2")
    page.get_by_role("button", name="签收登记").click()
    page.wait_for_url(re.compile(r".*/console/receive/labels\?.*"))
    assert "已签收登记 2 件" in flash(page)
    cards = page.locator("section[data-serial]")
    assert cards.count() == 2
    for img in page.locator("img.label-preview").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 100")
    shoot(page, "receive-labels")
    page.click("#print-all")
    page.wait_for_load_state()
    assert "已打印并读回确认 2 张标签" in flash(page), flash(page)
    for card in cards.all():
        serial = card.get_attribute("data-serial")
        assert card.locator(".readback .barcode").inner_text() == serial
        assert re.fullmatch(r"[0-9A-F]{24}", card.locator(".readback .epc").inner_text())
    shoot(page, "receive-printed")
    # a reprint from the carrier's own card is marked as one in the register
    cards.first.get_by_role("button", name="补打").click()
    page.wait_for_load_state()
    assert "标签已打印并读回确认" in flash(page)


# --- 4: carriers: search, the carrier page and its actions -----------------------------------


def _serial_of(page: Any, title: str) -> str:
    page.goto(page.url.split("/console/")[0] + "/console/carriers?q=" + title)
    row = page.locator("#carrier-list tbody tr")
    assert row.count() == 1
    return str(row.first.locator("a").inner_text())


def test_search_and_the_carrier_page_with_its_actions(desk: Desk) -> None:
    page = desk.page("carol")
    serial = _serial_of(page, "年度保密检查")
    shoot(page, "carriers-search")
    page.goto(desk.office.base + "/console/carriers?level=secret&state=registered")
    assert serial in page.locator("#carrier-list").inner_text()
    page.goto(desk.office.base + f"/console/carriers/{serial}")
    assert page.locator("h1 .marking").inner_text() == "机密★10年"
    history = page.locator("#history").inner_text()
    assert "签收登记" in history and "打印标签" in history and "补打标签" in history
    assert "已打印并读回确认" in page.locator("#label-state").inner_text()
    shoot(page, "carrier")
    page.get_by_role("button", name="入柜").click()
    assert "已入柜" in flash(page)
    assert page.locator("h1 .state").inner_text() == "在柜"
    # a refused action says which rule, beside what was typed
    page.select_option("form[action$='/transfer'] select[name=room]", "office-b")
    page.select_option("form[action$='/transfer'] select[name=safe]", "")
    page.fill("form[action$='/transfer'] input[name=reason]", "调整存放")
    page.get_by_role("button", name="变更", exact=True).click()
    assert "R1" in page.locator(".flash.error").inner_text()
    assert page.input_value("form[action$='/transfer'] input[name=reason]") == "调整存放"
    shoot(page, "carrier-refused")
    # the header's scan box finds a carrier by its serial
    page.goto(desk.office.base + "/console/")
    page.fill("#quick-scan", serial)
    page.press("#quick-scan", "Enter")
    page.wait_for_url(re.compile(rf".*/console/carriers/{serial}$"))
    # on a page with no scan field of its own, a scanner's keystrokes go to the header's
    page.goto(desk.office.base + "/console/alerts")
    _scan(page, serial)
    page.wait_for_url(re.compile(rf".*/console/carriers/{serial}$"))


def _local_now(hours: float = 0) -> str:
    """A ``datetime-local`` value in the site's zone (Asia/Shanghai), ``hours`` from now."""
    return (datetime.now(UTC) + timedelta(hours=8 + hours)).strftime("%Y-%m-%dT%H:%M")


def test_the_actions_on_a_carrier_page_by_role(desk: Desk) -> None:
    """Widen the scope, reclassify and declassify (the officer, who also approves); report
    it lost and record it found (the custodian); each with what the page then shows."""
    oscar = desk.page("oscar")
    serial = _serial_of(oscar, TITLE_2)
    page = desk.go("oscar", f"/console/carriers/{serial}")
    page.select_option("form[action$='/scope'] select[name=people]", ["ann"])
    page.fill("form[action$='/scope'] input[name=reason]", "领导审阅")
    page.get_by_role("button", name="批准扩大").click()
    assert "知悉范围已扩大" in flash(page)
    assert "钱领导" in page.locator("#history").inner_text()
    ann = desk.go("ann", f"/console/carriers/{serial}")
    assert TITLE_2 in ann.locator("main").inner_text()  # ann may know it now
    page.select_option("form[action$='/reclassify'] select[name=level]", "secret")
    page.fill("form[action$='/reclassify'] input[name=period]", "99y")
    page.fill("form[action$='/reclassify'] input[name=reason]", "内容涉及更高密级")
    page.get_by_role("button", name="变更密级").click()
    problem = page.locator("form[action$='/reclassify'] [id=period-error]").inner_text()
    assert "不能为99年" in problem, problem  # beside the field
    assert page.input_value("form[action$='/reclassify'] input[name=reason]") == "内容涉及更高密级"
    page.fill("form[action$='/reclassify'] input[name=period]", "10y")
    page.get_by_role("button", name="变更密级").click()
    assert "密级已变更" in flash(page)
    assert page.locator("h1 .marking").inner_text() == "机密★10年"
    shoot(page, "carrier-reclassified")
    carol = desk.go("carol", f"/console/carriers/{serial}")
    carol.on("dialog", lambda d: d.accept())
    carol.select_option("form[action$='/loss'] select[name=kind]", "loss")
    carol.fill("form[action$='/loss'] input[name=discovered_at]", _local_now(-1))
    carol.fill("form[action$='/loss'] input[name=description]", "清点时未找到")
    carol.get_by_role("button", name="立即报告").click()
    assert "已报告" in flash(carol)
    assert carol.locator("h1 .state").inner_text() == "下落不明"
    carol.fill("form[action$='/found'] input[name=note]", "夹在其他文件中")
    carol.get_by_role("button", name="登记找回").click()
    assert "已登记找回" in flash(carol)
    assert carol.locator("h1 .state").inner_text() != "下落不明"
    page = desk.go("oscar", f"/console/carriers/{serial}")
    page.on("dialog", lambda d: d.accept())
    page.fill("form[action$='/declassify'] input[name=reason]", "已公开发布")
    page.get_by_role("button", name="解密", exact=True).click()
    assert "已解密" in flash(page)
    assert page.locator("h1 .state").inner_text() == "已解密"
    history = page.locator("#history").inner_text()
    for what in ("扩大知悉范围", "密级变更", "报告丢失", "找回", "解密"):
        assert what in history, what
    shoot(page, "carrier-declassified")


# --- 5: borrowing: ask, approve, check out and take back by scanning --------------------------


def _scan(page: Any, code: str) -> None:
    """A USB scanner: keystrokes typed while no field has focus, then Enter."""
    page.locator("h1").click()
    assert page.evaluate(
        "document.activeElement === document.body || !document.activeElement.matches('input,textarea,select')"
    )
    page.keyboard.type(code, delay=15)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_borrow_asked_approved_and_handed_out_and_back_at_the_desk(desk: Desk) -> None:
    office = desk.office
    serial = office.samples[0]  # secret, scope policy
    alice = desk.go("alice", f"/console/borrows?serial={serial}")
    assert alice.input_value("#serial") == serial
    alice.select_option("#destination", "reading")
    alice.fill("#purpose", "起草年度总结")
    shoot(alice, "borrows-staff")
    alice.get_by_role("button", name="提交申请").click()
    assert "已提交借阅申请" in flash(alice)
    assert "待审批" in alice.locator("#borrow-list").inner_text()
    ann = desk.go("ann", "/console/inbox")
    item = ann.locator("#borrows [data-request]").filter(has_text=serial)
    assert item.count() == 1
    assert SAMPLE_TITLE not in ann.content()  # ann is not in the carrier's scope
    shoot(ann, "inbox")
    item.get_by_role("button", name="批准", exact=True).click()
    assert "已批准" in flash(ann)
    carol = desk.go("carol", "/console/desk")
    shoot(carol, "desk")
    _scan(carol, serial)
    card = carol.locator("#desk-card")
    assert serial in card.inner_text() and "已批准借给" in card.inner_text()
    assert "请借阅人刷卡确认" in card.inner_text()
    # alice's card on the desk's badge reader (a keyboard-type reader: the decimal number)
    _scan(carol, "0000474795")
    assert "李核心" in carol.locator("#desk-who").inner_text()
    assert "借阅人本人已刷卡" in card.inner_text()
    shoot(carol, "desk-found")
    card.get_by_role("button", name="借出").click()
    assert "已借出" in flash(carol)
    assert serial in carol.locator("#desk-out").inner_text()
    # the dashboard shows who holds what
    desk.go("carol", "/console/")
    assert serial in carol.locator("#dash-held").inner_text()
    desk.go("carol", "/console/desk")
    _scan(carol, epc_of(office, serial))  # the tag's EPC finds it too
    carol.locator("#do-return").click()
    assert "已归还入柜" in flash(carol)
    desk.go("carol", "/console/overdue")
    shoot(carol, "overdue")
    # a request the approver turns down, saying why; the staff member sees why
    alice = desk.go("alice", f"/console/borrows?serial={office.samples[3]}")
    alice.select_option("#destination", "reading")
    alice.fill("#purpose", "查阅")
    alice.press("#purpose", "Enter")  # Enter submits
    assert "已提交借阅申请" in flash(alice)
    ann = desk.go("ann", "/console/inbox")
    item = ann.locator("#borrows [data-request]").filter(has_text=office.samples[3])
    item.locator("input[name=note]").nth(1).fill("请到阅文室直接查阅")
    item.get_by_role("button", name="不批准").click()
    assert "已不批准" in flash(ann)
    alice = desk.go("alice", "/console/borrows")
    row = alice.locator("#borrow-list tr").filter(has_text=office.samples[3])
    assert "未批准" in row.inner_text() and "请到阅文室直接查阅" in row.inner_text()
    desk.go("alice", "/console/")
    shoot(desk.page("alice"), "dashboard-staff")


def _y4m(picture: bytes, path: Path) -> None:
    """A short Y4M video of a label held up to a camera (what Chromium's fake camera
    plays): the label in the middle of a 640×480 grey frame."""
    import cv2
    import numpy as np

    label = cv2.imdecode(np.frombuffer(picture, np.uint8), cv2.IMREAD_COLOR)
    scale = min(560 / label.shape[1], 400 / label.shape[0], 1.0)
    label = cv2.resize(label, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 200, np.uint8)
    y, x = (480 - label.shape[0]) // 2, (640 - label.shape[1]) // 2
    frame[y : y + label.shape[0], x : x + label.shape[1]] = label
    yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + (b"FRAME\n" + yuv) * 20)


def test_the_desk_camera_reads_a_label_and_opens_its_carrier(desk: Desk, tmp_path: Path) -> None:
    office = desk.office
    serial = office.samples[3]
    carol = desk.page("carol")
    picture = carol.request.get(f"{office.base}/console/carriers/{serial}/label.png").body()
    video = tmp_path / "label.y4m"
    _y4m(picture, video)
    camera = desk.chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(viewport=DESK, locale="zh-CN")
        context.grant_permissions(["camera"], origin=office.base)
        page = context.new_page()
        page.set_default_timeout(20_000)
        login(page, office.base, "carol", office.passwords["carol"])
        page.goto(office.base + "/console/desk")
        page.click("#desk-camera")
        page.locator("#desk-video").wait_for(state="visible")
        shoot(page, "desk-camera")
        page.wait_for_url(re.compile(rf".*/console/desk\?code={serial}.*"), timeout=30_000)
        assert serial in page.locator("#desk-card").inner_text()
        shoot(page, "desk-camera-found")
    finally:
        camera.close()


# --- 6: carry-out, copy and destruction: the rule behind a refusal, two witnesses ------------


def test_carry_out_copy_and_destruction_with_their_rules(desk: Desk) -> None:
    office = desk.office
    top_secret = office.samples[1]
    secret = office.samples[0]
    alice = desk.go("alice", f"/console/carry-outs?serial={top_secret}")
    alice.select_option("#escorts", ["erin"])  # one escort, and not cleared for top secret
    alice.fill("#destination", "上级机关")
    alice.fill("#valid_from", "2030-01-02T09:00")
    alice.fill("#valid_until", "2030-01-02T17:00")
    alice.fill("#reason", "汇报")
    alice.get_by_role("button", name="提交申请").click()
    problem = alice.locator("#form-problem").inner_text()
    assert problem.startswith("R6") and "护送" in problem
    assert alice.input_value("#destination") == "上级机关"
    shoot(alice, "carry-out-refused")
    # a confidential carrier: asked, approved, and back from the trip
    confidential = office.samples[2]
    alice = desk.go("alice", f"/console/carry-outs?serial={confidential}")
    alice.fill("#destination", "上级机关")
    alice.fill("#valid_from", _local_now())
    alice.fill("#valid_until", _local_now(4))
    alice.fill("#reason", "送审")
    alice.get_by_role("button", name="提交申请").click()
    assert "已提交外出携带申请" in flash(alice)
    ann = desk.go("ann", "/console/inbox")
    ann.locator("#carry-outs [data-request]").filter(has_text=confidential).get_by_role(
        "button", name="批准", exact=True
    ).click()
    assert "已批准" in flash(ann)
    carol = desk.go("carol", "/console/carry-outs")
    trip = carol.locator("#carry-out-list tr").filter(has_text=confidential)
    assert "已批准" in trip.inner_text() and "钱领导" in trip.inner_text()
    trip.get_by_role("button", name="已带回，归还入柜").click()
    assert "已归还入柜" in flash(carol)
    assert "已完成" in trip.inner_text()
    alice = desk.go("alice", f"/console/copies?serial={top_secret}")
    alice.fill("#reason", "分送")
    alice.get_by_role("button", name="提交申请").click()
    assert alice.locator("#form-problem").inner_text() == "R8：绝密级载体不得复制"
    shoot(alice, "copy-refused")
    alice.fill("#serial", secret)
    alice.get_by_role("button", name="提交申请").click()
    assert "已提交复制申请" in flash(alice)
    ann = desk.go("ann", "/console/inbox")
    ann.locator("#copies [data-request]").filter(has_text=secret).get_by_role(
        "button", name="批准", exact=True
    ).click()
    assert "已批准" in flash(ann)
    carol = desk.go("carol", "/console/copies")
    shoot(carol, "copies")
    carol.get_by_role("button", name="登记复制件").first.click()
    carol.wait_for_url(re.compile(r".*/console/receive/labels\?.*"))
    copy = carol.locator("section[data-serial]").first.get_attribute("data-serial")
    assert copy and copy != secret
    # destruction of the copy: registered, approved, witnessed by two others, executed
    carol = desk.go("carol", f"/console/destructions?serial={copy}")
    carol.select_option("#place", "secure")
    carol.fill("#reason", "多余复制件")
    carol.get_by_role("button", name="登记").click()
    assert "已登记销毁" in flash(carol)
    ann = desk.go("ann", "/console/inbox")
    ann.locator("#destructions [data-request]").filter(has_text=copy).get_by_role(
        "button", name="批准", exact=True
    ).click()
    row = f"#destruction-list tr:has-text('{copy}')"
    carol = desk.go("carol", "/console/destructions")
    carol.locator(row).get_by_role("button", name="签署监销").click()
    assert flash(carol).startswith("R10")  # the requester may not witness
    for witness in ("oscar", "alice"):
        page = desk.go(witness, "/console/destructions")
        page.locator(row).get_by_role("button", name="签署监销").click()
        assert "已签署监销" in flash(page)
    carol = desk.go("carol", "/console/destructions")
    assert (
        "赵保密" in carol.locator(row).inner_text() and "李核心" in carol.locator(row).inner_text()
    )
    carol.on("dialog", lambda d: d.accept())
    carol.locator(row).get_by_role("button", name="执行销毁").click()
    assert "已销毁" in flash(carol)
    assert "已完成" in carol.locator(row).inner_text()
    shoot(carol, "destructions")
    desk.go("carol", "/console/carry-outs")
    shoot(carol, "carry-outs")


# --- 7: a door crossing raises an alert that appears on the dashboard live -------------------


def test_a_door_crossing_alert_appears_on_the_dashboard_without_a_reload(desk: Desk) -> None:
    office = desk.office
    top_secret = office.samples[1]
    epc = epc_of(office, top_secret)
    watcher = desk.go("oscar", "/console/alerts")  # the alert list, open meanwhile
    watcher.locator("#live-state.on").wait_for()
    page = desk.go("carol", "/console/")
    page.locator("#live-state.on").wait_for()
    page.evaluate("window.__sameDocument = 'yes'")
    before = page.evaluate("window.consoleCues || 0")
    office.sim(cmd="take", safe="safe-s1", tag=epc)
    office.sim(cmd="carry", door="door-secure", direction="out", tags=[epc], badges=["0100073EAB"])
    page.locator("#dash-alerts").filter(has_text=top_secret).wait_for(timeout=30_000)
    assert page.evaluate("window.__sameDocument") == "yes"  # no reload happened
    assert page.evaluate("window.consoleCues || 0") > before  # the critical alert's sound cue
    assert top_secret in page.locator("#toasts").inner_text()
    assert top_secret in page.locator("#dash-movements").inner_text()
    shoot(page, "dashboard-live-alert")
    watcher.locator("#alert-list").filter(has_text=top_secret).wait_for(timeout=30_000)
    assert watcher.locator("#alert-list tr.new").count() >= 1  # new rows are marked
    shoot(watcher, "alerts-live")
    page.locator("#dash-alerts a").first.click()
    page.wait_for_url(re.compile(r".*/console/alerts/[0-9a-f]+$"))
    body = page.locator("main").inner_text()
    assert "R2" in body and top_secret in body and "李核心" in body and "机要室门" in body
    page.fill("form[action$='/acknowledge'] input[name=note]", "正在核实")
    page.get_by_role("button", name="确认收到，正在处理").click()
    assert "已确认" in flash(page)
    page.get_by_role("button", name="处理完毕").click()  # no note: refused, said beside it
    assert "须填写处理情况" in page.locator("#form-problem").inner_text()
    page.fill("form[action$='/resolve'] input[name=note]", "经核实为演练，已放回")
    page.get_by_role("button", name="处理完毕").click()
    assert "已处理完毕" in flash(page)
    shoot(page, "alert")
    page.goto(office.base + "/console/alerts?state=")
    assert top_secret in page.locator("#alert-list").inner_text()
    shoot(page, "alerts")
    # back into the secure room and its safe, for the inventory
    office.sim(cmd="carry", door="door-secure", direction="in", tags=[epc], badges=["0100073EAB"])


# --- 8: an inventory: scans from the desk and from the safe's reader, live counts -------------


def test_an_inventory_counts_live_and_closes_with_the_report(desk: Desk) -> None:
    office = desk.office
    top_secret, secret = office.samples[1], office.samples[0]
    page = desk.go("carol", "/console/inventories")
    page.select_option("#places", ["safe-s1"])
    page.click("#start-inventory")
    page.wait_for_url(re.compile(r".*/console/inventories/[0-9a-f]+$"))
    expected = int(page.locator("#n-expected").inner_text())
    assert expected >= 2
    _scan(page, secret)  # the desk scanner
    assert page.locator("#n-found").inner_text() == "1"
    page.locator("#live-state.on").wait_for()
    page.evaluate("window.__sameDocument = 'yes'")
    office.sim(cmd="put", safe="safe-s1", tag=epc_of(office, top_secret))  # the safe's reader
    page.locator("#list-found").filter(has_text=top_secret).wait_for(timeout=30_000)
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.locator("#n-found").inner_text() == "2"
    shoot(page, "inventory")
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="结束清查并出具报告").click()
    report = page.locator("#inventory-report").inner_text()
    assert f"应有 {expected}" in report and "清点到 2" in report
    shoot(page, "inventory-report")
    desk.go("carol", "/console/inventories")
    shoot(page, "inventories")


# --- 9: audit: the head, large, and verification ------------------------------------------------


def test_the_register_head_and_its_verification(desk: Desk) -> None:
    page = desk.go("oscar", "/console/audit")
    count = int(page.locator("#head-count").inner_text())
    assert count > 20
    assert re.fullmatch(r"([0-9a-f]{8} ){8}", page.locator("#head-hash").inner_text() + " ")
    for figure in ("#head-count", "#head-hash"):  # large enough to copy onto paper
        size = page.locator(figure).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 24, (figure, size)
    hash_text = page.locator("#head-hash").inner_text().replace(" ", "")
    page.fill("#expect_count", str(count))
    page.fill("#expect_hash", hash_text)
    page.click("#do-verify")
    assert "完整" in page.locator("#verify-result").inner_text()
    assert "赵保密" in page.locator("#live-sessions").inner_text()  # who is logged in
    assert page.locator("#admin-log").count() == 0  # the administration log is the auditor's
    shoot(page, "audit")
    # the auditor: the administration log's head, large, its verification and its entries
    auditor = desk.go("auditor", "/console/audit")
    assert int(auditor.locator("#admin-head-count").inner_text()) > 5
    big = auditor.locator("#admin-head-hash").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert big >= 24  # large enough to copy onto paper
    auditor.click("#do-verify-admin-log")
    assert "完整" in auditor.locator("#admin-verify-result").inner_text()
    log = auditor.locator("#admin-log").inner_text()
    assert "王机要（carol）" in log and "登录" in log and "开设账号" in log
    assert auditor.locator("#head-count").count() == 0
    shoot(auditor, "audit-auditor")
    secadmin = desk.go("secadmin", "/console/audit")
    assert "王机要（carol）" in secadmin.locator("#admin-log").inner_text()
    assert "赵保密" in secadmin.locator("#live-sessions").inner_text()
    shoot(secadmin, "audit-security-admin")


# --- need-to-know, CSRF, offline ------------------------------------------------------------------


def test_staff_outside_the_scope_see_no_title_in_the_browser(desk: Desk) -> None:
    office = desk.office
    bob = desk.page("bob")  # finance: outside the samples' scope (policy)
    for path in (
        "/console/",
        "/console/carriers",
        f"/console/carriers/{office.samples[0]}",
        "/console/borrows",
        "/console/alerts?state=",
        "/console/copies",
        "/console/carry-outs",
        "/console/destructions",
    ):
        bob.goto(office.base + path)
        text = bob.locator("body").inner_text()
        for title in (SAMPLE_TITLE, TITLE_1, TITLE_2, "示例：项目论证报告"):
            assert title not in text, (path, title)
    bob.goto(office.base + f"/console/carriers/{office.samples[0]}")
    assert "不在该载体的知悉范围内" in bob.locator("#restricted-note").inner_text()
    shoot(bob, "carrier-restricted")


def test_a_post_without_its_token_is_refused_in_the_browser(desk: Desk) -> None:
    page = desk.go("carol", f"/console/carriers/{desk.office.samples[2]}")
    status = page.evaluate(
        """async (serial) => {
            const body = new URLSearchParams({ safe: "safe-a" });
            const r = await fetch(`/console/carriers/${serial}/store`, { method: "POST", body });
            return [r.status, await r.text()];
        }""",
        desk.office.samples[2],
    )
    assert status[0] == 403 and "安全令牌" in status[1]


def test_every_page_at_a_desk_and_on_a_tablet_and_nothing_fetched_from_outside(
    desk: Desk,
) -> None:
    office = desk.office
    pages = {
        "dashboard": "/console/",
        "desk": "/console/desk",
        "receive": "/console/receive",
        "carriers": "/console/carriers",
        "carrier": f"/console/carriers/{office.samples[0]}",
        "borrows": "/console/borrows",
        "alerts": "/console/alerts?state=",
        "carry-outs": "/console/carry-outs",
        "copies": "/console/copies",
        "destructions": "/console/destructions",
        "inventories": "/console/inventories",
        "audit": "/console/audit",
        "not-found": "/console/nothing-here",
    }
    for size, viewport in (("desk", DESK), ("tablet", TABLET)):
        page = desk.page("carol", viewport)
        for name, path in pages.items():
            page.goto(office.base + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (size, name, overflow)  # nothing wider than the screen
            shoot(page, f"{size}-{name}")
    ann = desk.page("ann", TABLET)
    ann.goto(office.base + "/console/inbox")
    shoot(ann, "tablet-inbox")
    outside = [
        u for u in desk.requests if not u.startswith(office.base) and not u.startswith("data:")
    ]
    assert outside == [], f"pages fetched from outside the service: {outside}"
    assert all(
        Path(p).stat().st_size > 5_000 for p in Path(shoot.__globals__["ARTIFACTS"]).glob("*.png")
    )
