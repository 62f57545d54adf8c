"""Property-based tests over the OpenAPI document (schemathesis): for every operation,
generated requests — authenticated with a real token from the password flow — never get
a 5xx, and every answer matches the documented status codes, content types and schemas.

Bounded for the suite: one SQLite database for the module, a few examples per operation.
The live stream is left out (an admitted stream never ends; see test_stream.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.security import Argon2Hasher
from api.settings import ApiSettings
from tests.api.conftest import SECRET, password, receipt
from tests.factories import T0
from tests.services.conftest import CAST, EXAMPLE
from tracker.config import load_site
from tracker.domain.clock import ManualClock
from tracker.domain.model import BadgeKind
from tracker.services import accounts, people, site
from tracker.services.base import Services
from tracker.store.db import make_engine
from tracker.store.uow import SqlUnitOfWork

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


class Fuzzed:
    """The app under test and the credentials to call it with."""

    def __init__(self, app: FastAPI, user_token: str, device_token: str) -> None:
        self.app = app
        self.user = {"Authorization": f"Bearer {user_token}"}
        self.device = {"Authorization": f"Bearer {device_token}"}


@pytest.fixture(scope="module")
def fuzzed(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    path = tmp_path_factory.mktemp("fuzz") / "tracker.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    key = b"k" * 32
    svc = Services(
        lambda: SqlUnitOfWork(engine, key),
        ManualClock(T0),
        load_site(EXAMPLE),
        read_factory=lambda: SqlUnitOfWork(engine, key, write=False),
    )
    site.apply_site(svc, "cli:test", svc.site, EXAMPLE.read_text(encoding="utf-8"))
    cfg = ApiSettings(
        secret_key=SECRET, argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1
    )
    hasher = Argon2Hasher.from_settings(cfg)
    for pid, name, dept, clr, role, badge in CAST:
        people.add_person(svc, "cli:test", pid, name, dept, clr, role)
        people.add_badge(svc, "cli:test", pid, badge, BadgeKind.EM4100)
        accounts.create_user(svc, "cli:test", pid, pid, password(pid), hasher)
    _, device_token = accounts.create_device(svc, "cli:test", "gw", ["door-secure", "safe-s1"])
    app = create_app(svc, cfg)
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/token", data={"username": "oscar", "password": password("oscar")})
        token = r.json()["access_token"]
        for _ in range(3):
            c.post("/api/v1/carriers", json=receipt(), headers={"Authorization": f"Bearer {token}"})
    yield Fuzzed(app, token, device_token)
    engine.dispose()


def _document() -> dict[str, Any]:
    # The OpenAPI document depends only on the code, so an app without a database gives
    # it at collection time; requests go to the real app of the ``fuzzed`` fixture.
    bare = Services(lambda: None, ManualClock(T0), load_site(EXAMPLE))  # type: ignore[arg-type, return-value]
    doc: dict[str, Any] = create_app(bare, ApiSettings(secret_key=SECRET)).openapi()
    return doc


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_answers_match_the_schema(case: Any, fuzzed: Fuzzed) -> None:
    if case.path == "/api/v1/stream":
        pytest.skip("an admitted stream never ends")
    if case.path == "/api/v1/auth/logout":
        pytest.skip("it would end the token every other case uses (see test_security.py)")
    headers = fuzzed.device if case.path == "/api/v1/events" else fuzzed.user
    case.call_and_validate(app=fuzzed.app, headers=headers, checks=CHECKS)
