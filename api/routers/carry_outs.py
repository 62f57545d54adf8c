"""Carry-out approvals (外出携带, R6)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Svc
from api.routers.decisions import add_decisions
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import CarryOutIn, CarryOutOut
from tracker.domain.errors import NotFound
from tracker.services import carry_out, knowledge

router = APIRouter(prefix="/api/v1/carry-outs", tags=["carry-outs"], responses=ERROR_RESPONSES)


@router.post("", response_model=CarryOutOut, status_code=201, summary="Ask to carry carriers out")
def request(body: CarryOutIn, me: AnyUser, svc: Svc) -> CarryOutOut:
    """Name who carries them, the escorts, where to and until when (R6)."""
    co = carry_out.request_carry_out(
        svc,
        me.actor,
        body.serials,
        body.carrier_person,
        body.escorts,
        body.destination,
        body.reason,
        body.valid_from,
        body.valid_until,
        body.vehicle,
    )
    return CarryOutOut.model_validate(co)


@router.get("", response_model=Page[CarryOutOut], summary="List carry-out approvals")
def list_carry_outs(
    me: AnyUser, svc: Svc, limit: Limit = 50, offset: Offset = 0
) -> Page[CarryOutOut]:
    """Carry-outs, newest first; staff see only those they take part in."""
    found, total = knowledge.visible_requests(
        svc, me.person, "carry_outs", limit=limit, offset=offset
    )
    return Page[CarryOutOut](
        items=[CarryOutOut.model_validate(x) for x in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{co_id}", response_model=CarryOutOut, summary="Show a carry-out approval")
def show(co_id: IdPath, me: AnyUser, svc: Svc) -> CarryOutOut:
    """One carry-out approval."""
    co = knowledge.request_for(svc, me.person, "carry_outs", co_id)
    if co is None:
        raise NotFound(f"no carry-out approval {co_id!r}", zh="没有该外出携带审批记录")
    return CarryOutOut.model_validate(co)


add_decisions(
    router,
    param="co_id",
    out=CarryOutOut,
    noun="carry-out",
    rule="R6",
    approve=carry_out.approve_carry_out,
    reject=carry_out.reject_carry_out,
)


@router.post("/{co_id}/return", response_model=CarryOutOut, summary="The carriers are back")
def returned(co_id: IdPath, me: Custodian, svc: Svc) -> CarryOutOut:
    """Close the approval and lock the carriers away."""
    return CarryOutOut.model_validate(carry_out.return_from_carry_out(svc, me.actor, co_id))
