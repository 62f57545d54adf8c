"""POST /api/v1/events: idempotent, order-independent, all-or-nothing, scoped to the
device's own doors and safes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Api, Gateway, received
from tests.factories import T0
from tracker.services.base import Services


def crossing(
    eid: str, code: str, direction: str, at: datetime, door: str = "door-secure"
) -> dict[str, Any]:
    return {
        "event_id": eid,
        "kind": "crossing",
        "at": at.isoformat(),
        "code": code,
        "door": door,
        "direction": direction,
        "badges": ["0100073EAB"],  # alice
    }


def post(client: TestClient, gw: Gateway, events: list[dict[str, Any]]) -> Any:
    return client.post("/api/v1/events", json={"events": events}, headers=gw.headers)


def movements(svc: Services) -> int:
    with svc.read() as uow:
        return uow.movements.count()


def test_the_same_batch_three_times_records_once_and_answers_the_same(
    api: Api, client: TestClient, gateway: Gateway, svc: Services
) -> None:
    c = received(api, "top_secret", period="long", scope_people=["alice"])
    batch = [
        crossing("ev-1", c["epc"], "out", T0),
        crossing("ev-2", c["epc"], "in", T0 + timedelta(seconds=30)),
        {
            "event_id": "ev-3",
            "kind": "reader",
            "at": T0.isoformat(),
            "reader": "door-secure-in",
            "online": False,
        },
    ]
    answers = [post(client, gateway, batch) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].content == answers[1].content == answers[2].content
    assert [a.headers["X-Duplicates"] for a in answers] == ["0", "3", "3"]
    first = answers[0].json()["results"]
    assert [r["event_id"] for r in first] == ["ev-1", "ev-2", "ev-3"]
    assert first[0]["carrier"] == c["serial"] and first[0]["alerts"]  # R2: left the secure room
    assert movements(svc) == 2
    with svc.read() as uow:
        # reader offline, R2 once, and R16 (alice carried it unrecorded) out and back in
        assert [a.count for a in uow.alerts.find(order_by="type")] == [1, 1, 2]


def test_reordered_batches_end_in_the_same_state(
    api: Api, client: TestClient, gateway: Gateway, svc: Services
) -> None:
    c = received(api, "confidential", scope_people=["alice"])
    out = crossing("a", c["epc"], "out", T0)
    back = crossing("b", c["epc"], "in", T0 + timedelta(minutes=5))
    r = post(client, gateway, [back])  # the later event arrives first
    assert r.status_code == 200
    r = post(client, gateway, [out])
    assert r.status_code == 200
    where = api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")
    assert where["location"] == "secure" and movements(svc) == 2
    # within one batch: applied by event time, answered in the order given
    d = received(api, "confidential", scope_people=["alice"])
    r = post(
        client,
        gateway,
        [
            crossing("d2", d["epc"], "in", T0 + timedelta(minutes=5)),
            crossing("d1", d["epc"], "out", T0),
        ],
    )
    assert [x["event_id"] for x in r.json()["results"]] == ["d2", "d1"]
    assert api.ok("carol", "GET", f"/api/v1/carriers/{d['serial']}")["location"] == "secure"


def test_a_malformed_item_rejects_the_whole_batch_and_records_nothing(
    api: Api, client: TestClient, gateway: Gateway, snapshot: Callable[[], Any]
) -> None:
    c = received(api)
    before = snapshot()
    batch = [
        crossing("ok-1", c["epc"], "out", T0),
        {**crossing("bad-1", c["epc"], "out", T0), "direction": "sideways"},
        {**crossing("bad-2", c["epc"], "out", T0), "at": "2026-11-24T10:00:00"},  # no zone
        crossing("ok-2", c["epc"], "in", T0),
    ]
    r = post(client, gateway, batch)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    assert sorted((p["index"], p["field"]) for p in err["problems"]) == [
        (1, "events[1].direction"),
        (2, "events[2].at"),
    ]
    # a batch that is well-formed JSON but names a door the site does not have
    r = post(client, gateway, [crossing("x", c["epc"], "out", T0, door="door-nowhere")])
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "events[0].door"
    assert snapshot() == before


def test_a_device_may_only_report_on_its_own_doors(
    api: Api, client: TestClient, gateway: Gateway, snapshot: Callable[[], Any]
) -> None:
    c = received(api)
    before = snapshot()
    r = post(
        client,
        gateway,
        [
            crossing("mine", c["epc"], "out", T0),
            crossing("theirs", c["epc"], "out", T0, door="door-exit"),
            {"event_id": "r", "kind": "reader", "at": T0.isoformat(), "reader": "door-exit-in"},
        ],
    )
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "device_scope"
    assert [p["field"] for p in err["problems"]] == ["events[1].door", "events[2].reader"]
    assert snapshot() == before
    ok = post(
        client,
        gateway,
        [
            {
                "event_id": "s",
                "kind": "safe",
                "at": T0.isoformat(),
                "code": c["epc"],
                "safe": "safe-s1",
            }
        ],
    )
    assert ok.status_code == 200


def test_batches_are_bounded_and_users_cannot_post(
    api: Api, client: TestClient, gateway: Gateway, auth
) -> None:  # type: ignore[no-untyped-def]
    c = received(api)
    big = [crossing(f"e{i}", c["epc"], "out", T0) for i in range(1001)]
    r = post(client, gateway, big)
    assert r.status_code == 422 and r.json()["error"]["field"] == "events"
    r = client.post("/api/v1/events", json={"events": big[:1]}, headers=auth("oscar"))
    assert r.status_code == 403


def test_unknown_tags_raise_one_alert(client: TestClient, gateway: Gateway, api: Api) -> None:
    tag = "E28011700000020ABCDEF012"
    r = post(
        client,
        gateway,
        [crossing(f"u{i}", tag, "out", T0 + timedelta(seconds=i)) for i in range(5)],
    )
    assert r.status_code == 200 and r.json()["results"][0]["note"] == "unknown tag"
    alerts = api.ok("carol", "GET", "/api/v1/alerts")["items"]
    assert [(a["type"], a["count"]) for a in alerts] == [("unknown_tag", 5)]


def test_a_smaller_batch_limit_is_honoured(
    api: Api, svc: Services, settings, gateway: Gateway
) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    small = create_app(svc, settings.model_copy(update={"max_batch": 2}))
    c = received(api)
    with TestClient(small) as client:
        r = post(client, gateway, [crossing(f"m{i}", c["epc"], "out", T0) for i in range(3)])
        assert r.status_code == 422 and r.json()["error"]["field"] == "events"
        assert post(client, gateway, [crossing("m9", c["epc"], "out", T0)]).status_code == 200
    metrics = api.call("oscar", "GET", "/metrics").text
    assert "tracker_ingest_events_total" in metrics
