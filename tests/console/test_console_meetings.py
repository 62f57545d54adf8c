"""The console's meeting (R17) and seal (R19) pages over HTTP: the desk registers a
meeting, names attendees, scans materials out and back; refusals are shown as messages,
never stack traces; staff see only the meetings they attend, without the desk's forms,
and cannot post them; a safe is sealed and unsealed by hand with the comparison shown."""

from __future__ import annotations

from typing import Any

from tests.console.conftest import receive_one
from tests.db import only_sqlite
from tracker.domain.levels import Level
from tracker.services import meetings
from tracker.services.base import Services
from tracker.services.receive import store_in_safe

pytestmark = only_sqlite  # the HTTP layer is the same on both databases


def _new_meeting(carol: Any) -> str:
    r = carol.post(
        "/console/meetings",
        {
            "name": "第四季度保密工作会",
            "room": "reading",
            "level": "secret",
            "starts_at": "2026-11-24T10:00",
            "ends_at": "2026-11-24T12:00",
        },
    )
    assert r.status_code == 303, r.text[:500]
    return str(r.headers["location"].rsplit("/", 1)[1])


def test_the_desk_runs_a_meeting(browser: Any, svc: Services) -> None:
    c = receive_one(svc, Level.SECRET)
    store_in_safe(svc, "carol", c.serial)
    carol = browser("carol")
    mid = _new_meeting(carol)
    page = carol.follow(
        carol.post(f"/console/meetings/{mid}/attendees", {"people": "alice 0100073EAE"})
    )
    assert "已登记与会人员" in page.text and "李核心" in page.text and "郑重要" in page.text
    page = carol.follow(carol.post(f"/console/meetings/{mid}/attendees", {"people": "dave"}))
    assert "R17" in page.text and "Traceback" not in page.text  # refused, said why
    carol.post(f"/console/meetings/{mid}/materials", {"codes": c.epc})
    page = carol.follow(
        carol.post(
            f"/console/meetings/{mid}/hand-out", {"code": c.serial, "attendee": "0100073EAB"}
        )
    )
    assert f"已分发 {c.serial}" in page.text and "未收回" in page.text
    page = carol.follow(carol.post(f"/console/meetings/{mid}/collect", {"code": c.serial}))
    assert f"已收回 {c.serial}" in page.text
    page = carol.follow(carol.post(f"/console/meetings/{mid}/end", {}))
    assert "会议已结束" in page.text and 'id="sweep"' in page.text
    page = carol.follow(carol.post(f"/console/meetings/{mid}/sweep", {"codes": ""}))
    assert "会场已清查" in page.text


def test_staff_see_their_own_meetings_and_cannot_run_them(browser: Any, svc: Services) -> None:
    carol = browser("carol")
    mid = _new_meeting(carol)
    meetings.add_attendees(svc, "carol", mid, ["alice"])
    alice, bob = browser("alice"), browser("bob")
    mine = alice.get(f"/console/meetings/{mid}")
    assert mine.status_code == 200 and "第四季度保密工作会" in mine.text
    assert (
        'id="hand-out"' not in mine.text
        and 'id="meeting-form"' not in alice.get("/console/meetings").text
    )
    assert alice.post(f"/console/meetings/{mid}/end", {}).status_code == 403
    assert "第四季度保密工作会" not in bob.get("/console/meetings").text
    assert bob.get(f"/console/meetings/{mid}").status_code == 404
    assert bob.get("/console/seals").status_code == 403


def test_sealing_a_safe_by_hand(browser: Any, svc: Services) -> None:
    oscar = browser("oscar")
    page = oscar.get("/console/seals")
    assert "2027-01-01 – 2027-01-03" in page.text  # the example calendar's New Year
    r = oscar.post("/console/seals", {"safe": "safe-s2", "reason": "搬迁"})
    page = oscar.follow(r)
    assert "保险柜已封存" in page.text and "启封并核对" in page.text
    again = oscar.post("/console/seals", {"safe": "safe-s2", "reason": "再封"})
    assert again.status_code == 409 and "已封存" in again.text
    bad = oscar.post("/console/seals", {"safe": "", "reason": ""})
    assert bad.status_code == 422 and "必填" in bad.text
    sid = r.headers["location"].rsplit("/", 1)[1]
    page = oscar.follow(oscar.post(f"/console/seals/{sid}/unseal", {}))
    assert "已启封并核对" in page.text and "已启封" in page.text
