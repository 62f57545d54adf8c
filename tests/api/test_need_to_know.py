"""Need-to-know (R3): a carrier's title and content reach only custodians, officers and
people in its scope. Everyone else sees serial, level, marking and state — and never the
title, through lists, search (not even by count or order), history, alerts or errors."""

from __future__ import annotations

from tests.api.conftest import TITLE, Api, received

RESTRICTED_KEYS = {"serial", "level", "marking", "state", "restricted"}
OUTSIDER = "bob"  # finance, not in the policy department's scope
APPROVER = "ann"  # an approver is not in the scope by role


def shown(view: dict) -> set[str]:  # type: ignore[type-arg]
    return {k for k, v in view.items() if v is not None}


def test_show_gives_outsiders_only_serial_level_marking_state(api: Api) -> None:
    c = received(api)
    for who in (OUTSIDER, APPROVER):
        view = api.ok(who, "GET", f"/api/v1/carriers/{c['serial']}")
        assert shown(view) == RESTRICTED_KEYS and view["restricted"] is True
    for who in ("carol", "oscar", "alice", "dave"):  # keepers, and the policy department
        view = api.ok(who, "GET", f"/api/v1/carriers/{c['serial']}")
        assert view["title"] == TITLE and view["location"] == "safe-s1"


def test_lists_show_outsiders_no_titles(api: Api) -> None:
    received(api)
    received(api, scope_departments=["finance"], title="财务报表")
    out = api.call(OUTSIDER, "GET", "/api/v1/carriers?limit=10")
    assert TITLE not in out.text
    items = out.json()["items"]
    assert [i["restricted"] for i in items] == [True, False]


def test_title_search_reveals_nothing_to_outsiders(api: Api) -> None:
    received(api)
    received(api)
    mine = received(api, scope_departments=["finance"], title="财务报表")
    keeper = api.ok("carol", "GET", "/api/v1/carriers", params={"q": "绝密项目"})
    assert keeper["total"] == 2
    for q in ("绝密项目", TITLE, "某"):
        out = api.ok(OUTSIDER, "GET", "/api/v1/carriers", params={"q": q})
        assert (out["total"], out["items"]) == (0, []), q
    # the same search finds their own carrier's title, and serials as usual
    assert api.ok(OUTSIDER, "GET", "/api/v1/carriers", params={"q": "财务"})["total"] == 1
    by_serial = api.ok(OUTSIDER, "GET", "/api/v1/carriers", params={"q": "JM-2026"})
    assert by_serial["total"] == 3 and TITLE not in str(by_serial)
    assert mine["serial"] in str(by_serial)


def test_filters_on_hidden_fields_only_match_known_carriers(api: Api) -> None:
    received(api)
    out = api.ok(OUTSIDER, "GET", "/api/v1/carriers", params={"location": "safe-s1"})
    assert out["total"] == 0
    assert api.ok("alice", "GET", "/api/v1/carriers", params={"location": "safe-s1"})["total"] == 1


def test_history_is_refused_without_naming_the_title(api: Api) -> None:
    c = received(api)
    r = api.call(OUTSIDER, "GET", f"/api/v1/carriers/{c['serial']}/history")
    assert r.status_code == 403 and TITLE not in r.text
    assert api.ok("alice", "GET", f"/api/v1/carriers/{c['serial']}/history")["entries"]


def test_errors_and_refusals_never_carry_the_title(api: Api) -> None:
    c = received(api)
    calls = [
        (
            "POST",
            "/api/v1/borrows",
            {"serial": c["serial"], "destination": "reading", "purpose": "x"},
        ),
        ("POST", "/api/v1/copies", {"serial": c["serial"], "count": 0, "reason": "x"}),
        ("POST", f"/api/v1/carriers/{c['serial']}/store", {}),
        ("GET", f"/api/v1/carriers/{c['serial']}/history", None),
    ]
    for method, path, body in calls:
        for lang in ("en", "zh"):
            r = api.call(OUTSIDER, method, path, lang=lang, json=body)
            assert r.status_code >= 400 and TITLE not in r.text, (method, path, r.text)


def test_alerts_about_unknown_carriers_are_hidden_and_never_titled(api: Api, clock) -> None:  # type: ignore[no-untyped-def]
    c = received(api)
    api.ok(
        "alice",
        "POST",
        "/api/v1/loss-reports",
        json={
            "serial": c["serial"],
            "kind": "loss",
            "description": "遗失",
            "discovered_at": clock.now().isoformat(),
        },
    )
    assert api.ok(OUTSIDER, "GET", "/api/v1/alerts")["total"] == 0
    assert api.ok("alice", "GET", "/api/v1/alerts")["total"] == 1
    everything = api.call("oscar", "GET", "/api/v1/alerts")
    assert everything.json()["total"] == 1 and TITLE not in everything.text
    alert_id = everything.json()["items"][0]["id"]
    api.refused(OUTSIDER, "GET", f"/api/v1/alerts/{alert_id}", 404)
    api.refused(OUTSIDER, "POST", f"/api/v1/alerts/{alert_id}/acknowledge", 404, json={})


def test_holdings_borrows_and_records_never_carry_titles(api: Api) -> None:
    c = received(api, scope_people=["bob"], scope_departments=[])
    b = api.ok(
        "bob",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "x"},
    )
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={})
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    for who, path in (
        ("ann", "/api/v1/borrows"),
        ("ann", f"/api/v1/borrows/{b['id']}"),
        ("carol", "/api/v1/borrows/overdue"),
        ("ann", "/api/v1/destructions"),
        ("ann", "/api/v1/copies"),
        ("ann", "/api/v1/carry-outs"),
    ):
        r = api.call(who, "GET", path)
        assert r.status_code == 200 and TITLE not in r.text, path
    held = api.ok("bob", "GET", "/api/v1/people/bob/holdings")
    assert held[0]["title"] == TITLE  # bob is in its scope
    api.refused("alice", "GET", "/api/v1/people/bob/holdings", 404)  # staff: own only


def test_epcis_export_carries_no_titles(api: Api) -> None:
    received(api)
    r = api.call("oscar", "GET", "/api/v1/epcis/events")
    assert r.status_code == 200 and TITLE not in r.text


def test_answers_to_an_approver_outside_the_scope_are_restricted(api: Api) -> None:
    c = received(api, "confidential")
    for path, body in (
        ("reclassify", {"level": "secret", "period": "20y", "reason": "升密"}),
        ("scope", {"departments": ["finance"], "reason": "工作需要"}),
        ("declassify", {"reason": "提前解密"}),
    ):
        r = api.call(APPROVER, "POST", f"/api/v1/carriers/{c['serial']}/{path}", json=body)
        assert r.status_code == 200 and TITLE not in r.text, path
        assert r.json()["restricted"] is True


def test_keeper_search_counts_are_capped_and_flagged(api: Api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.services import knowledge

    for _ in range(3):
        received(api, store=False)
    assert api.ok("carol", "GET", "/api/v1/carriers", params={"q": "JM"})["truncated"] is False
    monkeypatch.setattr(knowledge, "COUNT_CAP", 1)
    monkeypatch.setattr(knowledge, "_SCAN_PAGE", 1)
    out = api.ok("carol", "GET", "/api/v1/carriers", params={"q": "JM", "limit": 2})
    assert out["truncated"] is True and out["total"] >= 1 and len(out["items"]) == 2


def test_staff_filtering_borrows_by_someone_else_find_none_of_their_own(api: Api) -> None:
    c = received(api, scope_people=["bob", "alice"])
    body = {"serial": c["serial"], "destination": "reading", "purpose": "阅办"}
    mine = api.ok("bob", "POST", "/api/v1/borrows", json=body)
    theirs = api.ok("alice", "POST", "/api/v1/borrows", json=body)
    listed = api.ok("bob", "GET", "/api/v1/borrows")
    assert (listed["total"], [b["id"] for b in listed["items"]]) == (1, [mine["id"]])
    assert api.ok("bob", "GET", "/api/v1/borrows", params={"borrower": "alice"})["total"] == 0
    api.refused("bob", "GET", f"/api/v1/borrows/{theirs['id']}", 404)
    assert api.ok("carol", "GET", "/api/v1/borrows", params={"borrower": "alice"})["total"] == 1
