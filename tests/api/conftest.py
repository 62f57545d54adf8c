"""The real app on a real database (SQLite and PostgreSQL), with the example site, the
service tests' cast of people, a login for each, and a gateway device for the secure
room's door and first safe. Passwords are hashed with a cheap argon2 setting so set-up
stays fast; the password flow itself is exercised in ``test_auth.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import Argon2Hasher
from api.settings import ApiSettings
from tests.services.conftest import CAST, clock, item, receive_one, snapshot, svc
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
    for pid, *_ in CAST:
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
