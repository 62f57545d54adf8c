"""Holiday sealing (封存, R19): the seals, the holiday periods ahead, sealing and unsealing
a safe by hand."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Custodian, Keeper, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.meetings import HolidayOut, SealIn, SealOut
from tracker.services import sealing

router = APIRouter(prefix="/api/v1/seals", tags=["seals"], responses=ERROR_RESPONSES)


@router.get("", response_model=Page[SealOut], summary="List seals")
def list_seals(me: Keeper, svc: Svc, limit: Limit = 50, offset: Offset = 0) -> Page[SealOut]:
    """Seals, latest first, with their snapshots and comparisons."""
    with svc.read() as uow:
        total = uow.seals.count()
        found = uow.seals.find(order_by="-sealed_at", limit=limit, offset=offset)
    return Page[SealOut](
        items=[SealOut.model_validate(s) for s in found], total=total, limit=limit, offset=offset
    )


@router.get("/holidays", response_model=list[HolidayOut], summary="Holiday periods ahead")
def holidays(me: Keeper, svc: Svc) -> list[HolidayOut]:
    """The calendar's holiday periods of the coming year: when the secure room's safes
    are sealed and unsealed (R19)."""
    return [HolidayOut.model_validate(p) for p in sealing.periods(svc)]


@router.get("/{seal_id}", response_model=SealOut, summary="Show a seal")
def show(seal_id: IdPath, me: Keeper, svc: Svc) -> SealOut:
    """One seal."""
    return SealOut.model_validate(sealing.get(svc, seal_id))


@router.post("", response_model=SealOut, status_code=201, summary="Seal a safe")
def seal(body: SealIn, me: Custodian, svc: Svc) -> SealOut:
    """Seal a safe now: its readers' view of its contents is the snapshot (R19)."""
    return SealOut.model_validate(
        sealing.seal_safe(svc, me.actor, body.safe, body.reason, body.until)
    )


@router.post("/{seal_id}/unseal", response_model=SealOut, summary="Unseal a safe")
def unseal(seal_id: IdPath, me: Custodian, svc: Svc) -> SealOut:
    """Unseal: the contents are compared with the snapshot, every difference an alert."""
    return SealOut.model_validate(sealing.unseal(svc, me.actor, seal_id))
