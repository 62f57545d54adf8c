"""清查: start an inventory of a safe or a room; scans arrive from the safes' readers and
cameras and from the desk scanner; expected / found / missing / unexpected update live;
close with the report (R9)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.pages.carriers import rooms_and_safes
from api.console.web import PAGES, Call
from api.errors import status_of
from tracker.domain.errors import NotFound, TrackerError
from tracker.domain.levels import Level
from tracker.domain.model import Inventory, InventoryState, PlaceKind
from tracker.services import inventory
from tracker.services.readings import seen_in_safes

# --- one call per use case ---------------------------------------------------------------


def _start(call: Call, places: list[str], levels: list[Level]) -> Inventory:
    return inventory.start_inventory(call.svc, call.actor, places, levels)


def _scan(call: Call, inv_id: str, codes: list[str]) -> Inventory:
    return inventory.submit_scans(call.svc, call.actor, inv_id, codes)


def _close(call: Call, inv_id: str) -> Any:
    return inventory.close_inventory(call.svc, call.actor, inv_id)


# --- pages --------------------------------------------------------------------------------


def _list_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    with call.svc.read() as uow:
        found = uow.inventories.find(order_by="-started_at", limit=50)
    return call.render(
        "inventories.html",
        status=status,
        rows=found,
        wheres=rooms_and_safes(call),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        due=inventory.schedule(call.svc),
    )


@PAGES.get("/console/inventories", "inventories")
def inventories(call: Call) -> Response:
    """Inventories, the R9 schedule and the start form."""
    return _list_page(call)


@PAGES.post("/console/inventories", "inventories")
def start(call: Call) -> Response:
    """Open an inventory of the chosen safes and rooms (all, if none) and levels."""
    problems = Problems(call.lang)
    levels = [lv for v in call.values("levels") if (lv := problems.level(v, "levels"))]
    if problems:
        return _list_page(call, 422, problems)
    try:
        inv = _start(call, call.values("places"), levels)
    except TrackerError as exc:
        return _list_page(call, status_of(exc), problems.refused(exc, call.message(exc)))
    return call.redirect(
        f"/console/inventories/{inv.id}", ok=call.t("清查已开始", "Inventory started")
    )


def _get(call: Call) -> Inventory:
    inv_id = call.path["inv_id"]
    with call.svc.read() as uow:
        inv = uow.inventories.get(inv_id)
    if inv is None:
        raise NotFound(f"no inventory {inv_id!r}", zh="没有该清查记录")
    return inv


def _safes_of(call: Call, inv: Inventory) -> list[str]:
    """The safes an inventory counts: those named, and those inside the rooms named."""
    site = call.svc.site
    if not inv.places:
        return [s.place.id for s in site.safes]
    named = set(inv.places)
    return [
        p.id
        for p in site.places
        if p.kind is PlaceKind.SAFE and (p.id in named or p.parent in named)
    ]


def _data(call: Call) -> dict[str, Any]:
    inv = _get(call)
    report = inventory.report(call.svc, inv.id)
    return {"inv": inv, "report": report, "safes": _safes_of(call, inv)}


@PAGES.get("/console/inventories/{inv_id}", "inventories")
def show(call: Call) -> Response:
    """One inventory: the scan field, the counts, the lists."""
    return call.render("inventory.html", **_data(call))


@PAGES.get("/console/part/inventories/{inv_id}", "inventories", passive=True)
def part(call: Call) -> Response:
    """The counts and lists alone, re-rendered as scans arrive."""
    return call.render("inventory_body.html", **_data(call))


def _back(inv_id: str) -> str:
    return f"/console/inventories/{inv_id}"


@PAGES.post("/console/inventories/{inv_id}/scan", "inventories")
def scan(call: Call) -> Response:
    """Codes from the desk scanner (or typed): serials, barcodes or EPCs."""
    inv = _get(call)
    codes = [c for c in call.value("code").split() if c]
    if not codes:
        return call.redirect(_back(inv.id), error=call.t("请扫描或输入编号", "scan or type a code"))
    return call.attempt(
        _back(inv.id),
        call.t(f"已清点 {' '.join(codes)}", f"Counted {' '.join(codes)}"),
        _scan,
        call,
        inv.id,
        codes,
    )


@PAGES.post("/console/inventories/{inv_id}/readers", "inventories")
def from_readers(call: Call) -> Response:
    """What the safes' own readers and cameras see now counts as found."""
    inv = _get(call)
    codes = seen_in_safes(call.svc, _safes_of(call, inv))
    if inv.state is not InventoryState.OPEN:
        return call.redirect(_back(inv.id), error=call.t("该清查已结束", "the inventory is closed"))
    if not codes:
        return call.redirect(
            _back(inv.id), ok=call.t("保险柜读写器未读到载体", "the safes' readers see nothing")
        )
    return call.attempt(
        _back(inv.id),
        call.t(f"保险柜读写器读到 {len(codes)} 件", f"the safes' readers see {len(codes)}"),
        _scan,
        call,
        inv.id,
        codes,
    )


@PAGES.post("/console/inventories/{inv_id}/close", "inventories")
def close(call: Call) -> Response:
    """Close: carriers not found are marked missing and alerted (R9, R13)."""
    inv = _get(call)
    return call.attempt(
        _back(inv.id),
        call.t("清查已结束，报告如下", "Closed: the report follows"),
        _close,
        call,
        inv.id,
    )
