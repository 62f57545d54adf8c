"""Copies (复制, R8): request, decide, make."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Svc
from api.routers.decisions import add_decisions
from api.schemas.carriers import CopiesMadeOut
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import CopyIn, CopyOut
from tracker.domain.errors import NotFound
from tracker.services import copying, knowledge

router = APIRouter(prefix="/api/v1/copies", tags=["copies"], responses=ERROR_RESPONSES)


@router.post("", response_model=CopyOut, status_code=201, summary="Ask to copy a carrier")
def request(body: CopyIn, me: AnyUser, svc: Svc) -> CopyOut:
    """Copies need approval; top secret is never copied (R8)."""
    return CopyOut.model_validate(
        copying.request_copy(svc, me.actor, body.serial, body.count, body.reason)
    )


@router.get("", response_model=Page[CopyOut], summary="List copy requests")
def list_copies(me: AnyUser, svc: Svc, limit: Limit = 50, offset: Offset = 0) -> Page[CopyOut]:
    """Copy requests, newest first; staff see their own."""
    found, total = knowledge.visible_requests(
        svc, me.person, "copy_requests", limit=limit, offset=offset
    )
    return Page[CopyOut](
        items=[CopyOut.model_validate(x) for x in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{req_id}", response_model=CopyOut, summary="Show a copy request")
def show(req_id: IdPath, me: AnyUser, svc: Svc) -> CopyOut:
    """One copy request."""
    r = knowledge.request_for(svc, me.person, "copy_requests", req_id)
    if r is None:
        raise NotFound(f"no copy request {req_id!r}", zh="没有该复制申请")
    return CopyOut.model_validate(r)


add_decisions(
    router,
    param="req_id",
    out=CopyOut,
    noun="copy request",
    rule="R8",
    approve=copying.approve_copy,
    reject=copying.reject_copy,
)


@router.post("/{req_id}/make", response_model=CopiesMadeOut, summary="Register the copies")
def make(req_id: IdPath, me: Custodian, svc: Svc) -> CopiesMadeOut:
    """The custodian registers each copy as a carrier of its own (R8)."""
    return CopiesMadeOut(serials=copying.make_copies(svc, me.actor, req_id))
