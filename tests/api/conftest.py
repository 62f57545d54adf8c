"""The real app on a real database (SQLite and PostgreSQL), with the example site, the
service tests' cast of people, a login for each, and a gateway device for the secure
room's door and first safe. Passwords are hashed with a cheap argon2 setting so set-up
stays fast; the password flow itself is exercised in ``test_auth.py``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import server
from api.app import create_app
from api.security import Argon2Hasher
from api.settings import ApiSettings
from tests.services.conftest import ADMINS, CAST, clock, item, receive_one, snapshot, svc
from tracker.services import accounts
from tracker.services.base import Services

__all__ = ["clock", "item", "receive_one", "snapshot", "svc"]

SECRET = "test-secret-key-0123456789abcdef0123456789"


def password(pid: str) -> str:
    """The test password of ``pid``."""
    return f"pw-{pid}-correct-horse"


@pytest.fixture
def settings(tmp_path: Any) -> ApiSettings:
    return ApiSettings(
        secret_key=SECRET,
        secret_key_file=tmp_path / "secret.key",
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        stream_heartbeat=0.2,
    )


class Gateway:
    """The test device and its token."""

    def __init__(self, device_id: str, token: str) -> None:
        self.id = device_id
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def app(svc: Services, settings: ApiSettings) -> FastAPI:
    hasher = Argon2Hasher.from_settings(settings)
    for pid, *_ in CAST + ADMINS:
        accounts.create_user(svc, "cli:test", pid, pid, password(pid), hasher)
    return create_app(svc, settings)


@pytest.fixture
def gateway(svc: Services, app: FastAPI) -> Gateway:
    _, token = accounts.create_device(svc, "cli:test", "gw-secure", ["door-secure", "safe-s1"])
    return Gateway("gw-secure", token)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def auth(app: FastAPI) -> Callable[[str], dict[str, str]]:
    """``auth(pid)``: headers with a fresh access token for ``pid``."""
    issuer = app.state.ctx.issuer

    def headers(pid: str, lang: str = "en") -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(pid).token}", "Accept-Language": lang}

    return headers


class Api:
    """Calls as a given person; ``ok`` asserts a 2xx answer and returns the JSON."""

    def __init__(self, client: TestClient, headers: Callable[..., dict[str, str]]) -> None:
        self.client = client
        self.headers = headers

    def call(self, who: str, method: str, path: str, lang: str = "en", **kw: Any) -> Any:
        return self.client.request(method, path, headers=self.headers(who, lang), **kw)

    def ok(self, who: str, method: str, path: str, **kw: Any) -> Any:
        r = self.call(who, method, path, **kw)
        assert 200 <= r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json()

    def refused(self, who: str, method: str, path: str, status: int, **kw: Any) -> dict[str, Any]:
        r = self.call(who, method, path, **kw)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        error: dict[str, Any] = r.json()["error"]
        return error


@pytest.fixture
def api(client: TestClient, auth: Callable[..., dict[str, str]]) -> Api:
    return Api(client, auth)


TITLE = "关于某绝密项目的请示"


def receipt(level: str = "secret", **kw: Any) -> dict[str, Any]:
    """A receive request for one carrier (homed in the secure room's first safe, scope:
    the policy department) with :data:`TITLE`."""
    one: dict[str, Any] = {
        "title": TITLE,
        "medium": "paper",
        "level": level,
        "period": "none" if level == "internal" else "10y",
        "classified_on": "2026-11-20",
        "issuing_authority": "某部办公厅",
        "home_room": "secure",
        "home_safe": "safe-s1",
        "copy_number": 1,
        "total_copies": 3,
        "pages": 12,
        "scope_departments": ["policy"],
    }
    one.update(kw)
    return {"items": [one], "declared_count": 1, "received_from": "某部机要局"}


def received(api: Api, level: str = "secret", store: bool = True, **kw: Any) -> dict[str, Any]:
    """Receive one carrier as carol (and put it in its safe); returns its view."""
    c: dict[str, Any] = api.ok("carol", "POST", "/api/v1/carriers", json=receipt(level, **kw))[
        "carriers"
    ][0]
    if store:
        c = api.ok("carol", "POST", f"/api/v1/carriers/{c['serial']}/store", json={})
    return c


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a real uvicorn server configured as ``tracker serve`` does."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(server.config(app, "127.0.0.1", port, "debug"))
    t = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(5)
        sock.close()
