"""R16 and R18 over HTTP: reading sessions at the custodian's desk, a carrier's
disclosure record with need-to-know, the handling of a top-secret receipt (instructions,
handled, pending list), and the errors each refusal answers with."""

from __future__ import annotations

from tests.api.conftest import Api, receipt


def received(api: Api, level: str = "top_secret", **kw: object) -> str:
    body = receipt(level, scope_people=["ann"], **kw)
    serial: str = api.ok("carol", "POST", "/api/v1/carriers", json=body)["carriers"][0]["serial"]
    api.ok("carol", "POST", f"/api/v1/carriers/{serial}/store", json={})
    return serial


def test_a_reading_session_over_the_api(api: Api) -> None:
    serial = received(api)
    s = api.ok(
        "carol", "POST", "/api/v1/reading-sessions", json={"serial": serial, "reader": "alice"}
    )
    assert (s["carrier"], s["person"], s["kind"], s["source"], s["ended_at"]) == (
        serial,
        "alice",
        "reading",
        "desk",
        None,
    )
    assert [x["id"] for x in api.ok("oscar", "GET", "/api/v1/reading-sessions")] == [s["id"]]
    closed = api.ok("carol", "POST", f"/api/v1/reading-sessions/{s['id']}/close")
    assert closed["ended_at"] is not None and closed["closed_by"] == "carol"
    record = api.ok("alice", "GET", f"/api/v1/carriers/{serial}/disclosures")
    assert [(e["person"], e["kind"]) for e in record["entries"]] == [
        ("carol", "receipt"),
        ("alice", "reading"),
    ]
    # bob is outside its knowledge scope: not even who read it.
    error = api.refused("bob", "GET", f"/api/v1/carriers/{serial}/disclosures", 403)
    assert error["code"] == "forbidden"


def test_reading_session_refusals(api: Api) -> None:
    serial, secret = received(api), received(api, "secret")
    error = api.refused(
        "carol", "POST", "/api/v1/reading-sessions", 409, json={"serial": secret, "reader": "alice"}
    )
    assert error["rule"] == "R16"
    error = api.refused(
        "carol",
        "POST",
        "/api/v1/reading-sessions",
        409,
        json={"serial": serial, "reader": "alice", "room": "reading"},
    )
    assert error["rule"] == "R2"
    error = api.refused(
        "carol", "POST", "/api/v1/reading-sessions", 409, json={"serial": serial, "reader": "bob"}
    )
    assert error["rule"] == "R3"
    error = api.refused(
        "carol",
        "POST",
        "/api/v1/reading-sessions",
        422,
        json={"serial": serial, "reader": "nobody"},
    )
    assert error["field"] == "reader"
    api.refused(
        "carol", "POST", "/api/v1/reading-sessions", 422, json={"serial": serial, "extra": 1}
    )
    api.refused("carol", "POST", "/api/v1/reading-sessions/nope/close", 404)
    zh = api.refused(
        "carol",
        "POST",
        "/api/v1/reading-sessions",
        409,
        json={"serial": secret, "reader": "alice"},
        lang="zh",
    )
    assert "阅读登记仅用于绝密级载体" in zh["message"]


def test_handling_over_the_api(api: Api) -> None:
    serial = received(api)
    h = api.ok("carol", "GET", f"/api/v1/carriers/{serial}/handling")
    assert h["state"] == "open" and h["due_at"].startswith("2026-11-27T09:30:00")
    pending = api.ok("ann", "GET", "/api/v1/handlings?pending=true")
    assert pending["total"] == 1 and pending["items"][0]["carrier"] == serial
    h = api.ok(
        "ann", "POST", f"/api/v1/carriers/{serial}/handling/instruct", json={"note": "请阅办"}
    )
    assert (h["state"], h["instructed_by"], h["instruction"]) == ("instructed", "ann", "请阅办")
    h = api.ok("carol", "POST", f"/api/v1/carriers/{serial}/handling/done", json={"note": "已办结"})
    assert (h["state"], h["handled_by"], h["outcome"]) == ("done", "carol", "已办结")
    assert api.ok("carol", "GET", "/api/v1/handlings?pending=true")["total"] == 0
    # andy approves things but is outside this carrier's scope: no instructions shown.
    seen = api.ok("andy", "GET", f"/api/v1/carriers/{serial}/handling")
    assert seen["instruction"] == seen["outcome"] == "" and seen["state"] == "done"
    error = api.refused(
        "carol", "POST", f"/api/v1/carriers/{serial}/handling/done", 409, json={"note": "x"}
    )
    assert error["code"] == "conflict"


def test_handling_refusals(api: Api) -> None:
    serial, secret = received(api), received(api, "secret")
    error = api.refused(
        "andy", "POST", f"/api/v1/carriers/{serial}/handling/instruct", 409, json={"note": "阅"}
    )
    assert error["rule"] == "R3"
    api.refused("carol", "GET", f"/api/v1/carriers/{secret}/handling", 404)
    api.refused("carol", "POST", f"/api/v1/carriers/{serial}/handling/done", 422, json={"note": ""})
    api.refused("alice", "GET", "/api/v1/handlings", 403)
    error = api.refused(
        "carol",
        "POST",
        "/api/v1/carriers",
        409,
        json=receipt("top_secret", home_room="office-a", home_safe="safe-a"),
    )
    assert error["rule"] == "R1"  # the office is below top secret (R18 needs the secure room)


def test_a_gateway_reports_a_badge_at_its_reading_desk(api: Api, svc, gateway) -> None:  # type: ignore[no-untyped-def]
    from tracker.services import accounts

    serial = received(api)
    epc = api.ok("carol", "GET", f"/api/v1/carriers/{serial}")["epc"]
    event = {
        "event_id": "desk-1",
        "kind": "desk",
        "at": "2026-11-24T02:00:00Z",
        "desk": "desk-secure",
        "badges": ["0100073EAB"],
        "codes": [epc],
    }
    # The secure room's door gateway does not serve the desk.
    r = api.client.post("/api/v1/events", json={"events": [event]}, headers=gateway.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "device_scope"
    assert r.json()["error"]["problems"][0]["field"] == "events[0].desk"
    _, token = accounts.create_device(svc, "cli:test", "gw-desk", ["desk-secure"])
    headers = {"Authorization": f"Bearer {token}"}
    r = api.client.post("/api/v1/events", json={"events": [event]}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["note"] == "1 opened, 0 closed"
    (s,) = api.ok("carol", "GET", "/api/v1/reading-sessions")
    assert (s["person"], s["source"], s["desk"], s["opened_by"]) == (
        "alice",
        "badge",
        "desk-secure",
        "gw-desk",
    )
    # the same event again is recorded once and answered the same
    again = api.client.post("/api/v1/events", json={"events": [event]}, headers=headers)
    assert again.json()["results"][0]["note"] == "1 opened, 0 closed"
    assert again.headers["X-Duplicates"] == "1"
    bad = dict(event, event_id="desk-2", desk="nowhere")
    r = api.client.post("/api/v1/events", json={"events": [bad]}, headers=headers)
    assert r.status_code == 422
