"""Borrows (借阅, R3/R4): request, approve or reject, check out, return, overdue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import Principal
from api.deps import AnyUser, Custodian, Keeper, Svc
from api.routers.decisions import add_decisions
from api.schemas.common import ERROR_RESPONSES, Ident, IdPath, Limit, Offset, Page
from api.schemas.records import BorrowIn, BorrowOut, ReturnIn
from tracker.domain.errors import Conflict, NotFound
from tracker.domain.model import Borrow, BorrowState
from tracker.services import borrowing, knowledge
from tracker.services.base import Services

router = APIRouter(prefix="/api/v1/borrows", tags=["borrows"], responses=ERROR_RESPONSES)


def _get(svc: Services, me: Principal, borrow_id: str) -> Borrow:
    b = knowledge.request_for(svc, me.person, "borrows", borrow_id)
    if not isinstance(b, Borrow):
        raise NotFound(f"no borrow {borrow_id!r}", zh=f"没有借阅记录 {borrow_id!r}")
    return b


@router.post("", response_model=BorrowOut, status_code=201, summary="Ask to borrow a carrier")
def request(body: BorrowIn, me: AnyUser, svc: Svc) -> BorrowOut:
    """Staff ask for themselves; custodians may ask on someone's behalf (R3)."""
    b = borrowing.request_borrow(
        svc,
        me.actor,
        body.serial,
        body.borrower or me.actor,
        body.destination,
        body.purpose,
        body.due_at,
    )
    return BorrowOut.model_validate(b)


@router.get("", response_model=Page[BorrowOut], summary="List borrows")
def list_borrows(
    me: AnyUser,
    svc: Svc,
    state: BorrowState | None = None,
    borrower: Annotated[Ident | None, Query()] = None,
    serial: Annotated[Ident | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BorrowOut]:
    """Borrows, newest request first; staff see only their own."""
    eq: dict[str, Any] = {}
    if state:
        eq["state"] = state
    if serial:
        eq["carrier"] = serial
    if borrower:
        eq["borrower"] = borrower
    found, total = knowledge.visible_requests(
        svc, me.person, "borrows", limit=limit, offset=offset, **eq
    )
    return Page[BorrowOut](
        items=[BorrowOut.model_validate(b) for b in found], total=total, limit=limit, offset=offset
    )


@router.get("/overdue", response_model=list[BorrowOut], summary="Overdue borrows (R4)")
def overdue(me: Keeper, svc: Svc, limit: Limit = 100) -> list[BorrowOut]:
    """Checked-out borrows past their due time, oldest due first."""
    return [BorrowOut.model_validate(b) for b in borrowing.overdue(svc, limit)]


@router.get("/{borrow_id}", response_model=BorrowOut, summary="Show a borrow")
def show_borrow(borrow_id: IdPath, me: AnyUser, svc: Svc) -> BorrowOut:
    """One borrow (staff: only their own)."""
    return BorrowOut.model_validate(_get(svc, me, borrow_id))


add_decisions(
    router,
    param="borrow_id",
    out=BorrowOut,
    noun="borrow",
    rule="R3",
    approve=borrowing.approve_borrow,
    reject=borrowing.reject_borrow,
)


@router.post("/{borrow_id}/check-out", response_model=BorrowOut, summary="Hand the carrier out")
def check_out(borrow_id: IdPath, me: Custodian, svc: Svc) -> BorrowOut:
    """The custodian hands an approved borrow's carrier to the borrower."""
    return BorrowOut.model_validate(borrowing.check_out(svc, me.actor, borrow_id))


@router.post("/{borrow_id}/return", response_model=BorrowOut, summary="Take the carrier back")
def return_borrow(borrow_id: IdPath, body: ReturnIn, me: Custodian, svc: Svc) -> BorrowOut:
    """The custodian takes the carrier back and locks it away."""
    b = _get(svc, me, borrow_id)
    if b.state is not BorrowState.OUT:
        raise Conflict(f"borrow {b.id} is {b.state.value}, not out", zh=f"借阅 {b.id} 当前未借出")
    return BorrowOut.model_validate(borrowing.return_carrier(svc, me.actor, b.carrier, body.safe))
