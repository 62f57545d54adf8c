"""Prometheus metrics of the API (text exposition format via prometheus-client), and the
request-context middleware that stamps every request with an id, times it, adds the
protective headers, writes the access log, and turns an unexpected exception into a
logged 500 that shows the client only the request id.

The access log (logger ``tracker.access``) has the method, the route *template*, the
status, the time taken and the request id - never the path's values, the query string
(a title search), a body or a token. uvicorn's own access log is off (see
:mod:`api.server`)."""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import body, pick_language
from api.protect import protected_headers

logger = logging.getLogger(__name__)
access = logging.getLogger("tracker.access")

_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Metrics:
    """The API's metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tracker_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tracker_http_request_seconds",
            "Time to answer an HTTP request (to the end of the response body).",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.events = Counter(
            "tracker_ingest_events",
            "Gateway events received, by outcome (recorded, duplicate, rejected).",
            ["outcome"],
            registry=self.registry,
        )
        self.stream_clients = Gauge(
            "tracker_stream_clients", "Open server-sent event streams.", registry=self.registry
        )
        self.auth_failures = Counter(
            "tracker_auth_failures",
            "Rejected credentials by kind.",
            ["kind"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its time (the labelled children are looked up
        once per method, route and status, not on every request)."""
        key = (method, route, status)
        found = self._children.get(key)
        if found is None:
            found = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = found
        found[0].inc()
        found[1].observe(seconds)

    def exposition(self) -> bytes:
        """The current values in the Prometheus text format."""
        return generate_latest(self.registry)


class RequestContext:
    """Pure ASGI middleware: request id, metrics, and the last line of error handling."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if _RID.match(incoming) else _new_id()
        scope.setdefault("state", {})["request_id"] = rid
        status = 500
        started = False
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                message["headers"] = protected_headers(
                    [*message.get("headers", []), (b"x-request-id", rid.encode())]
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # the last line: never a stack trace to the client
            logger.exception(
                "unhandled error in %s %s (request id %s)", scope["method"], _template(scope), rid
            )
            if not started:
                lang = pick_language(_header(scope, b"accept-language") or None)
                msg = "internal error" if lang == "en" else "服务器内部错误"
                await _send_json(send, 500, body("internal", msg, rid), rid)
            status = 500
        finally:
            template = _template(scope)
            seconds = time.perf_counter() - t0
            self.metrics.observe(scope["method"], template, status, seconds)
            access.info(
                "%s %s %d %.1f ms (request id %s)",
                scope["method"],
                template,
                status,
                seconds * 1000,
                rid,
            )


# Request ids: random per process, then counted - unique without a system call each.
_PROCESS = secrets.token_hex(4)
_COUNT = itertools.count(1)


def _new_id() -> str:
    return f"{_PROCESS}{next(_COUNT) & 0xFFFFFFFF:08x}"


def _header(scope: Scope, name: bytes) -> str:
    # One header's value ("" when absent), without building a dict of them all.
    for k, v in scope["headers"]:
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return ""


def _template(scope: Scope) -> str:
    # The matched route's template (``/api/v1/carriers/{serial}``), never the path itself.
    return getattr(scope.get("route"), "path", None) or "unmatched"


async def _send_json(send: Send, status: int, doc: dict[str, Any], rid: str) -> None:
    payload = json.dumps(doc, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": protected_headers(
                [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-request-id", rid.encode()),
                ]
            ),
        }
    )
    await send({"type": "http.response.body", "body": payload})
