"""One error shape; Chinese by default, English on request; fields and rules named; no
stack trace ever reaches the client; an unreachable database is 503, not 500."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.auth import Principal, Role, RoleGuard
from api.errors import pick_language
from api.settings import ApiSettings
from tests.api.conftest import Api, receipt, received
from tests.services.conftest import EXAMPLE
from tracker.bootstrap import build
from tracker.config import load_site
from tracker.domain.clock import SystemClock
from tracker.services.base import Services
from tracker.store.db import make_engine
from tracker.store.uow import SqlUnitOfWork

OfficerOnly = Annotated[Principal, Depends(RoleGuard((Role.OFFICER,)))]


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en;q=0.5,zh;q=0.9", "zh"),
        ("fr-FR", "zh"),
        ("de, en;q=0.3", "en"),
        ("en;q=abc", "zh"),
    ],
)
def test_language_choice(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang


def test_messages_follow_accept_language(api: Api) -> None:
    body = receipt()
    body["declared_count"] = 3
    zh = api.call("carol", "POST", "/api/v1/carriers", lang="zh", json=body).json()["error"]
    en = api.call("carol", "POST", "/api/v1/carriers", lang="en", json=body).json()["error"]
    assert zh["rule"] == en["rule"] == "R15" and zh["code"] == en["code"] == "rule_violation"
    assert "清点数量" in zh["message"] and "dispatch list" in en["message"]
    assert set(zh) == {"code", "message", "rule", "request_id"}


def test_validation_names_every_field(api: Api) -> None:
    body = receipt()
    body["items"][0]["level"] = "ultra"
    del body["items"][0]["title"]
    body["items"][0]["classified_on"] = "1066-10-14"
    err = api.refused("carol", "POST", "/api/v1/carriers", 422, json=body)
    assert err["code"] == "invalid_input"
    fields = sorted(p["field"] for p in err["problems"])
    assert fields == ["items[0].classified_on", "items[0].level", "items[0].title"]
    err = api.refused("carol", "POST", "/api/v1/carriers", 422, json={**receipt(), "extra": 1})
    assert err["field"] == "extra"
    err = api.refused("carol", "GET", "/api/v1/carriers?limit=0", 422)
    assert err["field"] == "limit"
    err = api.refused("carol", "GET", "/api/v1/carriers/bad%00serial", 422)
    assert err["field"] == "serial"
    period = receipt(period="forever")
    err = api.refused("carol", "POST", "/api/v1/carriers", 422, json=period)
    assert err["field"] == "items[0].period"


def test_routing_errors_share_the_shape(client: TestClient, auth: Any) -> None:
    r = client.get("/api/v1/nothing-here", headers=auth("carol"))
    assert r.status_code in (401, 404)
    r = client.get("/nothing", headers=auth("carol"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/api/v1/carriers", headers=auth("carol"))
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = client.post(
        "/api/v1/carriers",
        content=b"{not json",
        headers={**auth("carol"), "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


def test_not_found_and_conflict(api: Api) -> None:
    err = api.refused("carol", "GET", "/api/v1/carriers/JM-2026-999999", 404)
    assert err["code"] == "not_found" and "JM-2026-999999" in err["message"]
    c = received(api)
    err = api.refused("carol", "POST", f"/api/v1/carriers/{c['serial']}/found", 409, json={})
    assert err["code"] == "conflict"


def test_an_unexpected_error_is_a_500_with_only_a_request_id(
    svc: Services, settings: ApiSettings, caplog: pytest.LogCaptureFixture, app: FastAPI
) -> None:
    app = create_app(svc, settings)  # a fresh app: routes are added below
    boom = APIRouter()

    @boom.get("/boom")
    def explode(me: OfficerOnly) -> None:
        raise ZeroDivisionError("secret internals: /etc/passwd")

    app.include_router(boom)
    issuer = app.state.ctx.issuer
    with TestClient(app) as c, caplog.at_level(logging.ERROR):
        r = c.get("/boom", headers={"Authorization": f"Bearer {issuer.issue('oscar').token}"})
    assert r.status_code == 500
    err = r.json()["error"]
    assert err["code"] == "internal" and err["request_id"] == r.headers["x-request-id"]
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert "ZeroDivisionError" in caplog.text and err["request_id"] in caplog.text


def test_an_unreachable_database_is_503(settings: ApiSettings) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    services = Services(
        lambda: SqlUnitOfWork(engine, b"k" * 32),
        SystemClock(),
        load_site(EXAMPLE),
        read_factory=lambda: SqlUnitOfWork(engine, b"k" * 32, write=False),
    )
    app = create_app(services, settings)
    token = app.state.ctx.issuer.issue("carol").token
    with TestClient(app) as c:
        r = c.get("/api/v1/carriers", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "store_unavailable"
        assert r.headers["Retry-After"]
        h = c.get("/healthz")
        assert h.status_code == 503 and h.json() == {
            "status": "degraded",
            "database": "unavailable",
        }
    engine.dispose()


def test_request_ids_are_echoed_or_made(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert made and made != "bad id\n"


def test_metrics_are_prometheus_text_for_officers(api: Api, client: TestClient, auth: Any) -> None:
    received(api)
    client.get("/api/v1/carriers", headers={"Authorization": "Bearer nope"})
    r = client.get("/metrics", headers=auth("oscar"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    reqs = families["tracker_http_requests"]
    posts = [
        s
        for s in reqs.samples
        if s.labels.get("route") == "/api/v1/carriers" and s.labels["method"] == "POST"
    ]
    assert posts and posts[0].labels["status"] == "201" and posts[0].value == 1
    assert "tracker_http_request_seconds" in families and "tracker_stream_clients" in families
    fails = {
        s.labels["kind"]: s.value
        for s in families["tracker_auth_failures"].samples
        if s.name.endswith("_total")
    }
    assert fails.get("token") == 1
    assert client.get("/metrics", headers=auth("carol")).status_code == 403


def test_build_and_serve_from_the_bootstrap(
    db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_LEDGER_KEY", "ab" * 32)
    built = build(url=db_url, site_file=EXAMPLE)
    app = create_app(built.services, ApiSettings(secret_key="s" * 40))
    with TestClient(app) as c:
        assert c.get("/healthz").json()["status"] == "ok"
    built.engine.dispose()
