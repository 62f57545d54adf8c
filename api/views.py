"""Shaping domain objects for a caller: carriers as the caller may see them (the
decision is need-to-know's, :mod:`tracker.services.knowledge`), alert texts in the
caller's language."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.schemas.alerts import AlertOut
from api.schemas.carriers import CarrierOut, carrier_view
from tracker.domain.model import Alert, Carrier, Person
from tracker.services import knowledge
from tracker.services.base import Services
from tracker.services.knowledge import CarrierView


async def where_is(svc: Services, person: Person | None, serial: str) -> CarrierView:
    """:func:`knowledge.where_is` without a worker thread where the store can: awaited
    on an asynchronous connection (PostgreSQL), read at once (SQLite: no network, no
    waiting for writers); otherwise in a worker thread. Saves a thread hop per request."""
    if svc.reads is not None:
        return knowledge.located(person, serial, await svc.reads.aget(Carrier, serial))
    return await run_in_threadpool(knowledge.where_is, svc, person, serial)


_last_names: dict[str, tuple[object, dict[str, str]]] = {}  # the site and its names


def place_names(svc: Services) -> dict[str, str]:
    """Place id to name, from the site (made again only when the site is another)."""
    site, names = _last_names.get("", (None, {}))
    if site is not svc.site:
        names = {p.id: p.name for p in svc.site.places}
        _last_names[""] = (svc.site, names)
    return names


def shaped(v: CarrierView, lang: str, names: dict[str, str]) -> CarrierOut:
    """A carrier view as the API returns it."""
    return carrier_view(v.carrier, v.known, lang, names)


def show(me: Principal, c: Carrier, lang: str, svc: Services) -> CarrierOut:
    """``c`` as ``me`` may see it: in full only with need-to-know (R3)."""
    return shaped(knowledge.view(me.person, c), lang, place_names(svc))


def alert_view(a: Alert, lang: str) -> AlertOut:
    """An alert with its message in ``lang``."""
    details = {k: str(v) for k, v in a.details.items() if k not in ("message", "zh")}
    message = a.details.get("message", "") if lang == "en" else a.details.get("zh", "")
    return AlertOut(
        id=a.id,
        type=a.type,
        severity=a.severity,
        subject_kind=a.subject_kind,
        subject=a.subject,
        rule=a.rule,
        message=str(message or a.details.get("message", "")),
        first_seen=a.first_seen,
        last_seen=a.last_seen,
        count=a.count,
        state=a.state,
        details=details,
        acknowledged_by=a.acknowledged_by,
        acknowledged_at=a.acknowledged_at,
        resolved_by=a.resolved_by,
        resolved_at=a.resolved_at,
        note=a.note,
        escalation=a.escalation,
    )
