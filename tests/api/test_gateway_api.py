"""The gateway's side of the API: the authorization table for its own doors, alarms
posted through the event ingest with the door camera's stills, the stills listed and
fetched with the alert's need-to-know, their SHA-256 as in the register."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np

from drivers.camera.stills import encode_jpeg
from tests.api.conftest import received
from tracker.services import alarms, authz


def jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return encode_jpeg(rng.integers(0, 255, (48, 64), dtype=np.uint8))


def test_the_table_lists_the_devices_own_doors_and_who_may_not_leave(api, client, gateway) -> None:  # type: ignore[no-untyped-def]
    top = received(api, "top_secret")
    secret = received(api, "secret")
    r = client.get("/api/v1/gateway/table", headers=gateway.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body["doors"]) == {"door-secure"}  # gw-secure's only door
    door = body["doors"]["door-secure"]
    assert door["outer"] == "corridor" and door["default"] == {"allowed": True}
    assert door["carriers"][top["epc"]] == {"allowed": False, "rule": "R2"}
    assert secret["epc"] not in door["carriers"] and secret["epc"] in body["known"]
    version = body["version"]
    assert client.get("/api/v1/gateway/table", headers=gateway.headers).json()["version"] == version
    received(api, "top_secret")  # a change of content is a new version
    svc = api.client.app.state.ctx.services
    assert authz.current(svc).version == version + 1


def test_an_alarm_with_stills_keeps_them_with_the_alert_and_their_hash_in_the_register(
    api, client, gateway
) -> None:  # type: ignore[no-untyped-def]
    top = received(api, "top_secret", scope_people=["alice"])
    images = [jpeg(i) for i in range(3)]
    event = {
        "event_id": "gw-secure:alarm:1",
        "kind": "alarm",
        "at": datetime(2026, 11, 24, 2, 0, tzinfo=UTC).isoformat(),
        "code": top["epc"],
        "door": "door-secure",
        "stills": [
            alarms.encode_still(off, img) for off, img in zip((-0.4, 0, 0.4), images, strict=True)
        ],
        "table_version": 3,
    }
    r = client.post("/api/v1/events", json={"events": [event]}, headers=gateway.headers)
    assert r.status_code == 200, r.text
    (alert_id,) = r.json()["results"][0]["alerts"]
    listed = api.ok("carol", "GET", f"/api/v1/alerts/{alert_id}/stills")["items"]
    assert [s["offset"] for s in listed] == [-0.4, 0.0, 0.4]
    for s, img in zip(listed, images, strict=True):
        got = client.get(s["url"], headers=api.headers("carol"))
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert got.content == img and hashlib.sha256(got.content).hexdigest() == s["sha256"]
    history = api.ok("carol", "GET", f"/api/v1/carriers/{top['serial']}/history")
    entries = history["entries"]
    (entry,) = [e for e in entries if e["action"] == "alarm"]
    assert [x["sha256"] for x in entry["data"]["stills"]] == [s["sha256"] for s in listed]
    # Staff outside the carrier's scope see neither the alert nor its stills.
    api.refused("bob", "GET", f"/api/v1/alerts/{alert_id}/stills", 404)
    assert client.get(listed[0]["url"], headers=api.headers("bob")).status_code == 404
    # The same batch again records nothing new.
    again = client.post("/api/v1/events", json={"events": [event]}, headers=gateway.headers)
    assert again.headers["X-Duplicates"] == "1"
    assert len(api.ok("carol", "GET", f"/api/v1/alerts/{alert_id}/stills")["items"]) == 3


def test_a_still_that_is_not_a_jpeg_rejects_the_batch(api, client, gateway) -> None:  # type: ignore[no-untyped-def]
    top = received(api, "top_secret")
    event = {
        "event_id": "gw-secure:alarm:2",
        "kind": "alarm",
        "at": "2026-11-24T02:00:00+00:00",
        "code": top["epc"],
        "door": "door-secure",
        "stills": ["0:aGVsbG8="],
    }
    r = client.post("/api/v1/events", json={"events": [event]}, headers=gateway.headers)
    assert r.status_code == 422 and "stills" in r.text


def test_an_alarm_at_another_devices_door_is_refused(api, client, gateway) -> None:  # type: ignore[no-untyped-def]
    event = {
        "event_id": "gw-secure:alarm:3",
        "kind": "alarm",
        "at": "2026-11-24T02:00:00+00:00",
        "code": "3414257BF400000000000001",
        "door": "door-exit",
    }
    r = client.post("/api/v1/events", json={"events": [event]}, headers=gateway.headers)
    assert r.status_code == 403
