"""Loss, theft and leak reports (R13), and marking a missing carrier found."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Keeper, Lang, Svc
from api.schemas.carriers import CarrierOut, FoundIn
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page, SerialPath
from api.schemas.records import LossIn, LossOut
from api.views import show
from tracker.domain.errors import NotFound
from tracker.services import loss

router = APIRouter(prefix="/api/v1", tags=["loss"], responses=ERROR_RESPONSES)


@router.post("/loss-reports", response_model=LossOut, status_code=201, summary="Report a loss")
def report(body: LossIn, me: AnyUser, svc: Svc) -> LossOut:
    """Anyone reports at once (R13); the carrier is marked missing and alerted."""
    r = loss.report_loss(
        svc, me.actor, body.serial, body.kind, body.description, body.discovered_at
    )
    return LossOut.model_validate(r)


@router.get("/loss-reports", response_model=Page[LossOut], summary="List loss reports")
def list_reports(me: Keeper, svc: Svc, limit: Limit = 50, offset: Offset = 0) -> Page[LossOut]:
    """Loss reports, newest first."""
    with svc.read() as uow:
        total = uow.loss_reports.count()
        found = uow.loss_reports.find(order_by="-reported_at", limit=limit, offset=offset)
    return Page[LossOut](
        items=[LossOut.model_validate(r) for r in found], total=total, limit=limit, offset=offset
    )


@router.post(
    "/carriers/{serial}/found", response_model=CarrierOut, summary="A missing carrier is back"
)
def found(serial: SerialPath, body: FoundIn, me: Custodian, svc: Svc, lang: Lang) -> CarrierOut:
    """The custodian has the carrier again; its loss and mismatch alerts are resolved."""
    loss.mark_found(svc, me.actor, serial, body.note)
    with svc.read() as uow:
        c = uow.carriers.get(serial)
    if c is None:  # pragma: no cover - mark_found raised already
        raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
    return show(me, c, lang, svc)
