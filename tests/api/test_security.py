"""The holes an attacker's review found (issue 10), one test each: event-id squatting,
fabricated privileged people, HTTP Basic without throttling, the lockout as a weapon,
time travel, protective headers, oversized bodies, wrong ``Allow`` headers, tokens that
outlive a password change, and taking oneself off post. Titles in logs and file modes
are in ``test_logs.py`` and ``tests/store/test_file_modes.py``."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from tests.api.conftest import SECRET, Api, Gateway, password, received
from tests.api.test_ingest import crossing, movements, post
from tests.factories import T0
from tracker.domain.clock import ManualClock
from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import EntryFilter
from tracker.domain.model import AlertType
from tracker.gateway.sinks import HttpSink
from tracker.services import accounts, adminlog
from tracker.services.base import Services
from tracker.services.movement import Observation


def at(client: TestClient | FastAPI, address: str) -> TestClient:
    """A client calling from ``address``."""
    app = client.app if isinstance(client, TestClient) else client
    return TestClient(app, client=(address, 40000))  # type: ignore[arg-type]


def token(c: TestClient, user: str, pw: str) -> Any:
    return c.post("/api/v1/auth/token", data={"username": user, "password": pw})


# --- 1. event-id squatting ----------------------------------------------------------


def test_1_an_event_id_belongs_to_its_device(
    api: Api, client: TestClient, gateway: Gateway, svc: Services
) -> None:
    c = received(api, scope_people=["alice"])
    _, other = accounts.create_device(svc, "cli:test", "gw-exit", ["door-exit"])
    squatter = Gateway("gw-exit", other)
    reader = {"event_id": "X", "kind": "reader", "at": T0.isoformat(), "reader": "door-exit-in"}
    assert post(client, squatter, [reader]).status_code == 200
    real = post(client, gateway, [crossing("X", c["epc"], "out", T0)])
    assert real.status_code == 200 and real.headers["X-Duplicates"] == "0"
    assert real.json()["results"][0]["movement"] is not None and movements(svc) == 1
    assert api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")["location"] == "corridor"


def test_1_the_same_id_with_other_content_is_a_409_naming_it(
    api: Api, client: TestClient, gateway: Gateway, svc: Services
) -> None:
    c = received(api, scope_people=["alice"])
    first = crossing("gw1-7", c["epc"], "out", T0)
    assert post(client, gateway, [first]).status_code == 200
    again = post(client, gateway, [first])
    assert again.status_code == 200 and again.headers["X-Duplicates"] == "1"
    other = crossing("gw1-7", c["epc"], "in", T0 + timedelta(seconds=5))
    r = post(client, gateway, [other])
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "event_id_reused" and "gw1-7" in err["message"]
    # Within one batch too, and nothing of the batch is recorded.
    before = movements(svc)
    r = post(
        client,
        gateway,
        [
            crossing("gw1-8", c["epc"], "in", T0 + timedelta(seconds=9)),
            crossing("gw1-8", c["epc"], "out", T0 + timedelta(seconds=10)),
        ],
    )
    assert r.status_code == 409 and r.json()["error"]["field"] == "events[1].event_id"
    assert "gw1-8" in r.json()["error"]["message"] and movements(svc) == before
    # An id used in an earlier batch, reused in a later one beside a new event: the
    # answer names the item, and the new event is not recorded either.
    r = post(
        client,
        gateway,
        [
            crossing("gw1-9", c["epc"], "in", T0 + timedelta(seconds=20)),
            crossing("gw1-7", c["epc"], "in", T0 + timedelta(seconds=21)),
        ],
    )
    assert r.status_code == 409 and r.json()["error"]["field"] == "events[1].event_id"
    assert "gw1-7" in r.json()["error"]["message"] and movements(svc) == before


# --- 2. self-approval by fabrication ------------------------------------------------


def test_2_privileged_roles_are_granted_only_by_the_security_administrator(api: Api) -> None:
    fake = {"id": "boss", "name": "假领导", "clearance": "core", "role": "approver"}
    for who in ("carol", "oscar", "ann", "sysadmin", "auditor"):
        api.refused(who, "POST", "/api/v1/people", 403, json=fake)
        api.refused(who, "PATCH", "/api/v1/people/alice", 403, json={"role": "officer"})
    assert api.ok("secadmin", "POST", "/api/v1/people", json=fake)["role"] == "approver"
    err = api.refused("secadmin", "PATCH", "/api/v1/people/secadmin", 403, json={"role": "staff"})
    assert "own" in err["message"]
    err = api.refused(
        "secadmin", "PATCH", "/api/v1/people/sysadmin", 409, json={"role": "security_auditor"}
    )
    assert err["rule"] == "SoD" and "system_admin" in err["message"]


def test_2_a_handover_names_no_approver(api: Api) -> None:
    c = received(api, scope_people=["alice"])
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "阅办"},
    )
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={})
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    body = {"from_person": "alice", "to_person": "bob", "serials": [c["serial"]]}
    # A custodian typing an approver's name widens nobody's scope.
    err = api.refused("carol", "POST", "/api/v1/handovers", 422, json={**body, "approver": "ann"})
    assert err["field"] == "approver"
    err = api.refused("carol", "POST", "/api/v1/handovers", 409, json=body)
    assert err["rule"] == "R12" and f"/api/v1/carriers/{c['serial']}/scope" in err["message"]
    api.ok(
        "ann",
        "POST",
        f"/api/v1/carriers/{c['serial']}/scope",
        json={"people": ["bob"], "reason": "接替"},
    )
    assert api.ok("carol", "POST", "/api/v1/handovers", json=body)["to_person"] == "bob"


# --- 3. and 4. throttled logins -----------------------------------------------------


def test_3_http_basic_is_throttled_like_the_token_endpoint(client: TestClient) -> None:
    wrong = base64.b64encode(b"bob:wrong-guess").decode()
    statuses = [
        client.get("/openapi.json", headers={"Authorization": f"Basic {wrong}"}).status_code
        for _ in range(20)
    ]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    right = base64.b64encode(f"bob:{password('bob')}".encode()).decode()
    r = client.get("/openapi.json", headers={"Authorization": f"Basic {right}"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert token(client, "bob", password("bob")).status_code == 429  # the same answer


def test_4_throttled_per_name_and_address_with_growing_delays(
    client: TestClient, app: FastAPI, clock: ManualClock, svc: Services, settings: ApiSettings
) -> None:
    attacker, home = at(client, "10.0.0.66"), at(client, "10.0.0.7")
    assert [token(attacker, "carol", "guess-1234").status_code for _ in range(5)] == [401] * 5
    r = token(attacker, "CAROL", password("carol"))  # the name is folded into one bucket
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert token(home, "carol", password("carol")).status_code == 200  # the real user
    # A second server on the same database refuses the attacker as well.
    second = at(create_app(svc, settings), "10.0.0.66")
    assert token(second, "carol", password("carol")).status_code == 429
    waits, wait = [], 1
    for _ in range(4):
        clock.advance(timedelta(seconds=wait))  # the wait is over: one more guess
        assert token(attacker, "carol", "guess-again").status_code == 401
        r = token(attacker, "carol", "guess-again")
        assert r.status_code == 429
        wait = int(r.headers["Retry-After"])
        waits.append(wait)
    assert waits == [2, 4, 8, 16]  # doubling delays
    clock.advance(timedelta(seconds=waits[-1]))
    assert token(attacker, "carol", password("carol")).status_code == 200


def test_4_a_burst_of_failures_is_an_alert_to_the_secrecy_officer(
    client: TestClient, svc: Services
) -> None:
    for i in range(10):  # ten addresses, one guess each: no address is ever held up
        assert token(at(client, f"10.9.0.{i}"), "ann", "guess-xyz").status_code == 401
    with svc.read() as uow:
        alerts = uow.alerts.find(type=AlertType.LOGIN_FAILURES)
        told = uow.notifications.find(recipient="person:oscar")
    assert len(alerts) == 1 and alerts[0].subject == "ann"
    assert "10 failed logins" in alerts[0].details["message"]
    assert any(alerts[0].id in n.alerts for n in told)
    assert "guess-xyz" not in repr(alerts[0].details)


# --- 5. time travel -----------------------------------------------------------------


def test_5_events_too_far_ahead_or_too_old_are_refused_naming_the_limit(
    api: Api, client: TestClient, gateway: Gateway, svc: Services
) -> None:
    c = received(api, scope_people=["alice"])
    ahead = post(
        client, gateway, [crossing("ev-future", c["epc"], "out", T0 + timedelta(days=365))]
    )
    assert ahead.status_code == 422
    problem = ahead.json()["error"]["problems"][0]
    assert problem["field"] == "events[0].at" and "ev-future" in problem["message"]
    assert "5 min" in problem["message"]
    old = post(client, gateway, [crossing("ev-old", c["epc"], "out", T0 - timedelta(days=8))])
    assert old.status_code == 422 and "7 d" in old.json()["error"]["problems"][0]["message"]
    assert movements(svc) == 0
    # A clock a little ahead is fine, and the carrier keeps following real crossings.
    ok = post(client, gateway, [crossing("ev-1", c["epc"], "out", T0 + timedelta(minutes=4))])
    assert ok.status_code == 200
    assert api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")["location"] == "corridor"


def test_5_and_9_the_limits_are_configured_from_the_environment(
    api: Api,
    svc: Services,
    gateway: Gateway,
    settings: ApiSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = received(api, scope_people=["alice"])
    monkeypatch.setenv("TRACKER_EVENT_MAX_AHEAD_SECONDS", "60")
    monkeypatch.setenv("TRACKER_EVENT_MAX_AGE_HOURS", "1")
    monkeypatch.setenv("TRACKER_MAX_BODY_BYTES", "4096")
    configured = ApiSettings(
        **settings.model_dump(
            exclude={"event_max_ahead_seconds", "event_max_age_hours", "max_body_bytes"}
        )
    )
    with TestClient(create_app(svc, configured)) as tight:
        ahead = post(
            tight, gateway, [crossing("ev-2m", c["epc"], "out", T0 + timedelta(minutes=2))]
        )
        assert ahead.status_code == 422
        assert "ev-2m" in ahead.text and "1 min" in ahead.json()["error"]["problems"][0]["message"]
        old = post(tight, gateway, [crossing("ev-2h", c["epc"], "out", T0 - timedelta(hours=2))])
        assert old.status_code == 422
        assert "ev-2h" in old.text and "1 h" in old.json()["error"]["problems"][0]["message"]
        big = tight.post(
            "/api/v1/events",
            content=b'{"events": [' + b" " * 5000 + b"]}",
            headers={**gateway.headers, "Content-Type": "application/json"},
        )
        assert big.status_code == 413
        ok = post(tight, gateway, [crossing("ev-30s", c["epc"], "out", T0 + timedelta(seconds=30))])
        assert ok.status_code == 200
    assert movements(svc) == 1


# --- 8. protective headers ----------------------------------------------------------


def test_8_data_answers_carry_protective_headers(api: Api) -> None:
    for path in ("/api/v1/carriers", "/api/v1/nowhere", "/healthz"):
        r = api.call("carol", "GET", path)
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "server" not in r.headers


# --- 9. smaller holes ---------------------------------------------------------------


def test_9_oversized_bodies_are_refused_before_they_are_read(
    client: TestClient, gateway: Gateway
) -> None:
    big = b'{"events": [' + b" " * (2 * 1024 * 1024) + b"]}"
    r = client.post(
        "/api/v1/events",
        content=big,
        headers={**gateway.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Any:  # no Content-Length: the limit is counted as the body arrives
        for _ in range(40):
            yield b" " * 65536

    r = client.post(
        "/api/v1/events",
        content=chunks(),
        headers={**gateway.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_9_allow_names_every_method_of_the_path(client: TestClient) -> None:
    # Every path of the role table, as a client would spell it: a method it does not
    # answer gets 405 and an ``Allow`` listing exactly the methods some route answers at
    # that URL (``/borrows/overdue`` also matches ``/borrows/{borrow_id}``).
    from tests.api.test_roles import ROLES

    def pattern(template: str) -> re.Pattern[str]:
        return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))

    templates: dict[str, set[str]] = {}
    for method, path in ROLES:
        templates.setdefault(path, set()).add(method)
    for template in templates:
        url = re.sub(r"\{[^}]+\}", "X-1", template)
        expected = set().union(*(m for t, m in templates.items() if pattern(t).fullmatch(url)))
        for verb in sorted({"OPTIONS", "DELETE", "PUT", "PATCH", "POST"} - expected):
            r = client.request(verb, url)
            assert r.status_code == 405, (verb, url, r.status_code)
            allowed = {m.strip() for m in r.headers["Allow"].split(",")}
            assert allowed == expected, (verb, url, allowed, expected)


def test_9_a_password_change_or_logout_ends_earlier_tokens(
    client: TestClient, svc: Services, settings: ApiSettings
) -> None:
    from api.security import Argon2Hasher

    t = token(client, "dave", password("dave")).json()["access_token"]
    h = {"Authorization": f"Bearer {t}"}
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    accounts.set_password(
        svc, "cli:test", "dave", "a-new-password", Argon2Hasher.from_settings(settings)
    )
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    t = token(client, "dave", "a-new-password").json()["access_token"]
    h = {"Authorization": f"Bearer {t}"}
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_9_nobody_takes_themselves_off_post(api: Api) -> None:
    for who in ("carol", "oscar", "bob"):
        api.refused(who, "POST", f"/api/v1/people/{who}/leave", 403, json={})
    err = api.refused("secadmin", "POST", "/api/v1/people/secadmin/leave", 403, json={})
    assert "themselves" in err["message"]
    assert api.ok("secadmin", "POST", "/api/v1/people/bob/leave", json={})["active"] is False


# --- the administrators' own routes -------------------------------------------------


def test_logins_are_managed_by_the_security_administrator(api: Api, client: TestClient) -> None:
    api.ok(
        "secadmin",
        "POST",
        "/api/v1/people",
        json={"id": "zoe", "name": "新人", "clearance": "general", "department": "policy"},
    )
    made = api.ok(
        "secadmin",
        "POST",
        "/api/v1/users",
        json={"username": "zoe", "person": "zoe", "password": "zoe-first-pass"},
    )
    assert (made["username"], made["person"], made["active"]) == ("zoe", "zoe", True)
    assert set(made) == {
        "username",
        "person",
        "active",
        "created_at",
        "created_by",
        "password_changed_at",
    }
    first = token(client, "zoe", "zoe-first-pass").json()["access_token"]
    api.ok("secadmin", "POST", "/api/v1/users/zoe/password", json={"password": "zoe-2nd-pass"})
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code
        == 401
    )
    api.ok("secadmin", "POST", "/api/v1/users/zoe/disable")
    assert token(client, "zoe", "zoe-2nd-pass").status_code == 401
    api.ok("secadmin", "POST", "/api/v1/users/zoe/enable")
    # The try while disabled was a failure too: four more make five.
    assert [token(client, "zoe", "wrong-pass-1").status_code for _ in range(4)] == [401] * 4
    assert token(client, "zoe", "zoe-2nd-pass").status_code == 429
    assert api.ok("secadmin", "POST", "/api/v1/users/zoe/unlock")["addresses"] == 1
    assert token(client, "zoe", "zoe-2nd-pass").status_code == 200
    users = api.ok("secadmin", "GET", "/api/v1/users?limit=500")
    assert "zoe" in {u["username"] for u in users["items"]}
    assert all("hash" not in k for u in users["items"] for k in u)


def test_devices_are_managed_by_the_system_administrator(
    api: Api, client: TestClient, svc: Services
) -> None:
    made = api.ok(
        "sysadmin", "POST", "/api/v1/devices", json={"id": "gw-2", "places": ["door-exit"]}
    )
    gw = Gateway("gw-2", made["token"])
    assert client.get("/api/v1/auth/me", headers=gw.headers).json()["role"] == "device"
    new = api.ok("sysadmin", "POST", "/api/v1/devices/gw-2/rotate")["token"]
    assert client.get("/api/v1/auth/me", headers=gw.headers).status_code == 401
    api.ok("sysadmin", "POST", "/api/v1/devices/gw-2/revoke")
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    )
    listed = api.ok("sysadmin", "GET", "/api/v1/devices")
    assert [d["id"] for d in listed] == ["gw-2"] and "token" not in listed[0]
    err = api.refused(
        "sysadmin", "POST", "/api/v1/devices", 422, json={"id": "gw-3", "places": ["attic"]}
    )
    assert "attic" in err["message"]


def test_the_auditor_reads_the_administration_log_paged_and_filtered(
    api: Api, client: TestClient, clock: ManualClock
) -> None:
    far = at(client, "10.3.3.3")
    assert token(far, "bob", "not-bobs-password").status_code == 401
    assert token(far, "bob", password("bob")).status_code == 200
    assert token(far, "secadmin", password("secadmin")).status_code == 200
    clock.advance(timedelta(hours=1))
    api.ok("secadmin", "POST", "/api/v1/users/bob/unlock")
    log = "/api/v1/audit/admin-log"
    bob = api.ok("auditor", "GET", log, params={"actor": "bob"})
    assert [e["action"] for e in bob["items"]] == ["login", "login_failed"]  # newest first
    assert all(e["data"]["client"] == "10.3.3.3" for e in bob["items"])
    failed = api.ok("auditor", "GET", log, params={"action": ["login_failed", "login_refused"]})
    assert failed["total"] == 1 and failed["items"][0]["actor"] == "bob"
    later = api.ok(
        "auditor", "GET", log, params={"since": (T0 + timedelta(minutes=30)).isoformat()}
    )
    assert [e["action"] for e in later["items"]] == ["unlock"]
    window = {"since": T0.isoformat(), "until": (T0 + timedelta(minutes=30)).isoformat()}
    early = api.ok("auditor", "GET", log, params={**window, "actor": "bob", "limit": 1})
    assert early["total"] == 2 and early["items"][0]["action"] == "login"
    assert api.ok("auditor", "GET", log, params={**window, "action": "unlock"})["total"] == 0
    everything = api.ok("auditor", "GET", log, params={"limit": 2, "offset": 1})
    assert len(everything["items"]) == 2 and everything["total"] > 20
    assert everything["items"][0]["seq"] == everything["total"] - 1
    # The security administrator reviews the ordinary users' logins, not the
    # administrators' own doings (that is the auditor's).
    review = api.ok("secadmin", "GET", log, params={"limit": 1000})
    assert {e["actor"] for e in review["items"]} == {"bob"}
    assert {e["action"] for e in review["items"]} == {"login", "login_failed"}
    assert api.ok("secadmin", "GET", log, params={"action": "unlock"})["total"] == 0
    v = api.ok("auditor", "GET", f"{log}/verify")
    head = api.ok("auditor", "GET", f"{log}/head")
    assert v["ok"] and v["entries"] == head["count"] == everything["total"]


def test_the_security_administrator_reviews_the_users_logins_logouts_and_exports(
    api: Api, client: TestClient
) -> None:
    received(api)
    issued = token(client, "bob", password("bob")).json()["access_token"]
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {issued}"})
    api.ok("carol", "GET", "/api/v1/epcis/events", params={"perPage": 1})
    api.ok("sysadmin", "POST", "/api/v1/devices", json={"id": "gw-7", "places": ["door-exit"]})
    assert token(client, "sysadmin", password("sysadmin")).status_code == 200
    review = api.ok("secadmin", "GET", "/api/v1/audit/admin-log", params={"limit": 1000})
    assert sorted((e["actor"], e["action"]) for e in review["items"]) == [
        ("bob", "login"),
        ("bob", "logout"),
        ("carol", "export"),
    ]


def test_a_server_started_with_other_settings_is_in_the_administration_log(
    svc: Services, settings: ApiSettings
) -> None:
    def started(s: ApiSettings) -> list[dict[str, Any]]:
        with TestClient(create_app(svc, s)):
            pass
        page = adminlog.find(svc, EntryFilter(actions=frozenset({"setting_change"})))
        return [e.data for e in page.entries]

    (first,) = started(settings)
    assert first["settings"]["token_minutes"] == 15.0
    assert "secret_key" not in first["settings"]  # never the signing secret
    assert SECRET not in json.dumps(first, ensure_ascii=False)
    assert len(started(settings)) == 1  # the same settings again: nothing new
    latest = started(settings.model_copy(update={"token_minutes": 5.0}))[0]
    assert latest["changed"] == {"token_minutes": [15.0, 5.0]}


def test_every_export_is_in_the_administration_log(api: Api) -> None:
    received(api)
    api.ok("carol", "GET", "/api/v1/epcis/events", params={"perPage": 1})
    (entry,) = api.ok("auditor", "GET", "/api/v1/audit/admin-log", params={"action": "export"})[
        "items"
    ]
    assert entry["actor"] == "carol" and entry["data"]["export"] == "epcis"
    assert entry["data"]["events"] == 1 and entry["data"]["more"] is True


def test_the_administrators_see_no_title(api: Api) -> None:
    c = received(api, scope_people=["alice"], scope_departments=["security", "it", "audit"])
    b = api.ok(
        "alice",
        "POST",
        "/api/v1/borrows",
        json={"serial": c["serial"], "destination": "reading", "purpose": "阅办"},
    )
    api.ok("ann", "POST", f"/api/v1/borrows/{b['id']}/approve", json={})
    api.ok("carol", "POST", f"/api/v1/borrows/{b['id']}/check-out")
    # The security administrator checks what alice holds before she leaves her post: the
    # serial, never the title - even with the administrators' departments in its scope.
    (held,) = api.ok("secadmin", "GET", "/api/v1/people/alice/holdings")
    assert held["serial"] == c["serial"] and held["restricted"] is True
    assert held["title"] is None
    for who in ("sysadmin", "secadmin", "auditor"):
        api.refused(who, "GET", f"/api/v1/carriers/{c['serial']}", 403)
        api.refused(who, "GET", "/api/v1/carriers", 403, params={"q": c["serial"]})


def test_1_a_gateway_buries_a_reused_event_id_instead_of_retrying_forever(
    served: str, api: Api, gateway: Gateway
) -> None:
    c = received(api, scope_people=["alice"])
    sink = HttpSink(served, gateway.token)
    first = Observation("gw-9", "crossing", T0, c["epc"], "door-secure", "out")
    sink.send([first])
    sink.send([first])  # a retry after a lost answer: the same event, accepted again
    reused = Observation(
        "gw-9", "crossing", T0 + timedelta(seconds=5), c["epc"], "door-secure", "in"
    )
    with pytest.raises(InvalidInput, match="event_id_reused"):  # permanent: the outbox buries it
        sink.send([reused])
