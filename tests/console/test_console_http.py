"""The console over HTTP (no browser): the role table and the menu, the session cookie,
CSRF on every form, the idle timeout on the service clock, login throttling, bad input
answered with a clear page, and need-to-know on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from api import console
from api.auth import Role
from api.console import i18n, menu
from tests.console.conftest import Browser
from tests.db import only_sqlite
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import BorrowState, LossKind
from tracker.services import accounts, borrowing, loss, people
from tracker.services.base import Services

pytestmark = only_sqlite  # the HTTP layer is the same on both databases

PUBLIC = {
    ("GET", "/"),
    ("POST", "/login"),
    ("GET", "/console/static/{name}"),
    ("GET", "/console/lang"),
    ("GET", "/console/font/cjk.ttf"),
}
WHO = {
    Role.CUSTODIAN: "carol",
    Role.OFFICER: "oscar",
    Role.APPROVER: "ann",
    Role.STAFF: "bob",
    Role.SYSTEM_ADMIN: "sysadmin",
    Role.SECURITY_ADMIN: "secadmin",
    Role.SECURITY_AUDITOR: "auditor",
}


def test_every_console_route_declares_who_may_open_it(app: FastAPI) -> None:
    routes = {(m, r.path) for r in console.router.routes for m in getattr(r, "methods", ()) or ()}
    assert routes == set(console.rules), "a console route without a rule"
    public = {k for k, rule in console.rules.items() if rule.roles is None}
    assert public == PUBLIC
    for key, rule in console.rules.items():
        if rule.roles is not None and rule.section is not None:
            assert rule.roles == menu.roles_opening(rule.section), key
        if rule.roles is not None:
            assert Role.DEVICE not in rule.roles, key


@pytest.mark.parametrize("role", list(WHO))
def test_the_menu_is_what_the_role_may_open_and_nothing_else_opens(
    role: Role, browser: Any
) -> None:
    b = browser(WHO[role])
    page = b.get("/console/")
    if page.status_code == 303:  # the auditor and the security administrator
        page = b.follow(page)
    assert page.status_code == 200
    nav = re.search(r'<nav class="menu".*?</nav>', page.text, re.S)
    assert nav is not None
    links = re.findall(r'href="([^"]+)"', nav.group(0))
    assert links == [s.path for s in menu.menu(role)]
    for s in menu.SECTIONS:
        r = b.get(s.path)
        if s.key in menu.OPENS[role]:
            assert r.status_code == 200, (role, s.path, r.text[:300])
        elif s.key == "dashboard":  # a role without one lands on its first entry
            assert r.status_code == 303 and r.headers["location"] == links[0], role
        else:
            assert r.status_code == 403, (role, s.path)
            assert "无权打开此页面" in r.text


def test_pages_need_a_login_and_come_back_after_it(browser: Any) -> None:
    b = browser()
    r = b.get("/console/carriers?q=x")
    assert r.status_code == 303
    assert r.headers["location"] == "/?next=%2Fconsole%2Fcarriers%3Fq%3Dx"
    login = b.get(r.headers["location"])
    assert "用户名" in login.text and "密码" in login.text and "登录" in login.text
    token = re.search(r'name="_csrf" value="([^"]+)"', login.text)
    assert token
    done = b.client.post(
        "/login",
        data={
            "username": "carol",
            "password": "pw-carol-correct-horse",
            "_csrf": token.group(1),
            "next": "/console/carriers?q=x",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/carriers?q=x"
    # an address outside the console is never a place to be sent after logging in
    evil = b.client.get("/?next=https://elsewhere.example/")
    assert evil.status_code == 303 and evil.headers["location"] == "/console/"


def test_the_session_cookie_is_httponly_strict_and_secure_under_tls(browser: Any) -> None:
    plain = browser().login("carol")
    cookie = next(c for c in plain.headers.get_list("set-cookie") if c.startswith("ct_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    tls = Browser(browser().client.app, base="https://testserver").login("carol")
    cookie = next(c for c in tls.headers.get_list("set-cookie") if c.startswith("ct_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    page = browser("carol").get("/console/")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def _delivery(title: str = "控制台测试文件") -> dict[str, str]:
    return {
        "received_from": "某部机要局",
        "declared_count": "1",
        "items[0].title": title,
        "items[0].medium": "paper",
        "items[0].level": "secret",
        "items[0].period": "10y",
        "items[0].classified_on": "2026-11-20",
        "items[0].issuing_authority": "某部办公厅",
        "items[0].home_room": "secure",
        "items[0].home_safe": "safe-s1",
        "items[0].scope_departments": "policy",
    }


def test_a_form_posted_without_its_csrf_token_is_refused(browser: Any, snapshot: Any) -> None:
    b = browser("carol")
    before = snapshot()
    for token in (None, "forged-token", b.token() + "x"):
        data = _delivery()
        if token is not None:
            data["_csrf"] = token
        r = b.client.post("/console/receive", data=data)
        assert r.status_code == 403, r.text[:300]
        assert "安全令牌" in r.text and "未作任何处理" in r.text
    # nor may a page script's request leave out the header
    r = b.client.post("/console/session/keepalive", headers={"Accept": "application/json"})
    assert r.status_code == 403
    # logging out needs the token too (a link elsewhere cannot log anyone out)
    assert b.client.post("/console/logout").status_code == 403
    assert b.get("/console/").status_code == 200
    assert snapshot() == before
    # and the same form with its token goes through
    ok = b.post("/console/receive", _delivery())
    assert ok.status_code == 303, ok.text[:500]


def test_the_login_form_needs_its_token_too(browser: Any) -> None:
    b = browser()
    r = b.client.post("/login", data={"username": "carol", "password": "pw-carol-correct-horse"})
    assert r.status_code == 403
    assert "ct_session" not in (r.headers.get("set-cookie") or "")


def test_idle_timeout_on_the_service_clock(browser: Any, clock: ManualClock, svc: Services) -> None:
    b = browser("carol")
    clock.advance(timedelta(minutes=10))
    assert b.get("/console/").status_code == 200  # activity: the idle clock starts again
    clock.advance(timedelta(minutes=10))
    assert b.get("/console/").status_code == 200
    left = b.get("/console/session", headers={"Accept": "application/json"}).json()
    assert 14 * 60 < left["left"] <= 15 * 60 and left["warn"] == 120
    # asking how long is left is not activity
    clock.advance(timedelta(minutes=14))
    left = b.get("/console/session", headers={"Accept": "application/json"}).json()
    assert left["left"] <= 60
    clock.advance(timedelta(minutes=1, seconds=1))
    r = b.get("/console/carriers")
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    assert "会话已超时" in b.get(r.headers["location"]).text
    with svc.read() as uow:
        (s,) = uow.console_sessions.find(username="carol")
    assert s.end_reason == "idle" and s.ended_at is not None
    # the ended session stays ended, even when the clock is wound back
    clock.set(clock.now() - timedelta(minutes=30))
    assert b.get("/console/").status_code == 303


def test_keepalive_counts_as_activity(browser: Any, clock: ManualClock) -> None:
    b = browser("carol")
    token = b.token()
    clock.advance(timedelta(minutes=14))
    r = b.client.post(
        "/console/session/keepalive",
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert r.status_code == 200 and r.json()["left"] == 15 * 60
    clock.advance(timedelta(minutes=14))
    assert b.get("/console/").status_code == 200


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(browser: Any) -> None:
    b = browser("carol")
    cookie = b.client.cookies.get("ct_session")
    copy = Browser(b.client.app)
    copy.client.cookies.set("ct_session", cookie)
    assert copy.get("/console/").status_code == 200
    r = b.post("/console/logout")
    assert r.status_code == 303 and r.headers["location"] == "/?bye=1"
    assert "您已安全退出" in b.get("/?bye=1").text
    assert copy.get("/console/").status_code == 303


def test_a_disabled_login_is_logged_out_at_once(browser: Any, svc: Services) -> None:
    b = browser("bob")
    assert b.get("/console/").status_code == 200
    accounts.set_user_active(svc, "cli:test", "bob", False)
    assert b.get("/console/").status_code == 303
    with svc.read() as uow:
        (s,) = uow.console_sessions.find(username="bob")
    assert s.end_reason == "revoked"


def test_login_is_throttled_as_the_api_is(browser: Any) -> None:
    b = browser()
    for _ in range(5):
        r = b.login("carol", "wrong-password-here")
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = b.login("carol")  # the right password, but the name is refused for a while
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert "ct_session" not in (r.headers.get("set-cookie") or "")


def test_bad_input_gets_a_clear_page_never_a_stack_trace(browser: Any) -> None:
    b = browser("carol")
    cases: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
        ("GET", "/console/carriers?level=nonsense", None, 422, "不是允许的取值"),
        ("GET", "/console/carriers?offset=abc", None, 422, "应为整数"),
        ("GET", "/console/carriers/JM-2099-999999", None, 404, "没有编号为"),
        ("GET", "/console/alerts/nope", None, 404, "没有告警"),
        ("GET", "/console/alerts?severity=loud", None, 422, "不是允许的取值"),
        ("GET", "/console/inventories/nope", None, 404, "没有该清查记录"),
        ("GET", "/console/no-such-page", None, 404, "没有这个页面"),
        ("GET", "/console/scan?code=NOTHING", None, 303, ""),
        ("POST", "/console/inbox/borrows/x/approve", {}, 403, "无权打开此页面"),
        ("POST", "/console/desk/check-out", {"borrow": "nope"}, 404, "没有该借阅记录"),
        ("POST", "/console/receive", {"declared_count": "x"}, 422, "应为整数"),
        ("POST", "/console/carriers/JM-2099-999999/store", {}, 404, "没有编号为"),
        ("POST", "/console/audit/verify", {"expect_hash": "zz"}, 403, "无权执行此操作"),
    ]
    for method, path, data, status, text in cases:
        r = b.get(path) if method == "GET" else b.post(path, data)
        assert r.status_code == status, (path, r.status_code, r.text[:400])
        assert "Traceback" not in r.text and "Internal Server Error" not in r.text
        if text:
            assert text in r.text, (path, r.text[:600])
    oscar = browser("oscar")
    r = oscar.post("/console/inbox/bogus/x/approve", {})
    assert r.status_code == 404 and "没有这种申请" in r.text
    r = oscar.post("/console/audit/verify", {"expect_hash": "zz", "expect_count": "many"})
    assert r.status_code == 422 and "64位十六进制" in r.text and "应为整数" in r.text
    # a body that is not a form at all
    r = b.client.post(
        "/console/receive",
        content=b"--x\r\nnot multipart",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code in (400, 403) and "Traceback" not in r.text


def test_each_receive_error_is_shown_beside_its_field(browser: Any, snapshot: Any) -> None:
    b = browser("carol")
    before = snapshot()
    bad = _delivery() | {
        "declared_count": "1",
        "items[0].period": "99y",
        "items[0].classified_on": "yesterday",
        "items[0].title": "",
        "received_from": "",
    }
    r = b.post("/console/receive", bad)
    assert r.status_code == 422
    html = r.text
    for field, text in (
        ("items-0-period", "不能为99年"),
        ("items-0-classified_on", "应为日期"),
        ("items-0-title", "必填"),
        ("received_from", "必填"),
    ):
        found = re.search(rf'id="{field}-error">([^<]*)<', html)
        assert found and text in found.group(1), (field, found and found.group(1))
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S), field
    # a rule of the service comes back beside its field too (a safe outside the room)
    wrong = _delivery() | {"items[0].home_safe": "safe-a"}
    r = b.post("/console/receive", wrong)
    assert r.status_code == 422
    found = re.search(r'id="items-0-home_safe-error">([^<]*)<', r.text)
    assert found and "不是机要室内的保险柜" in found.group(1)
    # and the declared count against what was counted (R15)
    r = b.post("/console/receive", _delivery() | {"declared_count": "2"})
    assert r.status_code == 409 and "R15" in r.text
    assert snapshot() == before


def test_a_staff_member_outside_the_scope_never_sees_the_title_on_any_page(
    browser: Any, svc: Services, app: FastAPI
) -> None:
    title = "绝不外露的载体名称甲乙丙"
    carol = browser("carol")
    r = carol.post("/console/receive", _delivery(title))
    assert r.status_code == 303
    serial = re.search(r"s=([A-Z0-9-]+)", r.headers["location"])
    assert serial
    s = serial.group(1)
    assert title in carol.get(f"/console/carriers/{s}").text
    # things happen to it: alice (policy, in scope) borrows it, it is reported lost
    b = borrowing.request_borrow(svc, "alice", s, "alice", "reading", "阅读")
    borrowing.approve_borrow(svc, "ann", b.id)
    loss.report_loss(svc, "alice", s, LossKind.LOSS, "找不到了", svc.now())
    with svc.read() as uow:
        (alert,) = uow.alerts.find(subject=s)
    bob = browser("bob")  # finance: outside the carrier's scope
    pages = [
        f"/console/carriers/{s}",
        f"/console/carriers?q={s}",
        "/console/carriers?q=绝不外露",
        "/console/carriers",
        f"/console/scan?code={s}",
        "/console/",
        "/console/part/dashboard",
        "/console/borrows",
        f"/console/borrows?serial={s}",
        "/console/alerts",
        "/console/part/alerts",
        f"/console/alerts/{alert.id}",
        "/console/carry-outs",
        f"/console/carry-outs?serial={s}",
        "/console/copies",
        "/console/destructions",
    ]
    for path in pages:
        r = bob.get(path)
        if r.status_code in (302, 303):
            r = bob.get(r.headers["location"])
        assert r.status_code in (200, 404), (path, r.status_code)
        assert title not in r.text, path
    page = bob.get(f"/console/carriers/{s}").text
    assert "不在该载体的知悉范围内" in page and s in page
    # a title search finds nothing for him, by the title or by how many it counts
    listed = bob.get("/console/carriers?q=绝不外露").text
    assert s not in listed
    # the approver, outside the scope as well, decides by serial and marking alone
    ann = browser("ann")
    for path in ("/console/inbox", f"/console/carriers/{s}", "/console/borrows"):
        assert title not in ann.get(path).text, path
    # while alice, inside the scope, sees it
    assert title in browser("alice").get(f"/console/carriers/{s}").text


def test_roles_are_checked_on_actions_not_only_hidden(browser: Any, svc: Services) -> None:
    from tests.services.conftest import receive_one

    c = receive_one(svc, Level.SECRET)
    loss.report_loss(svc, "alice", c.serial, LossKind.LOSS, "找不到了", svc.now())
    with svc.read() as uow:
        (alert,) = uow.alerts.find(subject=c.serial)
    alice = browser("alice")  # staff in the scope: may see and acknowledge, not resolve
    r = alice.post(f"/console/alerts/{alert.id}/resolve", {"note": "我处理了"})
    assert r.status_code == 403 and "无权执行此操作" in r.text
    r = alice.post(f"/console/alerts/{alert.id}/acknowledge", {"note": "在找"})
    assert r.status_code == 303
    r = alice.post(f"/console/carriers/{c.serial}/store", {})
    assert r.status_code == 403
    with svc.read() as uow:
        a = uow.alerts.get(alert.id)
        assert a is not None and a.state.value == "acknowledged"


def test_the_auditor_reads_and_verifies_the_administration_log(browser: Any, svc: Services) -> None:
    from tracker.services import adminlog

    browser("carol")  # a login: an entry in the administration log
    auditor = browser("auditor")
    page = auditor.get("/console/audit")
    assert page.status_code == 200
    count, last = adminlog.head(svc)
    assert re.search(rf'id="admin-head-count">{count}<', page.text)
    assert last[:8] in page.text
    assert 'id="head-count"' not in page.text  # the custody register is the keepers'
    log = re.search(r'<table id="admin-log">.*?</table>', page.text, re.S)
    assert log is not None and "王机要（carol）" in log.group(0) and "登录" in log.group(0)
    done = auditor.post("/console/audit/verify-admin-log", {})
    assert done.status_code == 200
    assert re.search(r'id="admin-verify-result">\s*<p class="ok-big">✔ 完整', done.text)
    # filtered by who and what
    only = auditor.get("/console/audit?actor=carol&action=login").text
    rows = re.findall(r'<tr><td class="num">.*?</tr>', only, re.S)
    assert rows and all("王机要（carol）" in r and "<td>登录</td>" in r for r in rows)
    bad = auditor.get("/console/audit?action=nonsense")
    assert bad.status_code == 422 and "不是允许的取值" in bad.text
    # the auditor changes nothing and verifies no custody register
    assert auditor.post("/console/audit/verify", {}).status_code == 403
    # keepers and the approver do not read the administration log
    for who in ("oscar", "carol"):
        assert 'id="admin-log"' not in browser(who).get("/console/audit").text
    assert browser("oscar").post("/console/audit/verify-admin-log", {}).status_code == 403


def test_the_security_administrator_sees_the_users_logins_and_who_is_logged_in(
    browser: Any,
) -> None:
    browser("sysadmin")
    browser("carol")
    secadmin = browser("secadmin")
    page = secadmin.get("/console/audit").text
    log = re.search(r'<table id="admin-log">.*?</table>', page, re.S)
    assert log is not None
    assert "王机要（carol）" in log.group(0)
    assert "孙系统" not in log.group(0)  # the administrators' own entries are the auditor's
    sessions = re.search(r'<table id="live-sessions">.*?</table>', page, re.S)
    assert sessions is not None and "王机要（carol）" in sessions.group(0)
    assert 'id="admin-head-count"' not in page and 'id="head-count"' not in page


def test_the_system_administrator_sees_doors_and_readers_and_no_carrier(
    browser: Any, svc: Services
) -> None:
    from tracker.services.movement import Observation, apply_batch

    c = receive_one(svc, Level.SECRET)
    loss.report_loss(svc, "alice", c.serial, LossKind.LOSS, "找不到了", svc.now())
    beat = Observation("hb-1", "heartbeat", svc.now(), reader="door-secure-in")
    gone = Observation("off-1", "reader", svc.now(), reader="door-exit-in", online=False)
    apply_batch(svc, "gw-test", [beat, gone])
    page = browser("sysadmin").get("/console/")
    assert page.status_code == 200
    devices = re.search(r'<table id="dash-devices">.*?</table>', page.text, re.S)
    assert devices is not None

    def device(dev: str) -> str:
        found = re.search(
            rf'<span class="device[^"]*" data-device="{dev}".*?</span></span>', page.text, re.S
        )
        assert found, dev
        return re.sub(r"<[^>]+>", "", found.group(0))

    heard = i18n.when(svc.now(), svc.site.calendar.tz, seconds=True)[11:]
    assert "在线" in device("door-secure-in") and heard in device("door-secure-in")
    assert "✖" in device("door-exit-in") and "离线" in device("door-exit-in")
    assert "从未上报" in device("safe-a-rfid")
    for absent in (c.serial, c.title, 'id="dash-alerts"', 'id="quick-scan"'):
        assert absent not in page.text, absent


def test_a_staff_dashboard_lists_only_the_alerts_they_may_see(browser: Any, svc: Services) -> None:
    """Newest alerts on a staff member's dashboard: only those about carriers in their
    knowledge scope (the carriers are read in one query, the decision is need-to-know's)."""
    policy = receive_one(svc, Level.SECRET)
    finance = receive_one(svc, Level.SECRET, scope_departments=("finance",))
    seen = {}
    for c in (policy, finance):
        loss.report_loss(svc, "carol", c.serial, LossKind.LOSS, "找不到了", svc.now())
        with svc.read() as uow:
            (alert,) = [a for a in uow.alerts.find() if a.subject == c.serial]
        seen[c.serial] = alert.id

    def alerts_of(who: str) -> str:
        page = browser(who).get("/console/")
        assert page.status_code == 200, page.text[:300]
        table = re.search(r'<table id="dash-alerts">.*?</table>', page.text, re.S)
        assert table is not None, who
        return table.group(0)

    alice, bob = alerts_of("alice"), alerts_of("bob")  # policy, finance
    assert seen[policy.serial] in alice and seen[finance.serial] not in alice
    assert seen[finance.serial] in bob and seen[policy.serial] not in bob
    assert policy.title not in bob


def test_the_desk_knows_the_borrower_by_the_badge_read_at_the_desk(
    browser: Any, svc: Services
) -> None:
    c = receive_one(svc, Level.SECRET)
    b = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅读")
    borrowing.approve_borrow(svc, "ann", b.id)
    carol = browser("carol")
    # the borrower badges first: what she may collect
    page = carol.get("/console/desk?code=0100073EAB")  # the badge's code, as stored
    assert page.status_code == 200
    who = re.search(r'<section class="panel" id="desk-who">.*?</section>', page.text, re.S)
    assert who is not None and "李核心（alice）" in who.group(0) and c.serial in who.group(0)
    # then the label: the card says the borrower is at the desk
    page = carol.get(f"/console/desk?code={c.serial}&who=alice")
    assert "借阅人本人已刷卡" in page.text and "data-confirm" not in page.text
    # a keyboard-type reader types the card number in decimal (the low 32 bits)
    page = carol.get(f"/console/desk?code=0000474796&carrier={c.serial}")  # bob's card
    assert "周重要（bob）" in page.text
    assert "刷卡人不是批准的借阅人" in page.text and "data-confirm" in page.text
    page = carol.get("/console/desk?code=0000000001")
    assert page.status_code == 404 and "没有编号、标签或门禁卡为 0000000001" in page.text
    # a revoked badge is said to be revoked
    people.revoke_badge(svc, "cli:test", "0100073EAC")
    page = carol.get(f"/console/desk?code=0100073EAC&carrier={c.serial}")
    assert "门禁卡 0100073EAC 已注销" in page.text and 'id="desk-who"' not in page.text


def test_the_desk_camera_finds_the_carrier_whose_label_it_sees(
    browser: Any, svc: Services, clock: ManualClock
) -> None:
    c = receive_one(svc, Level.SECRET)
    carol = browser("carol")
    label = carol.get(f"/console/carriers/{c.serial}/label.png").content
    token = carol.token()
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}

    def frame(data: bytes, **kw: Any) -> Any:
        files = {"frame": ("frame.png", data, "image/png")}
        return carol.client.post("/console/desk/frame", files=files, headers=headers, **kw)

    r = frame(label)
    assert r.status_code == 200 and r.json()["code"] == c.serial
    assert frame(b"\x89PNG not really").json()["code"] is None
    blank = carol.client.post("/console/desk/frame", headers=headers, data={"x": "1"})
    assert blank.status_code == 422 and "图像" in blank.json()["error"]
    files = {"frame": ("frame.png", label, "image/png")}
    refused = carol.client.post(
        "/console/desk/frame", files=files, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 403  # no CSRF token
    staff = browser("alice")
    h = {"X-CSRF-Token": staff.token(), "Accept": "application/json"}
    assert staff.client.post("/console/desk/frame", files=files, headers=h).status_code == 403
    # a camera left on is not activity: the session still times out
    clock.advance(timedelta(minutes=14))
    assert frame(label).status_code == 200
    clock.advance(timedelta(minutes=1, seconds=1))
    assert frame(label).status_code == 401


def test_an_inventory_counts_what_a_safes_camera_saw_put_in(browser: Any, svc: Services) -> None:
    from tracker.domain.model import MovementSource
    from tracker.services import receive
    from tracker.services.movement import Observation, apply_batch

    seen, unseen = receive_one(svc, Level.SECRET), receive_one(svc, Level.SECRET)
    receive.store_in_safe(svc, "carol", unseen.serial, "safe-s1")  # by hand: not observed
    camera = Observation(
        "cam-1",
        "safe",
        svc.now(),
        code=seen.serial,
        safe="safe-s1",
        present=True,
        source=MovementSource.CAMERA,
    )
    apply_batch(svc, "gw-test", [camera])
    carol = browser("carol")
    started = carol.post("/console/inventories", {"places": "safe-s1"})
    inv = carol.follow(started)
    url = str(inv.url)
    assert re.search(r'id="n-expected">2<', inv.text), inv.text[:2000]
    pulled = carol.post(url.replace("http://testserver", "") + "/readers", {})
    page = carol.follow(pulled).text
    found = re.search(r'<ul id="list-found">.*?</ul>', page, re.S)
    missing = re.search(r'<ul id="list-missing">.*?</ul>', page, re.S)
    assert found and seen.serial in found.group(0) and unseen.serial not in found.group(0)
    assert missing and unseen.serial in missing.group(0)


def test_a_fault_inside_the_service_is_a_plain_page(browser: Any, monkeypatch: Any) -> None:
    """A bug or a broken dependency (made here by replacing one service call, the only
    way to make such a fault) answers a page that says so, never a stack trace."""
    from tracker.services import dashboard

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the figures' query failed: secret detail")

    monkeypatch.setattr(dashboard, "figures", broken)
    r = browser("carol").get("/console/")
    assert r.status_code == 500
    assert "服务内部出错" in r.text and "secret detail" not in r.text
    assert "Traceback" not in r.text


def test_the_carrier_filters_by_holder_place_and_overdue(
    browser: Any, svc: Services, clock: ManualClock
) -> None:
    from tracker.services import receive

    out, kept = receive_one(svc, Level.SECRET), receive_one(svc, Level.SECRET)
    receive.store_in_safe(svc, "carol", kept.serial, "safe-s1")
    b = borrowing.request_borrow(svc, "alice", out.serial, "alice", "reading", "阅读")
    borrowing.approve_borrow(svc, "ann", b.id)
    borrowing.check_out(svc, "carol", b.id)
    carol = browser("carol")

    def listed(query: str) -> set[str]:
        page = carol.get("/console/carriers?" + query)
        assert page.status_code == 200, page.text[:300]
        return set(re.findall(r'href="/console/carriers/([A-Z0-9-]+)"', page.text))

    assert out.serial in listed("holder=alice") and kept.serial not in listed("holder=alice")
    assert kept.serial in listed("location=safe-s1") and out.serial not in listed(
        "location=safe-s1"
    )
    assert out.serial not in listed("overdue=1")
    clock.set(b.due_at + timedelta(hours=1))
    carol = browser("carol")  # days later: a new session
    assert listed("overdue=1") == {out.serial}


def test_a_refusal_names_no_field_identifier(browser: Any, svc: Services) -> None:
    c = receive_one(svc, Level.SECRET)
    r = browser("oscar").post(
        f"/console/carriers/{c.serial}/reclassify", {"level": "secret", "period": "10y"}
    )
    assert r.status_code == 422
    assert "须填写变更密级的理由" in r.text and "reason：" not in r.text


def test_a_circulation_is_asked_approved_in_the_inbox_and_issued_at_the_desk(
    browser: Any, svc: Services
) -> None:
    from tracker.services import receive

    c = receive_one(svc, Level.SECRET)
    receive.store_in_safe(svc, "carol", c.serial, "safe-s1")
    carol = browser("carol")
    data = {"serial": c.serial, "readers": ["alice", "erin"], "destination": "reading"}
    r = carol.post("/console/circulations", data)
    assert r.status_code == 303, r.text[:500]
    listed = carol.follow(r).text
    assert "已提交传阅申请" in listed
    row = re.search(r'<table id="circulation-list">.*?</table>', listed, re.S)
    assert row and c.serial in row.group(0) and "待审批" in row.group(0)
    ann = browser("ann")
    assert re.search(r'id="pending-circulations">1<', ann.get("/console/").text)
    inbox = ann.get("/console/inbox").text
    section = re.search(r'<section class="panel" id="circulations">.*?</section>', inbox, re.S)
    assert section and c.serial in section.group(0) and "李核心（alice）" in section.group(0)
    rid = re.search(r'data-request="([0-9a-f]+)"', section.group(0))
    assert rid
    done = ann.post(f"/console/inbox/circulations/{rid.group(1)}/approve", {"note": ""})
    assert "已批准" in ann.follow(done).text
    card = carol.get(f"/console/desk?code={c.serial}").text
    assert "传阅下一位" in card and "李核心（alice）" in card
    circ = re.search(r'name="circulation" value="([0-9a-f]+)"', card)
    assert circ
    issued = carol.post("/console/desk/issue-next", {"circulation": circ.group(1)})
    assert "已交下一位阅读人" in carol.follow(issued).text
    with svc.read() as uow:
        (out,) = uow.borrows.find(carrier=c.serial, state=BorrowState.OUT)
    assert out.borrower == "alice"


def test_the_custodian_asks_for_a_level_change_and_the_approver_decides(
    browser: Any, svc: Services
) -> None:
    c = receive_one(svc, Level.SECRET)
    carol = browser("carol")
    page = carol.get(f"/console/carriers/{c.serial}").text
    assert 'id="ask-level-change"' in page and 'action="/console/carriers/' in page
    assert f"/console/carriers/{c.serial}/reclassify" not in page  # that is the approver's
    bad = carol.post(
        f"/console/carriers/{c.serial}/level-change",
        {"level": "confidential", "period": "99y", "reason": "降密"},
    )
    assert bad.status_code == 422
    found = re.search(r'id="ask-period-error">([^<]*)<', bad.text)
    assert found and "不能为" in found.group(1)
    asked = carol.post(
        f"/console/carriers/{c.serial}/level-change",
        {"level": "confidential", "period": "5y", "reason": "内容已部分公开"},
    )
    assert "已提交，等待审批" in carol.follow(asked).text
    ann = browser("ann")
    assert re.search(r'id="pending-level-changes">1<', ann.get("/console/").text)
    inbox = ann.get("/console/inbox").text
    section = re.search(r'<section class="panel" id="level-changes">.*?</section>', inbox, re.S)
    assert section and c.serial in section.group(0) and "秘密" in section.group(0)
    rid = re.search(r'data-request="([0-9a-f]+)"', section.group(0))
    assert rid
    done = ann.post(f"/console/inbox/level-changes/{rid.group(1)}/approve", {"note": "同意"})
    assert "已批准" in ann.follow(done).text
    shown = carol.get(f"/console/carriers/{c.serial}").text
    assert "秘密★5年" in shown
    # an early declassification asked and turned down, with the reason
    carol.post(
        f"/console/carriers/{c.serial}/level-change", {"declassify": "1", "reason": "已过时"}
    )
    section = re.search(
        r'<section class="panel" id="level-changes">.*?</section>',
        ann.get("/console/inbox").text,
        re.S,
    )
    assert section and "提前解密" in section.group(0)
    rid = re.search(r'data-request="([0-9a-f]+)"', section.group(0))
    assert rid
    no = ann.post(f"/console/inbox/level-changes/{rid.group(1)}/reject", {"note": "仍需保密"})
    assert "已不批准" in ann.follow(no).text
    with svc.read() as uow:
        r = uow.level_changes.get(rid.group(1))
    assert r is not None and r.state.value == "rejected" and r.decision_note == "仍需保密"


def test_element_ids_are_unique_on_pages_with_many_forms(browser: Any) -> None:
    carol = browser("carol")
    two = _delivery() | {
        "declared_count": "2",
        **{
            k.replace("items[0]", "items[1]"): v
            for k, v in _delivery("第二件").items()
            if "items[0]" in k
        },
    }
    r = carol.post("/console/receive", two)
    assert r.status_code == 303, r.text[:500]
    serial = re.search(r"s=([A-Z0-9-]+)", r.headers["location"])
    assert serial
    oscar = browser("oscar")
    pages = [
        (carol, r.headers["location"]),
        (carol, f"/console/carriers/{serial.group(1)}"),
        (oscar, f"/console/carriers/{serial.group(1)}"),
        (carol, "/console/receive"),
        (carol, f"/console/desk?code={serial.group(1)}"),
        (oscar, "/console/inbox"),
        (oscar, "/console/audit"),
        (carol, "/console/borrows"),
        (carol, "/console/carry-outs"),
    ]
    for who, path in pages:  # a label's "for" finds its own field; a test its own element
        ids = re.findall(r'\sid="([^"]+)"', who.get(path).text)
        assert len(ids) == len(set(ids)), (path, sorted({i for i in ids if ids.count(i) > 1}))
