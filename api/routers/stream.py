"""The live stream: server-sent events of movements, alerts and carrier changes the
caller may see. Titles are never part of an event; staff and approvers see only events
about carriers they may know (R3, decided by
:class:`tracker.services.knowledge.EventFilter`). A comment line every few seconds keeps
proxies from closing the connection and notices a client that went away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import AnyUser, Ctx
from api.schemas.common import ERROR_RESPONSES
from tracker.services import knowledge

router = APIRouter(prefix="/api/v1", tags=["stream"], responses=ERROR_RESPONSES)


class EventStreamResponse(StreamingResponse):
    """``text/event-stream``."""

    media_type = "text/event-stream"


@router.get(
    "/stream",
    response_class=EventStreamResponse,
    summary="Live events (server-sent events)",
    responses={200: {"description": "`event:` movement / alert / carrier; `data:` JSON."}},
)
async def stream(
    me: AnyUser,
    ctx: Ctx,
    last_event_id: str | None = Header(None, max_length=64),
) -> EventStreamResponse:
    """Movements, alerts and carrier changes as they are committed, for the caller's
    visibility. Comment lines (``: heartbeat``) arrive when nothing else does. A client
    reconnecting with ``Last-Event-ID`` first gets the events after it that the service
    still keeps (the last 1000), whichever worker or host it reconnects to."""
    client = ctx.hub.connect(asyncio.get_running_loop(), last_event_id)
    vis = knowledge.EventFilter.for_services(ctx.services, me.person)
    beat = ctx.settings.stream_heartbeat

    async def body() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n: connected\n\n"
            while True:
                try:
                    ev = await asyncio.wait_for(client.queue.get(), timeout=beat)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                data = await run_in_threadpool(vis.payload, ev)
                if data is not None:
                    text = json.dumps(data, ensure_ascii=False, default=str)
                    yield f"id: {ev.id}\nevent: {ev.kind}\ndata: {text}\n\n"
        finally:
            ctx.hub.disconnect(client)

    return EventStreamResponse(
        body(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
