"""The console's live stream: the API stream's events (movements, alerts, carrier
changes) for what the caller may see, with the alert's text in the caller's language.
It does not count as activity, and it ends when the session does (logout elsewhere,
idle timeout) with a ``bye`` event so the page goes to the login."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.console import access
from api.console.web import PAGES, Call, authenticate
from tracker.domain.alerts import CATALOGUE
from tracker.domain.model import AlertType

_CHECK_SECONDS = 15.0  # how often the stream checks the session is still live


def alert_text(data: dict[str, Any], lang: str) -> str:
    """What a toast says about an alert event: its kind and its message."""
    message = str(data.get("message" if lang == "en" else "zh") or data.get("message") or "")
    try:
        kind = CATALOGUE[AlertType(str(data.get("type")))].name(lang)
    except ValueError:
        kind = str(data.get("type", ""))
    return f"{kind}：{message}" if lang == "zh" else f"{kind}: {message}"


@PAGES.get("/console/live", passive=True, raw=True)
def live(call: Call) -> Response:
    """Server-sent events for the page script."""
    assert call.me is not None
    ctx, console, token, lang = call.console.ctx, call.console, call.token, call.lang
    vis = access.visibility(call.me, call.svc)
    beat = min(ctx.settings.stream_heartbeat, _CHECK_SECONDS)
    last_id = (call.request.headers.get("last-event-id") or "")[:64] or None

    async def body() -> AsyncIterator[str]:
        client = ctx.hub.connect(asyncio.get_running_loop(), last_id)
        checked = time.monotonic()
        try:
            yield "retry: 3000\n: connected\n\n"
            while True:
                try:
                    ev = await asyncio.wait_for(client.queue.get(), timeout=beat)
                except TimeoutError:
                    ev = None
                if time.monotonic() - checked >= _CHECK_SECONDS:
                    checked = time.monotonic()
                    still = await run_in_threadpool(authenticate, console, token, touch=False)
                    if still is None:
                        yield "event: bye\ndata: {}\n\n"
                        return
                if ev is None:
                    yield ": heartbeat\n\n"
                    continue
                data = await run_in_threadpool(vis.payload, ev)
                if data is None:
                    continue
                if ev.kind == "alert":
                    data = {k: v for k, v in data.items() if k not in ("message", "zh")} | {
                        "text": alert_text(data, lang) if data.get("message") else ""
                    }
                text = json.dumps(data, ensure_ascii=False, default=str)
                yield f"id: {ev.id}\nevent: {ev.kind}\ndata: {text}\n\n"
        finally:
            ctx.hub.disconnect(client)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
