"""The console's reading desk (R16), its top-secret handling page (R18) and the
disclosure record on the carrier page, over HTTP: forms with their CSRF tokens, errors
beside the field or naming the rule, and who may open what."""

from __future__ import annotations

import re
from typing import Any

from tests.console.conftest import Browser
from tests.db import only_sqlite
from tests.services.conftest import receive_one
from tracker.domain.levels import Level
from tracker.services import disclosure
from tracker.services.base import Services
from tracker.services.receive import store_in_safe

pytestmark = only_sqlite  # the HTTP layer is the same on both databases


def top_secret(svc: Services) -> str:
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("ann",))
    store_in_safe(svc, "carol", c.serial)
    return str(c.serial)


def test_the_custodian_opens_and_closes_a_reading_session(browser: Any, svc: Services) -> None:
    serial = top_secret(svc)
    b: Browser = browser("carol")
    page = b.get("/console/reading")
    assert page.status_code == 200 and "阅文登记" in page.text and "没有。" in page.text
    r = b.post("/console/reading", {"serial": serial, "reader": "alice", "room": ""})
    listed = b.follow(r)
    assert "已登记阅读" in listed.text
    table = re.search(r'<table id="reading-sessions">.*?</table>', listed.text, re.S)
    assert table and serial in table.group(0) and "李核心" in table.group(0)
    (session,) = disclosure.open_sessions(svc, "carol")
    closed = b.follow(b.post(f"/console/reading/{session.id}/close"))
    assert "阅读已结束" in closed.text and 'id="reading-sessions"' not in closed.text
    # The carrier page shows the record: the receipt and alice's reading.
    shown = b.get(f"/console/carriers/{serial}")
    record = re.search(r'<table id="disclosures">.*?</table>', shown.text, re.S)
    assert record
    assert "签收" in record.group(0) and "阅读" in record.group(0) and "李核心" in record.group(0)


def test_refusals_on_the_reading_desk_say_why(browser: Any, svc: Services, snapshot: Any) -> None:
    serial = top_secret(svc)
    secret = receive_one(svc, Level.SECRET).serial
    b: Browser = browser("carol")
    before = snapshot()
    r = b.post("/console/reading", {"serial": serial, "reader": ""})
    assert r.status_code == 422 and 'id="reader-error">必填' in r.text
    r = b.post("/console/reading", {"serial": secret, "reader": "alice"})
    assert r.status_code == 409 and "R16" in r.text and "阅读登记仅用于绝密级载体" in r.text
    r = b.post("/console/reading", {"serial": serial, "reader": "bob"})
    assert r.status_code == 409 and "R3" in r.text
    r = b.post("/console/reading", {"serial": serial, "reader": "nobody"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    assert snapshot() == before


def test_handling_page_instruct_and_done(browser: Any, svc: Services) -> None:
    serial = top_secret(svc)
    ann: Browser = browser("ann")
    page = ann.get("/console/handling")
    assert page.status_code == 200 and serial in page.text and "待办理" in page.text
    assert "/instruct" in page.text and "/done" not in page.text  # a leader instructs
    done = ann.follow(ann.post(f"/console/handling/{serial}/instruct", {"note": "请阅办"}))
    assert "已批办" in done.text
    carol: Browser = browser("carol")
    assert "/instruct" not in carol.get("/console/handling").text  # the custodian handles
    r = carol.follow(carol.post(f"/console/handling/{serial}/done", {"note": ""}))
    assert "须填写" in r.text
    r = carol.follow(carol.post(f"/console/handling/{serial}/done", {"note": "已办结"}))
    assert "已办结" in r.text and serial not in r.text.split("</h1>", 1)[1].split("</main>")[0]
    everything = carol.get("/console/handling?all=1")
    assert serial in everything.text and "钱领导（ann）：请阅办" in everything.text
    # andy, a leader outside the scope, sees the deadline but not the instructions.
    andy = browser("andy").get("/console/handling?all=1")
    assert serial in andy.text and "请阅办" not in andy.text


def test_who_opens_the_new_pages(browser: Any) -> None:
    assert browser("bob").get("/console/reading").status_code == 403
    assert browser("bob").get("/console/handling").status_code == 403
    assert browser("ann").get("/console/reading").status_code == 403
    assert browser("oscar").get("/console/reading").status_code == 200
    b = browser("bob")
    r = b.post("/console/handling/JM-2026-000001/done", {"note": "x"})
    assert r.status_code == 403
