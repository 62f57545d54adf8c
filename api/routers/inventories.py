"""Inventories (清查, R9): start, submit scans, close with a report."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Custodian, Keeper, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.records import InventoryIn, InventoryOut, InventoryReportOut, ScansIn
from tracker.domain.errors import NotFound
from tracker.services import inventory

router = APIRouter(prefix="/api/v1/inventories", tags=["inventories"], responses=ERROR_RESPONSES)


@router.post("", response_model=InventoryOut, status_code=201, summary="Start an inventory")
def start(body: InventoryIn, me: Custodian, svc: Svc) -> InventoryOut:
    """Open an inventory of places (all if none) and levels (all if none)."""
    return InventoryOut.model_validate(
        inventory.start_inventory(svc, me.actor, body.places, body.levels)
    )


@router.get("", response_model=Page[InventoryOut], summary="List inventories")
def list_inventories(
    me: Keeper, svc: Svc, limit: Limit = 50, offset: Offset = 0
) -> Page[InventoryOut]:
    """Inventories, newest first."""
    with svc.read() as uow:
        total = uow.inventories.count()
        found = uow.inventories.find(order_by="-started_at", limit=limit, offset=offset)
    return Page[InventoryOut](
        items=[InventoryOut.model_validate(i) for i in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{inv_id}", response_model=InventoryOut, summary="Show an inventory")
def show(inv_id: IdPath, me: Keeper, svc: Svc) -> InventoryOut:
    """One inventory session."""
    with svc.read() as uow:
        inv = uow.inventories.get(inv_id)
    if inv is None:
        raise NotFound(f"no inventory {inv_id!r}", zh="没有该清查记录")
    return InventoryOut.model_validate(inv)


@router.post("/{inv_id}/scans", response_model=InventoryOut, summary="Submit scanned codes")
def scans(inv_id: IdPath, body: ScansIn, me: Custodian, svc: Svc) -> InventoryOut:
    """Add serials, barcodes or EPCs seen; scanning twice changes nothing."""
    return InventoryOut.model_validate(inventory.submit_scans(svc, me.actor, inv_id, body.codes))


@router.post("/{inv_id}/close", response_model=InventoryReportOut, summary="Close with a report")
def close(inv_id: IdPath, me: Custodian, svc: Svc) -> InventoryReportOut:
    """Close: missing carriers are marked missing and alerted (R9, R13)."""
    return InventoryReportOut.model_validate(inventory.close_inventory(svc, me.actor, inv_id))


@router.get("/{inv_id}/report", response_model=InventoryReportOut, summary="The report so far")
def report(inv_id: IdPath, me: Keeper, svc: Svc) -> InventoryReportOut:
    """Expected / found / missing / unexpected / unknown."""
    return InventoryReportOut.model_validate(inventory.report(svc, inv_id))
