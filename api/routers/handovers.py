"""Handovers (移交, R12)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Custodian, Keeper, Svc
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page
from api.schemas.records import HandoverIn, HandoverOut
from tracker.services import custody

router = APIRouter(prefix="/api/v1/handovers", tags=["handovers"], responses=ERROR_RESPONSES)


@router.post("", response_model=HandoverOut, status_code=201, summary="Record a handover")
def handover(body: HandoverIn, me: Custodian, svc: Svc) -> HandoverOut:
    """Carriers a person holds pass to a successor, carrier by carrier (R12). A successor
    outside a carrier's knowledge scope is refused (409, R12) until an approver widens the
    scope (``POST /api/v1/carriers/{serial}/scope``); nobody names an approver here."""
    h = custody.handover(svc, me.actor, body.from_person, body.to_person, body.serials)
    return HandoverOut.model_validate(h)


@router.get("", response_model=Page[HandoverOut], summary="List handovers")
def list_handovers(
    me: Keeper, svc: Svc, limit: Limit = 50, offset: Offset = 0
) -> Page[HandoverOut]:
    """Handovers, newest first."""
    with svc.read() as uow:
        total = uow.handovers.count()
        found = uow.handovers.find(order_by="-at", limit=limit, offset=offset)
    return Page[HandoverOut](
        items=[HandoverOut.model_validate(h) for h in found],
        total=total,
        limit=limit,
        offset=offset,
    )
