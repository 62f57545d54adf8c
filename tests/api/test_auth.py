"""Logging in: the password flow, token lifetime and signature, disabled logins, people
who left their post, device tokens, the secret key file, and the documentation login."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.security import TokenIssuer, load_secret
from api.settings import ApiSettings
from tests.api.conftest import SECRET, Gateway, password
from tracker.services import accounts
from tracker.services.base import Services


def login(client: TestClient, user: str, pw: str) -> dict:  # type: ignore[type-arg]
    r = client.post("/api/v1/auth/token", data={"username": user, "password": pw})
    return {"status": r.status_code, **r.json()}


def test_password_flow_issues_a_short_lived_token_that_works(client: TestClient) -> None:
    out = login(client, "carol", password("carol"))
    assert out["status"] == 200 and out["token_type"] == "bearer"
    assert out["expires_in"] == 15 * 60
    claims = jwt.decode(out["access_token"], SECRET, algorithms=["HS256"], audience="tracker-api")
    assert claims["sub"] == "carol" and claims["exp"] - claims["iat"] == 15 * 60
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {out['access_token']}"})
    assert me.json() == {
        "role": "custodian",
        "name": "carol",
        "person": "carol",
        "person_name": "王机要",
        "device_places": None,
    }


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    a = login(client, "carol", "wrong-password")
    b = login(client, "nobody", "wrong-password")
    assert a["status"] == b["status"] == 401
    assert a["error"]["code"] == b["error"]["code"] == "unauthenticated"
    assert a["error"]["message"] == b["error"]["message"]


def test_expired_or_foreign_tokens_are_refused(client: TestClient) -> None:
    old = TokenIssuer(SECRET.encode(), 15).issue("carol", datetime.now(UTC) - timedelta(hours=1))
    forged = TokenIssuer(b"another-secret-key-0123456789abcdef", 15).issue("carol")
    for token in (old.token, forged.token):
        r = client.get("/api/v1/carriers", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


def test_a_disabled_login_or_a_person_who_left_stops_working_at_once(
    client: TestClient, svc: Services, auth: Callable[..., dict[str, str]]
) -> None:
    h = auth("dave")
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    accounts.set_user_active(svc, "cli:test", "dave", False)
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    assert login(client, "dave", password("dave"))["status"] == 401
    h = auth("erin")
    r = client.post("/api/v1/people/erin/leave", json={}, headers=auth("secadmin"))
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_device_token_identifies_the_device(
    client: TestClient, gateway: Gateway, svc: Services
) -> None:
    me = client.get("/api/v1/auth/me", headers=gateway.headers).json()
    assert me["role"] == "device" and me["device_places"] == ["door-secure", "safe-s1"]
    with svc.read() as uow:
        stored = uow.devices.get("gw-secure")
    assert stored is not None and gateway.token.split(".")[-1] not in stored.token_hash
    _, new = accounts.rotate_device_token(svc, "cli:test", "gw-secure")
    assert client.get("/api/v1/auth/me", headers=gateway.headers).status_code == 401
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    )
    accounts.revoke_device(svc, "cli:test", "gw-secure")
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    )


def test_docs_ask_for_a_login_and_accept_basic_or_bearer(
    client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    r = client.get("/docs")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    basic = base64.b64encode(f"bob:{password('bob')}".encode()).decode()
    page = client.get("/docs", headers={"Authorization": f"Basic {basic}"})
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    js = client.get(
        "/docs/assets/swagger-ui-bundle.js", headers={"Authorization": f"Basic {basic}"}
    )
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text
    assert client.get("/docs/assets/swagger-ui.css").status_code == 401
    wrong = base64.b64encode(b"bob:nope").decode()
    assert client.get("/docs", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    doc = client.get("/openapi.json", headers=auth("bob"))
    assert doc.status_code == 200 and doc.json()["openapi"].startswith("3.")


def test_secret_key_file_is_made_once_with_mode_0600(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "data" / "secret.key"
    settings = ApiSettings(secret_key=None, secret_key_file=path)
    first = load_secret(settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(settings) == first and len(first) >= 32


def test_the_secret_never_appears_in_logs(tmp_path, caplog, svc: Services) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    path = tmp_path / "s.key"
    with caplog.at_level("DEBUG"):
        app: FastAPI = create_app(svc, ApiSettings(secret_key=None, secret_key_file=path))
        with TestClient(app) as c:
            c.get("/healthz")
    secret = path.read_text().strip()
    assert secret not in caplog.text


def test_repeated_wrong_passwords_are_throttled_per_user_name(client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        r = client.post(
            "/api/v1/auth/token", data={"username": "carol", "password": "wrong-guess-x"}
        )
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "carol", "password": password("carol")})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "too_many_attempts"
    ok = client.post("/api/v1/auth/token", data={"username": "ann", "password": password("ann")})
    assert ok.status_code == 200  # other users are not affected
