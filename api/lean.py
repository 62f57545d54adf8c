"""A route class for the busiest reads (where-is): the route is declared like any other
- FastAPI builds its OpenAPI description, path parameters and role guard from the
endpoint's signature - but its handler calls the endpoint without FastAPI's general
dependency solver, which was a quarter of a where-is request's CPU (issue 16,
bench/RESULTS.md "HTTP").

It serves only the shape it can serve exactly: path parameters, the ``Request``, and one
role guard (:class:`api.auth.RoleGuard`). Anything else - a query parameter, a body, a
second dependency, a router-level dependency added at inclusion - is refused when the
app is built, so a later change to such a route cannot silently skip a dependency. The
order of checks is FastAPI's: the guard first (401/403), then the path parameters
(422 in FastAPI's shape), then the endpoint, which must return a ``Response``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from api.auth import RoleGuard

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LeanRoute(APIRoute):
    """An :class:`~fastapi.routing.APIRoute` whose handler checks the guard, validates
    the path parameters and awaits the endpoint directly (see the module's docstring)."""

    def get_route_handler(self) -> Handler:
        """The lean handler for this route (or for its copy in an including router)."""
        return lean_handler(_effective_dependant(self), self.path)


def _effective_dependant(route: APIRoute) -> Dependant:
    # An included route is served through a copy whose dependant also holds the
    # including router's dependencies; FastAPI builds that copy's handler with the copy
    # in a context variable. Read it when present so such dependencies are seen (and
    # refused) rather than skipped.
    var = getattr(fastapi_routing, "_effective_route_context_var", None)
    context = var.get() if var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        dependant = context.dependant
    else:
        dependant = route.dependant
    assert isinstance(dependant, Dependant)
    return dependant


def lean_handler(dependant: Dependant, path: str) -> Handler:
    """The handler of a route with path parameters, the request and one role guard."""
    extra = (
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.background_tasks_param_name
        or dependant.response_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.security_scopes_param_name
    )
    guards = dependant.dependencies
    # A guard of its own dependencies (the documentation's) is not the plain one.
    plain = len(guards) == 1 and type(guards[0].call) is RoleGuard and not guards[0].dependencies
    endpoint = dependant.call
    if extra or not plain or endpoint is None or guards[0].name is None:
        raise TypeError(f"{path}: a LeanRoute takes path parameters, the request and one guard")
    if not inspect.iscoroutinefunction(endpoint):  # a plain def would need the thread pool
        raise TypeError(f"{path}: a LeanRoute's endpoint is async")
    guard = guards[0].call
    assert isinstance(guard, RoleGuard)
    guard_name = guards[0].name
    request_name = dependant.request_param_name
    fields = dependant.path_params

    async def handle(request: Request) -> Response:
        values: dict[str, Any] = {guard_name: await guard(request)}
        # Each path parameter is in the matched path: validated by its own field, as
        # FastAPI does after it has looked for the value among aliases and defaults.
        errors: list[Any] = []
        for field in fields:
            value, wrong = field.validate(
                request.path_params[field.alias], values, loc=("path", field.alias)
            )
            errors.extend(wrong)
            values[field.name] = value
        if errors:
            raise RequestValidationError(errors)
        if request_name:
            values[request_name] = request
        answer = await endpoint(**values)
        if not isinstance(answer, Response):
            raise TypeError(f"{path}: a LeanRoute's endpoint returns a Response")
        return answer

    return handle
