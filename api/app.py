"""The FastAPI application: routers, error handlers, middleware and the role table.

``create_app(services)`` builds an app around an existing service context (the bootstrap
makes one: ``tracker.bootstrap.build``). Every route must declare who may call it (a
:class:`~api.auth.RoleGuard` among its dependencies) unless it is in :data:`PUBLIC`;
building the app fails otherwise, and each operation's OpenAPI description says who may
call it (also as ``x-roles``).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api import console, errors
from api.auth import RoleGuard
from api.context import ApiContext
from api.health import Health
from api.metrics import Metrics, RequestContext
from api.principals import PrincipalCache
from api.protect import BodyLimit
from api.routers import (
    alerts,
    audit,
    auth,
    borrows,
    carriers,
    carry_outs,
    circulations,
    classification,
    copies,
    destructions,
    devices,
    disclosure,
    epcis,
    events,
    gateway,
    handling,
    handovers,
    inventories,
    level_changes,
    loss,
    meetings,
    notifications,
    people,
    places,
    registers,
    seals,
    stream,
    system,
    users,
)
from api.security import Argon2Hasher, TokenIssuer, load_secret
from api.settings import ApiSettings
from api.stream import StreamHub
from tracker.domain.errors import TrackerError
from tracker.services import adminlog
from tracker.services.base import Services

logger = logging.getLogger(__name__)

# The only routes that answer without a valid token.
PUBLIC = frozenset({"/healthz", "/api/v1/auth/token"})

ROUTERS = (
    # Routes are matched in order, each at a cost: the two busiest come first.
    system.health,  # /healthz: load balancers and monitors poll it
    carriers.router,  # where-is
    system.router,
    auth.router,
    classification.router,
    level_changes.router,
    loss.router,
    people.router,
    users.router,
    devices.router,
    places.router,
    borrows.router,
    circulations.router,
    carry_outs.router,
    copies.router,
    handovers.router,
    inventories.router,
    destructions.router,
    alerts.router,
    notifications.router,
    audit.router,
    events.router,
    gateway.router,
    stream.router,
    epcis.router,
    registers.router,
    disclosure.router,  # R16
    handling.router,  # R18
    meetings.router,
    seals.router,
)

DESCRIPTION = """
Custody tracking for classified carriers: every workflow of the custody register over
HTTP.

* **Log in** with `POST /api/v1/auth/token` (OAuth2 password flow); send the token as
  `Authorization: Bearer …`. Tokens are short-lived. Gateways use their device token.
* **Who may call** each operation is stated in its description (and in `x-roles`).
* **Need-to-know (R3)**: a carrier's title and content are shown only to custodians,
  officers and people in its knowledge scope; everyone else sees serial, level, marking
  and state (`restricted: true`).
* **Errors** share one shape: `{"error": {"code", "message", "rule"?, "field"?,
  "problems"?, "request_id"}}`; messages are Chinese unless `Accept-Language` prefers
  English. A refused secrecy rule is 409 with `rule`; malformed input is 422 with `field`.
"""


def guards(dependant: Dependant) -> Iterator[RoleGuard]:
    """Every role guard in a route's dependency tree."""
    if isinstance(dependant.call, RoleGuard):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from guards(sub)


def all_routes(app: FastAPI) -> Iterator[BaseRoute]:
    """Every API route of ``app``, looking inside included routers. The console's pages
    (session cookies, not tokens) have their own role table: ``api.console.rules``."""

    def walk(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
        for r in routes:
            inner = getattr(r, "original_router", None)  # FastAPI >= 0.16x keeps inclusions
            if inner is console.router:
                continue
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield r

    yield from walk(app.routes)


def declare_roles(routes: list[BaseRoute]) -> None:
    """Write who may call each route into its OpenAPI description and ``x-roles``;
    refuse a route that declares no role guard and is not public."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        found = list(guards(route.dependant))
        doc = inspect.getdoc(route.endpoint) or ""
        if route.path in PUBLIC:
            if found:
                raise RuntimeError(f"{route.path} is public but declares roles")
            route.description = doc + "\n\n**Who may call:** anyone (public)."
            route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": ["public"]}
            continue
        if len(found) != 1:
            raise RuntimeError(
                f"{sorted(route.methods or ())} {route.path} must declare exactly one role "
                f"guard (found {len(found)}): who may call it?"
            )
        guard = found[0]
        roles: list[Any] = [r.value for r in guard.roles]
        if guard.metrics_device:
            roles.append("device:metrics")
        route.description = doc + f"\n\n**Who may call:** {guard.describe()}."
        route.openapi_extra = {**(route.openapi_extra or {}), "x-roles": roles}


def _log_settings(services: Services, settings: ApiSettings) -> None:
    # A server starting with other settings is a change of server settings: it goes
    # into the administration log. A database that is down does not stop the start.
    try:
        changed = adminlog.settings_in_force(services, settings.audited())
    except TrackerError as exc:
        logger.warning("could not record the server settings: %s", exc.message)
        return
    if changed:
        logger.info("server settings changed: %s", ", ".join(changed))


def create_app(services: Services, settings: ApiSettings | None = None) -> FastAPI:
    """The API around ``services``."""
    settings = settings or ApiSettings()
    metrics = Metrics()
    hub = StreamHub(services.bus, settings.stream_queue, metrics.stream_clients.set)
    ctx = ApiContext(
        services=services,
        settings=settings,
        hasher=Argon2Hasher.from_settings(settings),
        issuer=TokenIssuer(load_secret(settings), settings.token_minutes),
        metrics=metrics,
        hub=hub,
        principals=PrincipalCache(settings.principal_cache_seconds),
        health=Health(settings.health_cache_seconds),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _log_settings(services, settings)
        yield
        if services.reads is not None:
            await services.reads.aclose()  # this loop's connections for point reads
        hub.close()

    app = FastAPI(
        title="Carrier custody API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    errors.install(app)
    for r in ROUTERS:
        declare_roles(r.routes)  # before inclusion, which copies the routes' metadata
        app.include_router(r)
    app.include_router(console.router)  # the web console (api/console, docs/CONSOLE.md)
    # Added last, so outermost: the request id, headers and access log cover the 413.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=metrics)
    return app
