"""Where-is is served by a LeanRoute (api/lean.py): FastAPI's general dependency solver is
skipped, so these tests hold it to what FastAPI did - the guard before the path's
validation, the same OpenAPI description - and check that a route of any other shape is
refused when the app is built instead of having a dependency silently skipped."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth import Principal, Role, require, require_docs
from api.deps import AnyUser
from api.lean import LeanRoute
from api.routers import carriers
from tests.api.conftest import Api, received


def test_where_is_is_a_lean_route() -> None:
    (route,) = [
        r
        for r in carriers.router.routes
        if isinstance(r, APIRoute) and r.path.endswith("/{serial}") and r.methods == {"GET"}
    ]
    assert isinstance(route, LeanRoute)


def test_the_guard_answers_before_the_path_is_validated(client: TestClient, api: Api) -> None:
    # FastAPI solved the guard before validating path parameters: a caller without a
    # token learns nothing about which serials are well formed.
    r = client.get("/api/v1/carriers/bad%00serial")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    err = api.refused("carol", "GET", "/api/v1/carriers/bad%00serial", 422)
    assert err["field"] == "serial" and err["code"] == "invalid_input"
    err = api.refused("sysadmin", "GET", "/api/v1/carriers/JM-2026-000001", 403)
    assert err["code"] == "role_forbidden"


def test_a_lean_answer_is_the_carrier_as_the_caller_may_see_it(api: Api) -> None:
    c = received(api)
    shown = api.ok("carol", "GET", f"/api/v1/carriers/{c['serial']}")
    assert shown["serial"] == c["serial"] and shown["title"] == c["title"]
    assert shown["restricted"] is False


def test_openapi_describes_the_path_parameter_and_the_bearer_scheme(app: FastAPI) -> None:
    op = app.openapi()["paths"]["/api/v1/carriers/{serial}"]["get"]
    (param,) = op["parameters"]
    assert param["name"] == "serial" and param["in"] == "path" and param["required"]
    assert param["schema"]["pattern"].startswith("^[A-Za-z0-9]")
    assert op["security"] == [{"OAuth2PasswordBearer": []}]
    assert "200" in op["responses"] and "CarrierOut" in str(op["responses"]["200"])


def _router_with(endpoint: Any, path: str = "/x/{serial}") -> APIRouter:
    router = APIRouter()
    router.add_api_route(path, endpoint, methods=["GET"], route_class_override=LeanRoute)
    return router


async def _ok(serial: str, me: AnyUser, request: Request) -> Response:
    return Response(serial)


def test_a_lean_route_refuses_a_query_parameter() -> None:
    async def with_query(serial: str, me: AnyUser, limit: int = 10) -> Response:
        return Response(serial)

    with pytest.raises(TypeError, match="LeanRoute"):
        _router_with(with_query)


def test_a_lean_route_refuses_an_endpoint_that_is_not_async() -> None:
    def blocking(serial: str, me: AnyUser) -> Response:
        return Response(serial)

    with pytest.raises(TypeError, match="async"):
        _router_with(blocking)


def test_a_lean_route_refuses_a_second_dependency() -> None:
    async def two(serial: str, me: AnyUser, other: Any = Depends(lambda: 1)) -> Response:
        return Response(serial)

    with pytest.raises(TypeError, match="LeanRoute"):
        _router_with(two)


def test_a_lean_route_refuses_a_guard_with_dependencies_of_its_own() -> None:
    async def docs(serial: str, me: Annotated[Principal, require_docs(Role.OFFICER)]) -> Response:
        return Response(serial)

    with pytest.raises(TypeError, match="LeanRoute"):
        _router_with(docs)


def test_a_lean_route_refuses_a_dependency_added_where_it_is_included() -> None:
    router = _router_with(_ok)  # alone it is accepted
    app = FastAPI()
    with pytest.raises(TypeError, match="LeanRoute"):
        app.include_router(router, dependencies=[require(Role.OFFICER)])
        # Where FastAPI builds an included route's handler lazily, the first request
        # builds it: ask for it so the refusal cannot wait for production traffic.
        app.openapi()
        TestClient(app).get("/x/1")
