"""The bearer-token cache (api/principals.py) and the health cache (api/health.py):
what a cached answer may and may not outlive.

A change made by another process (another worker or host, the command line) reaches a
server at the latest when the cache's bound has passed; a change made through the
server's own process applies to the next request. The caches' clocks are set by hand
here, so "the bound has passed" needs no waiting."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.principals import PrincipalCache
from api.settings import ApiSettings
from tests.api.conftest import Gateway, receive_one
from tracker.domain.levels import Level
from tracker.services import accounts, people
from tracker.services.base import Services
from tracker.store.db import make_engine
from tracker.store.uow import SqlUnitOfWork


class HandClock:
    """A monotonic clock moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hand_clock(app: FastAPI) -> HandClock:
    clock = HandClock()
    app.state.ctx.principals.clock = clock
    app.state.ctx.health.clock = clock
    return clock


def another_process(svc: Services) -> Services:
    """The same database through services that count their own account changes, as a
    second worker or the command line would."""
    return dataclasses.replace(svc, admin_changes=0)


def test_the_bound_is_a_second_by_default_and_at_most_five() -> None:
    assert ApiSettings().principal_cache_seconds == 1.0
    assert ApiSettings.model_fields["principal_cache_seconds"].metadata[-1].le == 5


def test_a_login_disabled_by_another_process_is_refused_once_the_bound_has_passed(
    app: FastAPI, client: TestClient, svc: Services, auth: Callable[..., dict[str, str]]
) -> None:
    clock = hand_clock(app)
    bound = app.state.ctx.principals.seconds
    h = auth("dave")
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    accounts.set_user_active(another_process(svc), "cli:test", "dave", False)
    # Within the bound the server may still answer from its last check (documented) ...
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    clock.now += bound
    # ... and not a moment after it.
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    assert client.get("/api/v1/carriers", headers=h).status_code == 401


def test_a_device_revoked_by_another_process_is_refused_once_the_bound_has_passed(
    app: FastAPI, client: TestClient, svc: Services, gateway: Gateway
) -> None:
    clock = hand_clock(app)
    assert client.get("/api/v1/auth/me", headers=gateway.headers).status_code == 200
    accounts.revoke_device(another_process(svc), "cli:test", gateway.id)
    clock.now += app.state.ctx.principals.seconds
    assert client.get("/api/v1/auth/me", headers=gateway.headers).status_code == 401


def test_changes_made_through_this_process_apply_to_the_next_request(
    app: FastAPI, client: TestClient, svc: Services, auth: Callable[..., dict[str, str]]
) -> None:
    hand_clock(app)  # the clock stands still: only the change itself can end the entry
    c = receive_one(svc, Level.SECRET)
    alice = auth("alice")
    seen = client.get(f"/api/v1/carriers/{c.serial}", headers=alice).json()
    assert seen["restricted"] is False and seen["title"] == c.title
    # Moving to a department outside the carrier's knowledge scope takes the title away
    # (R3) at once, though the token is cached.
    people.update_person(svc, "secadmin", "alice", department="finance")
    seen = client.get(f"/api/v1/carriers/{c.serial}", headers=alice).json()
    assert seen["restricted"] is True and seen["title"] is None
    # A logout ends the token at once.
    bob = auth("bob")
    assert client.get("/api/v1/auth/me", headers=bob).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bob).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bob).status_code == 401


def test_a_cached_token_answers_for_its_own_user_only(
    app: FastAPI, client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    hand_clock(app)
    tokens = {pid: auth(pid) for pid in ("carol", "dave", "alice")}
    for _ in range(3):
        for pid, h in tokens.items():
            assert client.get("/api/v1/auth/me", headers=h).json()["name"] == pid


def test_the_cache_never_outlives_a_token_and_holds_a_bounded_number() -> None:
    clock = HandClock()
    cache: PrincipalCache[str] = PrincipalCache(1.0, size=2, clock=clock)
    cache.put("t1", "carol", epoch=0, expires_in=0.25)
    assert cache.get("t1", 0) == "carol"
    clock.now += 0.25
    assert cache.get("t1", 0) is None  # the token itself ran out
    cache.put("t2", "dave", epoch=0)
    assert cache.get("t2", 1) is None  # accounts changed since
    for i in range(5):
        cache.put(f"x{i}", "x", epoch=0)
    assert len(cache) == 2 and cache.get("x4", 0) == "x" and cache.get("x0", 0) is None
    off: PrincipalCache[str] = PrincipalCache(0.0, clock=clock)
    off.put("t", "carol", epoch=0)
    assert off.get("t", 0) is None


def test_health_reports_a_database_gone_within_its_bound(
    svc: Services, settings: ApiSettings
) -> None:
    app = create_app(svc, settings)
    clock = hand_clock(app)
    bound = app.state.ctx.health.seconds
    assert bound == 1.0
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    reachable = svc.read_factory
    with TestClient(app) as c:
        assert c.get("/healthz").json() == {"status": "ok", "database": "ok"}
        svc.read_factory = lambda: SqlUnitOfWork(gone, b"k" * 32, write=False)
        clock.now += bound
        r = c.get("/healthz")
        assert r.status_code == 503
        assert r.json() == {"status": "degraded", "database": "unavailable"}
        svc.read_factory = reachable
        assert c.get("/healthz").status_code == 503  # within the bound: the last look
        clock.now += bound
        assert c.get("/healthz").status_code == 200
    gone.dispose()
