"""Shaping domain objects for a caller: need-to-know on carriers (R3), alert texts in
the caller's language, and the visibility of records to staff."""

from __future__ import annotations

from api.auth import Principal
from api.schemas.alerts import AlertOut
from api.schemas.carriers import CarrierOut, carrier_view
from tracker.domain.model import Alert, Carrier, SubjectKind
from tracker.services.base import Services
from tracker.services.ports import UnitOfWork


def place_names(svc: Services) -> dict[str, str]:
    """Place id to name, from the site."""
    return {p.id: p.name for p in svc.site.places}


def show(me: Principal, c: Carrier, lang: str, svc: Services) -> CarrierOut:
    """``c`` as ``me`` may see it: in full only with need-to-know (R3)."""
    return carrier_view(c, me.may_know(c), lang, place_names(svc))


def alert_visible(me: Principal, a: Alert, uow: UnitOfWork) -> bool:
    """Keepers see every alert; others only alerts about carriers they may know, or
    about their own borrows."""
    if me.keeper:
        return True
    if a.subject_kind is SubjectKind.CARRIER:
        c = uow.carriers.get(a.subject)
        return c is not None and me.may_know(c)
    if a.subject_kind is SubjectKind.BORROW:
        b = uow.borrows.get(a.subject)
        return b is not None and me.person is not None and b.borrower == me.person.id
    if a.subject_kind is SubjectKind.PERSON:
        return me.person is not None and a.subject == me.person.id
    return False


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
