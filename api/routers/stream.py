"""The live stream: server-sent events of movements, alerts and carrier changes the
caller may see. Titles are never part of an event; staff and approvers see only events
about carriers they may know (R3). A comment line every few seconds keeps proxies from
closing the connection and notices a client that went away."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import AnyUser, Ctx
from api.schemas.common import ERROR_RESPONSES
from tracker.services.base import Event, Services

router = APIRouter(prefix="/api/v1", tags=["stream"], responses=ERROR_RESPONSES)

_CACHE_SECONDS = 30.0  # how long a need-to-know answer is reused within one stream


class EventStreamResponse(StreamingResponse):
    """``text/event-stream``."""

    media_type = "text/event-stream"


class _Visibility:
    """Need-to-know for one stream's caller, with a short cache per carrier."""

    def __init__(self, me: Principal, svc: Services) -> None:
        self.me = me
        self.svc = svc
        self._known: dict[str, tuple[float, bool]] = {}

    def carrier(self, serial: str) -> bool:
        if self.me.keeper:
            return True
        hit = self._known.get(serial)
        if hit is not None and time.monotonic() - hit[0] < _CACHE_SECONDS:
            return hit[1]
        with self.svc.read() as uow:
            c = uow.carriers.get(serial)
        ok = c is not None and self.me.may_know(c)
        self._known[serial] = (time.monotonic(), ok)
        return ok

    def payload(self, ev: Event) -> dict[str, Any] | None:
        """What of ``ev`` the caller may see, or None."""
        data = {k: v for k, v in ev.data.items() if k != "title"}
        if ev.kind in ("movement", "carrier"):
            serial = str(data.get("carrier") or data.get("serial") or "")
            return data if serial and self.carrier(serial) else None
        if ev.kind == "alert":
            if data.get("subject_kind") == "carrier":
                return data if self.carrier(str(data.get("subject", ""))) else None
            return data if self.me.keeper else None
        return None


@router.get(
    "/stream",
    response_class=EventStreamResponse,
    summary="Live events (server-sent events)",
    responses={200: {"description": "`event:` movement / alert / carrier; `data:` JSON."}},
)
async def stream(me: AnyUser, ctx: Ctx) -> EventStreamResponse:
    """Movements, alerts and carrier changes as they are committed, for the caller's
    visibility. Comment lines (``: heartbeat``) arrive when nothing else does."""
    client = ctx.hub.connect(asyncio.get_running_loop())
    vis = _Visibility(me, ctx.services)
    beat = ctx.settings.stream_heartbeat

    async def body() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n: connected\n\n"
            while True:
                try:
                    number, ev = await asyncio.wait_for(client.queue.get(), timeout=beat)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                data = await run_in_threadpool(vis.payload, ev)
                if data is not None:
                    text = json.dumps(data, ensure_ascii=False, default=str)
                    yield f"id: {number}\nevent: {ev.kind}\ndata: {text}\n\n"
        finally:
            ctx.hub.disconnect(client)

    return EventStreamResponse(
        body(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
