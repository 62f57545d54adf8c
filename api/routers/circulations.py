"""Circulation (传阅, R4/R5): a carrier read by several people in turn, back to the
custodian between readers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Custodian, KeeperOrApprover, Svc
from api.routers.decisions import add_decisions
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import BorrowOut, CirculationIn, CirculationOut
from tracker.domain.errors import NotFound
from tracker.services import borrowing

router = APIRouter(prefix="/api/v1/circulations", tags=["circulations"], responses=ERROR_RESPONSES)


@router.post("", response_model=CirculationOut, status_code=201, summary="Start a circulation")
def start(body: CirculationIn, me: Custodian, svc: Svc) -> CirculationOut:
    """Ask to circulate a carrier to readers in turn, at most a month (R4); it becomes
    active when an approver approves it (``POST …/approve``)."""
    circ = borrowing.start_circulation(
        svc, me.actor, body.serial, body.readers, body.destination, body.urgent, body.due_at
    )
    return CirculationOut.model_validate(circ)


@router.get("", response_model=Page[CirculationOut], summary="List circulations")
def list_circulations(
    me: KeeperOrApprover, svc: Svc, limit: Limit = 50, offset: Offset = 0
) -> Page[CirculationOut]:
    """Circulations, newest first (approvers find the ones to decide here)."""
    with svc.read() as uow:
        total = uow.circulations.count()
        found = uow.circulations.find(order_by="-started_at", limit=limit, offset=offset)
    return Page[CirculationOut](
        items=[CirculationOut.model_validate(c) for c in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{circulation_id}", response_model=CirculationOut, summary="Show a circulation")
def show(circulation_id: IdPath, me: KeeperOrApprover, svc: Svc) -> CirculationOut:
    """One circulation."""
    with svc.read() as uow:
        circ = uow.circulations.get(circulation_id)
    if circ is None:
        raise NotFound(f"no circulation {circulation_id!r}", zh="没有该传阅记录")
    return CirculationOut.model_validate(circ)


add_decisions(
    router,
    param="circulation_id",
    out=CirculationOut,
    noun="circulation",
    rule="R3",
    approve=borrowing.approve_circulation,
    reject=borrowing.reject_circulation,
)


@router.post(
    "/{circulation_id}/issue-next", response_model=BorrowOut, summary="Issue to the next reader"
)
def issue_next(circulation_id: IdPath, me: Custodian, svc: Svc) -> BorrowOut:
    """Hand the carrier to the next reader; it must be back first (R5)."""
    return BorrowOut.model_validate(borrowing.issue_next(svc, me.actor, circulation_id))
