"""What gateways need from the service to decide door alarms by themselves, and the
evidence those alarms leave.

* ``GET /api/v1/gateway/table`` (devices): the authorization table, the doors limited
  to the device's own (:mod:`tracker.domain.authz`).
* ``GET /api/v1/gateway/stream`` (devices): server-sent events — ``table`` at once and
  on every new version, ``silence`` when an alarm's alert is acknowledged or resolved,
  ``ping`` (with the current version) every ``ping`` seconds so the gateway knows its
  table is still current.
* ``GET /api/v1/alerts/{id}/stills`` and ``GET /api/v1/stills/{id}`` (users who may see
  the alert): an alarm's JPEG stills and their SHA-256.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from api.auth import Principal
from api.deps import AnyUser, Device, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath
from tracker.domain.authz import AuthorizationTable
from tracker.domain.errors import NotFound
from tracker.services import alarms, authz, knowledge
from tracker.services.authz import FeedMessage, Silence
from tracker.services.base import Services

router = APIRouter(prefix="/api/v1", tags=["gateway"], responses=ERROR_RESPONSES)


def _scoped(table: AuthorizationTable, me: Principal) -> dict[str, Any]:
    doors = me.scope.doors if me.scope is not None else frozenset()
    body = table.to_json()
    body["doors"] = {d: t for d, t in body["doors"].items() if d in doors}
    return body


@router.get("/gateway/table", summary="The authorization table for this gateway's doors")
def table(me: Device, svc: Svc) -> dict[str, Any]:
    """Which carriers may be on the outer side of each of the device's doors now; the
    version rises with every change of content."""
    return _scoped(authz.feed(svc).table(), me)


class _EventStream(StreamingResponse):
    media_type = "text/event-stream"


@router.get("/gateway/stream", summary="Table versions and alarm silences as they happen")
async def stream(
    me: Device, svc: Svc, ping: float = Query(15.0, ge=0.5, le=300)
) -> StreamingResponse:
    """``event: table`` now and on every new version, ``event: silence`` (``door``,
    ``alarms``, ``alert``, ``why``) and ``event: ping`` (``version``)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[FeedMessage] = asyncio.Queue(maxsize=100)
    feed = authz.feed(svc)
    doors = me.scope.doors if me.scope is not None else frozenset()

    def offer(msg: FeedMessage) -> None:
        loop.call_soon_threadsafe(_put, queue, msg)

    unsubscribe = await asyncio.to_thread(feed.subscribe, offer)

    async def body() -> AsyncIterator[str]:
        try:
            while True:
                try:
                    msg = await asyncio.wait_for(queue.get(), timeout=ping)
                except TimeoutError:
                    version = feed.table().version
                    yield f"event: ping\ndata: {json.dumps({'version': version})}\n\n"
                    continue
                if isinstance(msg, Silence):
                    if msg.door in doors:
                        data: dict[str, Any] = {"door": msg.door, "alarms": list(msg.alarms)}
                        data |= {"alert": msg.alert, "why": msg.why}
                        yield f"event: silence\ndata: {json.dumps(data)}\n\n"
                else:
                    yield f"event: table\ndata: {json.dumps(_scoped(msg, me))}\n\n"
        finally:
            unsubscribe()

    return _EventStream(body(), headers={"Cache-Control": "no-store"})


def _put(queue: asyncio.Queue[FeedMessage], msg: FeedMessage) -> None:
    if queue.full():
        queue.get_nowait()  # a table supersedes the older one; never block the feed
    queue.put_nowait(msg)


def _visible(svc: Services, me: Principal, alert_id: str | None) -> bool:
    if not alert_id:
        return False
    try:
        knowledge.alert_for(svc, me.person, alert_id)
    except NotFound:
        return False
    return True


@router.get("/alerts/{alert_id}/stills", summary="The stills kept with an alert")
def stills(alert_id: IdPath, me: AnyUser, svc: Svc) -> dict[str, Any]:
    """The door camera's stills around the read that sounded the alarm: id, SHA-256
    (as in the register's alarm entry), offset from the read, when taken, whether it
    was deleted at the end of its retention."""
    if not _visible(svc, me, alert_id):
        raise NotFound(f"no alert {alert_id!r}", zh=f"没有告警 {alert_id!r}")
    return {
        "items": [
            {
                "id": s.id,
                "sha256": s.sha256,
                "door": s.door,
                "camera": s.camera,
                "offset": s.offset,
                "taken_at": s.taken_at.isoformat(),
                "size": s.size,
                "deleted_at": _iso(s.deleted_at),
                "url": None if s.deleted_at else f"/api/v1/stills/{s.id}",
            }
            for s in alarms.stills_for(svc, alert_id)
        ]
    }


@router.get(
    "/stills/{still_id}",
    summary="One still (JPEG)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def still(still_id: IdPath, me: AnyUser, svc: Svc) -> Response:
    """The JPEG itself; ``ETag`` is its SHA-256."""
    s, data = alarms.still_image(svc, still_id)
    if not _visible(svc, me, s.alert):
        raise NotFound(f"no still {still_id!r}", zh=f"没有照片 {still_id!r}")
    return Response(
        data,
        media_type="image/jpeg",
        headers={"ETag": f'"{s.sha256}"', "Cache-Control": "private, max-age=3600"},
    )


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None
