"""Protections every answer gets: headers that keep classified data out of caches and
frames and stop content sniffing, a cap on request bodies (413 before a large body is
read whole). The true ``Allow`` list on 405 answers is in :mod:`api.errors`."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import body, pick_language

# Set on every answer unless the route set its own (a page may need its own policy).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
_DROP = {b"server"}  # no product banner


def protected_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers added where missing and banners removed."""
    out = [(k, v) for k, v in headers if k.lower() not in _DROP]
    present = {k.lower() for k, _ in out}
    out.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
    return out


class BodyLimit:
    """Pure ASGI middleware refusing request bodies over ``max_bytes`` with 413: at once
    when Content-Length says so, otherwise as soon as the streamed body passes it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _too_large(scope, send, self.max_bytes)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # FastAPI passes an HTTPException from reading the body through to
                    # the error handlers, which answer 413 in the usual shape.
                    raise HTTPException(413, _message(scope, self.max_bytes))
            return message

        await self.app(scope, counting, send)


def _content_length(scope: Scope) -> int | None:
    for k, v in scope["headers"]:
        if k.lower() == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


def _message(scope: Scope, max_bytes: int) -> str:
    lang = pick_language(_header(scope, b"accept-language"))
    size = f"{max_bytes // 1024} KiB"
    return f"the request body is larger than {size}" if lang == "en" else f"请求体超过 {size}"


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope["headers"]:
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


async def _too_large(scope: Scope, send: Send, max_bytes: int) -> None:
    rid = str(scope.get("state", {}).get("request_id", ""))
    doc = body("payload_too_large", _message(scope, max_bytes), rid)
    payload = json.dumps(doc, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
