"""Gateway event ingest: observations from doors, safes and cameras.

A device may only report on its own doors and safes and their readers and cameras; a
batch naming anything else is refused whole (403). A malformed item rejects the whole
batch (422, with a problem per item) and records nothing. The same batch posted again
records nothing new and gets the same body back (the ``X-Duplicates`` header says how
many events had been seen before). Event ids are the device's own: idempotency is per
(device, event id), and the same id sent again with other content is refused (409
``event_id_reused``), also within one batch. Events dated more than
``TRACKER_EVENT_MAX_AHEAD_SECONDS`` ahead of the server clock or older than
``TRACKER_EVENT_MAX_AGE_HOURS`` are refused (422 naming the event and the limit)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response

from api.deps import Ctx, Device, Lang
from api.errors import ScopeDenied
from api.metrics import Metrics
from api.schemas.common import ERROR_RESPONSES
from api.schemas.system import EventBatchIn, EventBatchOut, EventIn, EventResultOut
from api.settings import ApiSettings
from tracker.domain.errors import InvalidInput
from tracker.services.accounts import DeviceScope
from tracker.services.base import Services
from tracker.services.ingest import TimeLimits
from tracker.services.movement import BatchRejected, Observation, Outcome, apply_batch
from tracker.store.errors import ConcurrentUpdate

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["events"], responses=ERROR_RESPONSES)


def _outside(
    scope: DeviceScope,
    site_doors: set[str],
    site_safes: set[str],
    site_readers: set[str],
    ev: EventIn,
    site_desks: frozenset[str] = frozenset(),
) -> str | None:
    # Only real places of the site count here; unknown ids are malformed (422) instead.
    door_kinds = ("crossing", "shielded", "alarm")
    if ev.kind in door_kinds and ev.door in site_doors and ev.door not in scope.doors:
        return "door"
    if ev.kind == "safe" and ev.safe in site_safes and ev.safe not in scope.safes:
        return "safe"
    if ev.kind == "desk" and ev.desk in site_desks and ev.desk not in scope.desks:
        return "desk"
    if (
        ev.kind in ("reader", "heartbeat")
        and ev.reader in site_readers
        and ev.reader not in scope.readers
    ):
        return "reader"
    return None


def _limits(settings: ApiSettings) -> TimeLimits:
    return TimeLimits(
        timedelta(seconds=settings.event_max_ahead_seconds),
        timedelta(hours=settings.event_max_age_hours),
    )


RETRIES = 3  # a batch that lost an optimistic-locking race is applied again from scratch


def _apply(
    svc: Services, settings: ApiSettings, metrics: Metrics, source: str, batch: list[Observation]
) -> list[Outcome]:
    # The batch is one transaction and idempotent, so running it again after another
    # transaction changed the same carriers first is safe; the gateway need not retry.
    for attempt in range(1, RETRIES + 1):
        try:
            return apply_batch(svc, source, batch, _limits(settings))
        except BatchRejected:
            metrics.events.labels("rejected").inc(len(batch))
            raise
        except ConcurrentUpdate:
            if attempt == RETRIES:
                raise
            logger.info(
                "batch from %s lost a race (attempt %d); applying it again", source, attempt
            )
    raise AssertionError("unreachable")


def accept(
    svc: Services,
    settings: ApiSettings,
    metrics: Metrics,
    device: str,
    scope: DeviceScope,
    events: list[EventIn],
    lang: str = "zh",
) -> list[Outcome]:
    """Apply a device's batch as ``POST /api/v1/events`` does (and the MQTT consumer,
    :mod:`api.mqtt`): at most ``max_batch`` events, each about the device's own doors,
    safes and readers (else :class:`ScopeDenied`), in one idempotent transaction."""
    if len(events) > settings.max_batch:
        raise InvalidInput(
            "events",
            f"at most {settings.max_batch} events a batch",
            zh=f"每批最多 {settings.max_batch} 个事件",
        )
    site = svc.site
    doors = {d.door.id for d in site.doors}
    safes = {s.place.id for s in site.safes}
    readers = {r.id for r in site.readers} | {c.id for c in site.cameras}
    desks = frozenset(d.id for d in site.desks)
    problems: list[dict[str, Any]] = []
    for i, ev in enumerate(events):
        bad = _outside(scope, doors, safes, readers, ev, desks)
        if bad:
            what = getattr(ev, bad)
            problems.append(
                {
                    "index": i,
                    "field": f"events[{i}].{bad}",
                    "message": f"{what} is not this device's"
                    if lang == "en"
                    else f"{what} 不属于该设备",
                }
            )
    if problems:
        metrics.events.labels("rejected").inc(len(events))
        raise ScopeDenied(problems)
    batch = [
        Observation(
            event_id=ev.event_id,
            kind=ev.kind,
            at=ev.at,
            code=ev.code,
            door=ev.door,
            direction=ev.direction,
            badges=tuple(ev.badges),
            safe=ev.safe,
            present=ev.present,
            reader=ev.reader,
            online=ev.online,
            source=ev.source,
            stills=tuple(ev.stills),
            table_version=ev.table_version,
            age=ev.age,
            desk=ev.desk,
            codes=tuple(ev.codes),
        )
        for ev in events
    ]
    outcomes = _apply(svc, settings, metrics, device, batch)
    duplicates = sum(o.status == "duplicate" for o in outcomes)
    metrics.events.labels("duplicate").inc(duplicates)
    metrics.events.labels("recorded").inc(len(outcomes) - duplicates)
    return outcomes


@router.post("/events", response_model=EventBatchOut, summary="Post a batch of observations")
def post_events(
    body: EventBatchIn, me: Device, ctx: Ctx, lang: Lang, response: Response
) -> EventBatchOut:
    """Apply up to 1000 observations in one transaction, in event-time order."""
    assert me.scope is not None
    outcomes = accept(
        ctx.services, ctx.settings, ctx.metrics, me.actor, me.scope, body.events, lang
    )
    duplicates = sum(o.status == "duplicate" for o in outcomes)
    response.headers["X-Duplicates"] = str(duplicates)
    return EventBatchOut(
        results=[
            EventResultOut(
                event_id=o.event_id,
                carrier=o.carrier,
                movement=o.movement,
                alerts=o.alerts,
                note=o.note,
            )
            for o in outcomes
        ]
    )
