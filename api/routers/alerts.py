"""Alerts: list, show, acknowledge, resolve with a note."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AnyUser, Keeper, Lang, Svc
from api.schemas.alerts import AckIn, AlertOut, ResolveIn
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.views import alert_view
from tracker.domain.model import AlertState, AlertType, Severity
from tracker.services import alerting, knowledge

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], responses=ERROR_RESPONSES)


@router.get("", response_model=Page[AlertOut], summary="List alerts")
def list_alerts(
    me: AnyUser,
    svc: Svc,
    lang: Lang,
    state: AlertState | None = None,
    type: AlertType | None = None,
    severity: Severity | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertOut]:
    """Alerts, most recent first; staff see only alerts about carriers they may know."""
    eq: dict[str, Any] = {
        k: v for k, v in (("state", state), ("type", type), ("severity", severity)) if v
    }
    page, total = knowledge.visible_alerts(svc, me.person, limit=limit, offset=offset, **eq)
    return Page[AlertOut](
        items=[alert_view(a, lang) for a in page], total=total, limit=limit, offset=offset
    )


@router.get("/{alert_id}", response_model=AlertOut, summary="Show an alert")
def show(alert_id: IdPath, me: AnyUser, svc: Svc, lang: Lang) -> AlertOut:
    """One alert."""
    return alert_view(knowledge.alert_for(svc, me.person, alert_id), lang)


@router.post("/{alert_id}/acknowledge", response_model=AlertOut, summary="Acknowledge an alert")
def acknowledge(alert_id: IdPath, body: AckIn, me: AnyUser, svc: Svc, lang: Lang) -> AlertOut:
    """Someone is dealing with it; reminders stop."""
    knowledge.alert_for(svc, me.person, alert_id)
    return alert_view(alerting.acknowledge(svc, me.actor, alert_id, body.note), lang)


@router.post("/{alert_id}/resolve", response_model=AlertOut, summary="Resolve an alert")
def resolve(alert_id: IdPath, body: ResolveIn, me: Keeper, svc: Svc, lang: Lang) -> AlertOut:
    """Close the alert with a note on what was found and done."""
    return alert_view(alerting.resolve(svc, me.actor, alert_id, body.note), lang)
