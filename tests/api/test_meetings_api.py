"""Classified meetings (R17) and seals (R19) through the HTTP API, on SQLite and
PostgreSQL: the whole meeting at the desk, need-to-know on meetings, rule refusals as 409
naming the rule, malformed input as 422, sealing and unsealing a safe by hand."""

from __future__ import annotations

from tests.api.conftest import Api, received

WHEN = {"starts_at": "2026-11-24T10:30:00+08:00", "ends_at": "2026-11-24T12:00:00+08:00"}


def _meeting(api: Api) -> dict:  # type: ignore[type-arg]
    m = api.ok(
        "carol",
        "POST",
        "/api/v1/meetings",
        json={"name": "第四季度保密工作会", "room": "reading", "level": "secret", **WHEN},
    )
    api.ok("carol", "POST", f"/api/v1/meetings/{m['id']}/attendees", json={"people": ["alice"]})
    return m  # type: ignore[no-any-return]


def test_a_meeting_at_the_desk(api: Api) -> None:
    c = received(api)
    m = _meeting(api)
    base = f"/api/v1/meetings/{m['id']}"
    got = api.ok("carol", "POST", f"{base}/materials", json={"codes": [c["epc"]]})
    assert got["materials"] == [c["serial"]]
    h = api.ok(
        "carol", "POST", f"{base}/hand-out", json={"code": c["serial"], "attendee": "0100073EAB"}
    )
    assert (h["attendee"], h["state"]) == ("alice", "out")
    shown = api.ok("alice", "GET", base)  # an attendee sees it, with its name
    assert shown["name"] == "第四季度保密工作会" and shown["handouts"][0]["carrier"] == c["serial"]
    assert api.ok("bob", "GET", "/api/v1/meetings")["items"] == []  # not his meeting
    assert api.refused("bob", "GET", base, 404)["code"] == "not_found"
    assert api.ok("carol", "POST", f"{base}/end")["serials"] == [c["serial"]]
    alerts = api.ok("oscar", "GET", "/api/v1/alerts")["items"]
    assert [(a["type"], a["rule"]) for a in alerts] == [("not_collected", "R17")]
    back = api.ok("carol", "POST", f"{base}/collect", json={"code": c["serial"]})
    assert back["state"] == "collected"
    assert api.ok("carol", "POST", f"{base}/sweep", json={"codes": []})["serials"] == []


def test_refusals_name_the_rule_and_the_field(api: Api) -> None:
    m = _meeting(api)
    base = f"/api/v1/meetings/{m['id']}"
    err = api.refused("carol", "POST", f"{base}/attendees", 409, json={"people": ["dave"]})
    assert err["rule"] == "R17" and "clearance" in err["message"]
    err = api.refused(
        "carol",
        "POST",
        "/api/v1/meetings",
        422,
        json={"name": "会", "room": "reading", "level": "secret", "starts_at": "noon"},
    )
    assert err["code"] == "invalid_input"
    err = api.refused(
        "carol",
        "POST",
        "/api/v1/meetings",
        409,
        json={"name": "会", "room": "office-b", "level": "secret", **WHEN},
    )
    assert err["rule"] == "R17"
    assert api.refused("alice", "POST", f"{base}/end", 403)["code"] == "role_forbidden"


def test_sealing_a_safe_by_hand_and_the_holidays_ahead(api: Api) -> None:
    received(api)
    s = api.ok("carol", "POST", "/api/v1/seals", json={"safe": "safe-s1", "reason": "临时封存"})
    assert (s["safe"], s["state"], s["holiday"]) == ("safe-s1", "sealed", "")
    err = api.refused(
        "oscar", "POST", "/api/v1/seals", 409, json={"safe": "safe-s1", "reason": "再封"}
    )
    assert err["code"] == "conflict"
    assert [x["id"] for x in api.ok("oscar", "GET", "/api/v1/seals")["items"]] == [s["id"]]
    done = api.ok("carol", "POST", f"/api/v1/seals/{s['id']}/unseal")
    assert (done["state"], done["missing"], done["added"]) == ("unsealed", [], [])
    holidays = api.ok("carol", "GET", "/api/v1/seals/holidays")
    assert holidays[0]["key"] == "2027-01-01/2027-01-03"
    assert holidays[0]["seal_at"] == "2026-12-31T17:30:00+08:00"  # close of business
