"""Level changes (密级变更, R11): a custodian asks for a new level and period, or for
early declassification; an approver approves (applied at once) or rejects."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Custodian, KeeperOrApprover, Svc
from api.routers.decisions import add_decisions
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import LevelChangeIn, LevelChangeOut
from tracker.domain.errors import InvalidInput
from tracker.domain.model import ApprovalState
from tracker.domain.period import SecrecyPeriod
from tracker.services import classification

router = APIRouter(
    prefix="/api/v1/level-changes", tags=["classification"], responses=ERROR_RESPONSES
)


@router.post("", response_model=LevelChangeOut, status_code=201, summary="Ask for a level change")
def request(body: LevelChangeIn, me: Custodian, svc: Svc) -> LevelChangeOut:
    """A new level and period, or early declassification, for an approver to decide."""
    if body.declassify:
        r = classification.request_declassification(svc, me.actor, body.serial, body.reason)
    else:
        if body.level is None or body.period is None:
            field = "level" if body.level is None else "period"
            raise InvalidInput(
                field, "name the new level and period", zh="须填写新的密级和保密期限"
            )
        period = SecrecyPeriod.parse(body.period, "period")
        r = classification.request_reclassification(
            svc, me.actor, body.serial, body.level, period, body.reason
        )
    return LevelChangeOut.model_validate(r)


@router.get("", response_model=Page[LevelChangeOut], summary="List level changes")
def list_level_changes(
    me: KeeperOrApprover,
    svc: Svc,
    state: ApprovalState | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[LevelChangeOut]:
    """Level changes, newest first (``state=requested``: those awaiting a decision)."""
    eq = {"state": state} if state else {}
    with svc.read() as uow:
        total = uow.level_changes.count(**eq)
        found = uow.level_changes.find(order_by="-requested_at", limit=limit, offset=offset, **eq)
    return Page[LevelChangeOut](
        items=[LevelChangeOut.model_validate(r) for r in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{change_id}", response_model=LevelChangeOut, summary="Show a level change")
def show(change_id: IdPath, me: KeeperOrApprover, svc: Svc) -> LevelChangeOut:
    """One level change."""
    return LevelChangeOut.model_validate(classification.level_change(svc, change_id))


add_decisions(
    router,
    param="change_id",
    out=LevelChangeOut,
    noun="level change",
    rule="R11",
    approve=classification.approve_level_change,
    reject=classification.reject_level_change,
)
