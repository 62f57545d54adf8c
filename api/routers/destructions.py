"""Destruction (销毁, R10): request, approve, witness, execute."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Svc
from api.routers.decisions import add_decisions
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import DestructionIn, DestructionOut
from tracker.domain.errors import NotFound
from tracker.services import destruction

router = APIRouter(prefix="/api/v1/destructions", tags=["destructions"], responses=ERROR_RESPONSES)


@router.post("", response_model=DestructionOut, status_code=201, summary="Register for destruction")
def request(body: DestructionIn, me: Custodian, svc: Svc) -> DestructionOut:
    """Carriers to be destroyed at a designated place (R10)."""
    d = destruction.request_destruction(
        svc, me.actor, body.serials, body.place, body.method, body.reason
    )
    return DestructionOut.model_validate(d)


@router.get("", response_model=Page[DestructionOut], summary="List destructions")
def list_destructions(
    me: AnyUser, svc: Svc, limit: Limit = 50, offset: Offset = 0
) -> Page[DestructionOut]:
    """Destructions, newest first (witnesses need to find them)."""
    with svc.read() as uow:
        total = uow.destructions.count()
        found = uow.destructions.find(order_by="-requested_at", limit=limit, offset=offset)
    return Page[DestructionOut](
        items=[DestructionOut.model_validate(d) for d in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{d_id}", response_model=DestructionOut, summary="Show a destruction")
def show(d_id: IdPath, me: AnyUser, svc: Svc) -> DestructionOut:
    """One destruction."""
    with svc.read() as uow:
        d = uow.destructions.get(d_id)
    if d is None:
        raise NotFound(f"no destruction {d_id!r}", zh="没有该销毁记录")
    return DestructionOut.model_validate(d)


add_decisions(
    router,
    param="d_id",
    out=DestructionOut,
    noun="destruction",
    rule="R10",
    approve=destruction.approve_destruction,
    reject=destruction.reject_destruction,
)


@router.post("/{d_id}/witness", response_model=DestructionOut, summary="Sign as a witness")
def witness(d_id: IdPath, me: AnyUser, svc: Svc) -> DestructionOut:
    """The caller signs as a witness (监销); never the requester (R10)."""
    return DestructionOut.model_validate(destruction.witness(svc, me.actor, d_id))


@router.post("/{d_id}/execute", response_model=DestructionOut, summary="Destroy the carriers")
def execute(d_id: IdPath, me: Custodian, svc: Svc) -> DestructionOut:
    """Approved and watched by two witnesses (R10); EPCs are retired, never reused."""
    return DestructionOut.model_validate(destruction.execute_destruction(svc, me.actor, d_id))
