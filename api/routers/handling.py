"""Three-day handling of top-secret receipts (R18): the deadlines, the leader's
instructions (批办) and the custodian's record that a receipt was handled (办理)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Approver, Custodian, KeeperOrApprover, Svc
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page, SerialPath
from api.schemas.disclosure import HandlingNoteIn, HandlingOut
from tracker.services import handling

router = APIRouter(prefix="/api/v1", tags=["handling"], responses=ERROR_RESPONSES)


@router.get("/handlings", response_model=Page[HandlingOut], summary="Top-secret receipts to handle")
def listing(
    me: KeeperOrApprover, svc: Svc, pending: bool = False, limit: Limit = 50, offset: Offset = 0
) -> Page[HandlingOut]:
    """Handling deadlines, nearest first (only those not yet handled with ``pending``)."""
    views, total = handling.listing(svc, me.person, pending=pending, limit=limit, offset=offset)
    return Page[HandlingOut](
        items=[HandlingOut.of(v) for v in views], total=total, limit=limit, offset=offset
    )


@router.get(
    "/carriers/{serial}/handling",
    response_model=HandlingOut,
    summary="A top-secret receipt's handling",
)
def show(serial: SerialPath, me: KeeperOrApprover, svc: Svc) -> HandlingOut:
    """Its deadline, instructions and handling; 404 for a carrier without one."""
    return HandlingOut.of(handling.of_carrier(svc, me.person, serial))


@router.post(
    "/carriers/{serial}/handling/instruct",
    response_model=HandlingOut,
    summary="Write instructions on a top-secret receipt (批办)",
)
def instruct(serial: SerialPath, body: HandlingNoteIn, me: Approver, svc: Svc) -> HandlingOut:
    """A leader who may hold the carrier (R3) writes how it is to be handled (R18)."""
    handling.instruct(svc, me.actor, serial, body.note)
    return HandlingOut.of(handling.of_carrier(svc, me.person, serial))


@router.post(
    "/carriers/{serial}/handling/done",
    response_model=HandlingOut,
    summary="Record a top-secret receipt handled (办理)",
)
def done(serial: SerialPath, body: HandlingNoteIn, me: Custodian, svc: Svc) -> HandlingOut:
    """The custodian records what was done; its reminders and overdue alert are resolved."""
    handling.complete(svc, me.actor, serial, body.note)
    return HandlingOut.of(handling.of_carrier(svc, me.person, serial))
