"""Every workflow end to end through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import TITLE, Api, receipt, received
from tracker.domain.clock import ManualClock


def test_receive_store_and_where_is(api: Api) -> None:
    out = api.ok("carol", "POST", "/api/v1/carriers", json=receipt())
    (c,) = out["carriers"]
    assert c["serial"] == "JM-2026-000001" and c["title"] == TITLE
    assert c["marking"] == "SECRET★10Y" and c["state"] == "registered"
    assert c["epc_uri"].startswith("urn:epc:id:giai:0614141.")
    stored = api.ok("carol", "POST", f"/api/v1/carriers/{c['serial']}/store", json={})
    assert (stored["state"], stored["location"], stored["holder"]) == ("in_safe", "safe-s1", None)
    zh = api.call("alice", "GET", f"/api/v1/carriers/{c['serial']}", lang="zh")
    assert zh.status_code == 200 and zh.json()["marking"] == "机密★10年"
    hist = api.ok("oscar", "GET", f"/api/v1/carriers/{c['serial']}/history")
    assert [e["action"] for e in hist["entries"]] == ["receive", "store"]
    assert all(TITLE not in str(e) for e in hist["entries"])


def test_receive_count_mismatch_names_rule_r15(api: Api) -> None:
    body = receipt()
    body["declared_count"] = 2
    err = api.refused("carol", "POST", "/api/v1/carriers", 409, json=body)
    assert err["code"] == "rule_violation" and err["rule"] == "R15"


def test_borrow_approve_check_out_return(api: Api, clock: ManualClock) -> None:
    c = received(api)
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "阅办"},
    )
    assert b["state"] == "requested" and b["borrower"] == "alice"
    err = api.refused("ann", "POST", f"/api/v1/borrows/{b['id']}/check-out", 403)
    assert err["code"] == "role_forbidden"
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={"note": "同意"})
    out = api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    assert out["state"] == "out"
    where = api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")
    assert (where["state"], where["holder"]) == ("out", "alice")
    assert [h["serial"] for h in api.ok("alice", "GET", "/api/v1/people/alice/holdings")] == [
        c["serial"]
    ]
    clock.advance(timedelta(hours=9))  # past close of business: overdue (R4)
    overdue = api.ok("carol", "GET", "/api/v1/borrows/overdue")
    assert [o["id"] for o in overdue] == [b["id"]]
    back = api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/return", json={})
    assert back["state"] == "returned"
    assert api.ok("carol", "GET", "/api/v1/borrows/overdue") == []
    assert api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")["state"] == "in_safe"
    mine = api.ok("alice", "GET", "/api/v1/borrows")
    assert mine["total"] == 1 and mine["items"][0]["id"] == b["id"]
    assert api.ok("bob", "GET", "/api/v1/borrows")["total"] == 0


def test_approving_your_own_request_is_refused_with_the_rule(api: Api) -> None:
    c = received(api)
    b = api.ok(
        "oscar",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "检查"},
    )
    err = api.refused("oscar", "POST", f"/api/v1/borrows/{b['id']}/approve", 409, json={})
    assert (err["code"], err["rule"]) == ("rule_violation", "R3")


def test_reject_needs_a_note_and_r2_top_secret_stays_in_the_secure_room(api: Api) -> None:
    c = received(api, "top_secret", period="long", scope_people=["alice"])
    err = api.refused(
        "alice",
        "POST",
        "/api/v1/borrows",
        409,
        json={"serial": c["serial"], "destination": "reading", "purpose": "阅办"},
    )
    assert err["rule"] == "R2"
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "secure", "purpose": "阅办"},
    )
    err = api.refused("ann", "POST", f"/api/v1/borrows/{b['id']}/reject", 422, json={})
    assert err["field"] == "note"
    assert (
        api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/reject", json={"note": "不需要"})["state"]
        == "rejected"
    )


def test_circulation_returns_to_the_custodian_between_readers(api: Api) -> None:
    c = received(api, "confidential", scope_people=["alice", "erin"])
    circ = api.ok(
        "carol",
        "POST",
        "/api/v1/circulations",
        json={
            "serial": c["serial"],
            "readers": ["alice", "erin"],
            "destination": "reading",
        },
    )
    api.ok("ann", "POST", f"/api/v1/circulations/{circ['id']}/approve", json={})
    first = api.ok("carol", "POST", f"/api/v1/circulations/{circ['id']}/issue-next")
    assert first["borrower"] == "alice"
    err = api.refused("carol", "POST", f"/api/v1/circulations/{circ['id']}/issue-next", 409)
    assert err["rule"] == "R5"
    api.ok("carol", "POST", f"/api/v1/borrows/{first['id']}/return", json={})
    second = api.ok("carol", "POST", f"/api/v1/circulations/{circ['id']}/issue-next")
    assert second["borrower"] == "erin"
    api.ok("carol", "POST", f"/api/v1/borrows/{second['id']}/return", json={})
    assert api.ok("carol", "GET", f"/api/v1/circulations/{circ['id']}")["state"] == "done"


def test_carry_out_request_approve_and_return(api: Api, clock: ManualClock) -> None:
    c = received(api, "confidential", home_room="office-a", home_safe="safe-a")
    now = clock.now()
    body = {
        "serials": [c["serial"]],
        "carrier_person": "alice",
        "escorts": [],
        "destination": "上级机关",
        "reason": "送审",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(hours=4)).isoformat(),
    }
    co = api.ok("alice", "POST", "/api/v1/carry-outs", json=body)
    err = api.refused("alice", "POST", f"/api/v1/carry-outs/{co['id']}/approve", 403, json={})
    assert err["code"] == "role_forbidden"
    assert (
        api.ok("ann", "POST", f"/api/v1/carry-outs/{co['id']}/approve", json={})["state"]
        == "approved"
    )
    assert api.ok("alice", "GET", f"/api/v1/carry-outs/{co['id']}")["id"] == co["id"]
    api.refused("bob", "GET", f"/api/v1/carry-outs/{co['id']}", 404)
    assert api.ok("carol", "POST", f"/api/v1/carry-outs/{co['id']}/return")["state"] == "done"


def test_copies_request_decide_make(api: Api) -> None:
    c = received(api)
    req = api.ok(
        "alice",
        "POST",
        "/api/v1/copies",
        json={"serial": c["serial"], "count": 2, "reason": "会议"},
    )
    err = api.refused("alice", "POST", f"/api/v1/copies/{req['id']}/approve", 403, json={})
    assert err["code"] == "role_forbidden"
    api.ok("ann", "POST", f"/api/v1/copies/{req['id']}/approve", json={})
    made = api.ok("carol", "POST", f"/api/v1/copies/{req['id']}/make")
    assert len(made["serials"]) == 2
    copy = api.ok("carol", "GET", f"/api/v1/carriers/{made['serials'][0]}")
    assert copy["original"] == c["serial"] and copy["marking"] == c["marking"]
    ts = received(api, "top_secret", period="long")
    err = api.refused(
        "carol",
        "POST",
        "/api/v1/copies",
        409,
        json={"serial": ts["serial"], "count": 1, "reason": "x"},
    )
    assert err["rule"] == "R8"


def test_handover_holdings_and_leaving_a_post(api: Api) -> None:
    c = received(api, scope_people=["erin"])
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "x"},
    )
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={})
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    err = api.refused("secadmin", "POST", "/api/v1/people/alice/leave", 409, json={})
    assert err["rule"] == "R12"
    h = api.ok(
        "carol",
        "POST",
        "/api/v1/handovers",
        json={"from_person": "alice", "to_person": "erin", "serials": [c["serial"]]},
    )
    assert h["carriers"] == [c["serial"]]
    assert api.ok("carol", "GET", "/api/v1/people/alice/holdings") == []
    assert [x["serial"] for x in api.ok("carol", "GET", "/api/v1/people/erin/holdings")] == [
        c["serial"]
    ]
    left = api.ok("secadmin", "POST", "/api/v1/people/alice/leave", json={"successor": "erin"})
    assert left["active"] is False and left["decommission_until"]
    assert api.ok("oscar", "GET", "/api/v1/handovers")["total"] == 1


def test_inventory_reports_missing_and_unknown(api: Api) -> None:
    a = received(api)
    b = received(api)
    inv = api.ok("carol", "POST", "/api/v1/inventories", json={"places": ["secure"]})
    assert sorted(inv["expected"]) == sorted([a["serial"], b["serial"]])
    api.ok(
        "carol",
        "POST",
        f"/api/v1/inventories/{inv['id']}/scans",
        json={"codes": [a["epc"], "E2000000DEADBEEF"]},
    )
    rep = api.ok("carol", "POST", f"/api/v1/inventories/{inv['id']}/close")
    assert rep["found"] == [a["serial"]] and rep["missing"] == [b["serial"]]
    assert rep["unknown"] == ["E2000000DEADBEEF"]
    assert api.ok("carol", "GET", f"/api/v1/carriers/{b['serial']}")["state"] == "missing"
    alerts = api.ok("oscar", "GET", "/api/v1/alerts?type=inventory_mismatch")
    assert [x["subject"] for x in alerts["items"]] == [b["serial"]]
    found = api.ok(
        "carol", "POST", f"/api/v1/carriers/{b['serial']}/found", json={"note": "在2号柜"}
    )
    assert found["state"] == "registered"


def test_destruction_needs_two_witnesses_who_are_not_the_requester(api: Api) -> None:
    c = received(api)
    d = api.ok(
        "carol",
        "POST",
        "/api/v1/destructions",
        json={"serials": [c["serial"]], "place": "secure", "method": "粉碎", "reason": "过期"},
    )
    api.ok("ann", "POST", f"/api/v1/destructions/{d['id']}/approve", json={})
    err = api.refused("carol", "POST", f"/api/v1/destructions/{d['id']}/witness", 409)
    assert err["rule"] == "R10"
    api.ok("oscar", "POST", f"/api/v1/destructions/{d['id']}/witness")
    err = api.refused("carol", "POST", f"/api/v1/destructions/{d['id']}/execute", 409)
    assert err["rule"] == "R10"
    api.ok("alice", "POST", f"/api/v1/destructions/{d['id']}/witness")
    done = api.ok("carol", "POST", f"/api/v1/destructions/{d['id']}/execute")
    assert done["state"] == "done" and sorted(done["witnesses"]) == ["alice", "oscar"]
    assert api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")["state"] == "destroyed"


def test_reclassify_declassify_and_widen_scope(api: Api) -> None:
    c = received(api, "confidential")
    err = api.refused(
        "ann",
        "POST",
        f"/api/v1/carriers/{c['serial']}/reclassify",
        422,
        json={"level": "secret", "period": "99y", "reason": "x"},
    )
    assert err["field"] == "period"
    out = api.ok(
        "ann",
        "POST",
        f"/api/v1/carriers/{c['serial']}/reclassify",
        json={"level": "secret", "period": "20y", "reason": "升密"},
    )
    assert out["level"] == "secret" and out["marking"] == "SECRET★20Y"
    assert api.ok("bob", "GET", f"/api/v1/carriers/{c['serial']}")["restricted"] is True
    api.ok(
        "ann",
        "POST",
        f"/api/v1/carriers/{c['serial']}/scope",
        json={"people": ["bob"], "reason": "工作需要"},
    )
    assert api.ok("bob", "GET", f"/api/v1/carriers/{c['serial']}")["title"] == TITLE
    out = api.ok(
        "ann", "POST", f"/api/v1/carriers/{c['serial']}/declassify", json={"reason": "提前解密"}
    )
    assert out["state"] == "declassified"


def test_loss_report_raises_an_alert_that_is_acknowledged_and_resolved(
    api: Api, clock: ManualClock
) -> None:
    c = received(api)
    r = api.ok(
        "alice",
        "POST",
        "/api/v1/loss-reports",
        json={
            "serial": c["serial"],
            "kind": "loss",
            "description": "找不到了",
            "discovered_at": clock.now().isoformat(),
        },
    )
    assert r["late"] is False
    (alert,) = api.ok("carol", "GET", "/api/v1/alerts?state=open")["items"]
    assert (alert["type"], alert["rule"], alert["severity"]) == ("loss_reported", "R13", "critical")
    assert "reported loss" in alert["message"]
    zh = api.call("carol", "GET", f"/api/v1/alerts/{alert['id']}", lang="zh")
    assert "丢失" in zh.json()["message"]
    ack = api.ok(
        "alice", "POST", f"/api/v1/alerts/{alert['id']}/acknowledge", json={"note": "在查"}
    )
    assert ack["state"] == "acknowledged" and ack["acknowledged_by"] == "alice"
    api.refused("alice", "POST", f"/api/v1/alerts/{alert['id']}/resolve", 403, json={"note": "x"})
    api.refused("carol", "POST", f"/api/v1/alerts/{alert['id']}/resolve", 422, json={"note": ""})
    done = api.ok("carol", "POST", f"/api/v1/alerts/{alert['id']}/resolve", json={"note": "已找到"})
    assert (done["state"], done["resolved_by"], done["note"]) == ("resolved", "carol", "已找到")
    assert api.ok("oscar", "GET", "/api/v1/loss-reports")["total"] == 1


def test_people_badges_places(api: Api) -> None:
    p = api.ok(
        "secadmin",
        "POST",
        "/api/v1/people",
        json={"id": "zoe", "name": "新人", "department": "policy", "clearance": "general"},
    )
    assert p["role"] == "staff"
    api.ok("secadmin", "PATCH", "/api/v1/people/zoe", json={"clearance": "important"})
    api.ok("secadmin", "POST", "/api/v1/people/zoe/badges", json={"code": "0100073FFF"})
    assert [b["code"] for b in api.ok("carol", "GET", "/api/v1/people/zoe/badges")] == [
        "0100073FFF"
    ]
    assert api.ok("secadmin", "POST", "/api/v1/badges/0100073FFF/revoke")["active"] is False
    assert api.ok("bob", "GET", "/api/v1/people")["total"] == 1  # staff see themselves only
    api.refused("bob", "GET", "/api/v1/people/zoe", 404)
    assert api.ok("carol", "GET", "/api/v1/people/zoe")["clearance"] == "important"
    places = {p["id"]: p for p in api.ok("bob", "GET", "/api/v1/places")}
    assert places["secure"]["max_level"] == "top_secret"
    assert api.ok("bob", "GET", "/api/v1/places/safe-s1")["kind"] == "safe"
    doors = {d["id"]: d for d in api.ok("bob", "GET", "/api/v1/doors")}
    assert doors["door-exit"]["exit"] is True or doors["door-exit"]["outer"] == "outside"
    assert {s["id"] for s in api.ok("bob", "GET", "/api/v1/safes")} == {
        "safe-s1",
        "safe-s2",
        "safe-a",
    }


def test_audit_verify_and_head(api: Api) -> None:
    received(api)
    head = api.ok("carol", "GET", "/api/v1/audit/head")
    assert head["count"] > 0 and len(head["last_hash"]) == 64
    v = api.ok("oscar", "GET", "/api/v1/audit/verify")
    assert v["ok"] is True and v["entries"] == head["count"] and v["problem"] is None
    v = api.ok("oscar", "GET", f"/api/v1/audit/verify?expect_count={head['count'] + 5}")
    assert v["ok"] is False and v["problem"]["kind"] == "truncated"
