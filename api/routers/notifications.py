"""Notifications: the delivery outbox, so failed deliveries are visible to keepers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import Custodian, Svc
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page
from tracker.domain.model import DeliveryState, Notification

router = APIRouter(
    prefix="/api/v1/notifications", tags=["notifications"], responses=ERROR_RESPONSES
)


class NotificationOut(BaseModel):
    """One notification and how its delivery went (no message body: it is the alerts')."""

    id: str
    channel: str
    recipient: str
    subject: str
    alerts: list[str]
    created_at: datetime
    run: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    sent_at: datetime | None


def _view(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        channel=n.channel,
        recipient=n.recipient,
        subject=n.subject,
        alerts=list(n.alerts),
        created_at=n.created_at,
        run=n.run,
        state=n.state,
        attempts=n.attempts,
        next_attempt_at=n.next_attempt_at,
        last_error=n.last_error,
        sent_at=n.sent_at,
    )


@router.get("", response_model=Page[NotificationOut], summary="List notifications")
def list_notifications(
    me: Custodian,
    svc: Svc,
    state: DeliveryState | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[NotificationOut]:
    """Notifications, newest first; ``state=failed`` shows the deliveries given up on."""
    eq: dict[str, Any] = {"state": state} if state else {}
    with svc.read() as uow:
        total = uow.notifications.count(**eq)
        page = uow.notifications.find(order_by="-created_at", limit=limit, offset=offset, **eq)
    return Page[NotificationOut](
        items=[_view(n) for n in page], total=total, limit=limit, offset=offset
    )
