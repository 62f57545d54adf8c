"""Inventories (清查, R9): count what is in some places, compare with the register, and
report expected / found / missing / unexpected; missing carriers raise critical alerts.
The R9 schedule says when each level is next due: top secret monthly, others quarterly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tracker.domain import lifecycle
from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.model import (
    AlertType,
    Carrier,
    CarrierState,
    Inventory,
    InventoryState,
    Role,
    Severity,
    SubjectKind,
    new_id,
)
from tracker.domain.rules import r9_inventory_due
from tracker.services.alerting import raise_alert
from tracker.services.base import Services, Tx

_KEPT = [CarrierState.IN_SAFE, CarrierState.REGISTERED]


@dataclass(frozen=True)
class InventoryReport:
    """The outcome of an inventory."""

    id: str
    state: str
    expected: tuple[str, ...]
    found: tuple[str, ...]
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]  # serials of carriers that belong elsewhere
    unknown: tuple[str, ...]  # codes that are no carrier of ours
    out: tuple[str, ...]  # carriers of these places that are out on borrow, not counted


def _in_scope(c: Carrier, places: set[str], levels: set[Level]) -> bool:
    if levels and c.level not in levels:
        return False
    return not places or c.home_room in places or c.home_safe in places


def start_inventory(
    svc: Services, actor: str, places: Sequence[str] = (), levels: Sequence[Level] = ()
) -> Inventory:
    """Open an inventory of ``places`` (all if empty) for ``levels`` (all if empty)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        for i, p in enumerate(places):
            tx.place(p, f"places[{i}]")
        pset, lset = set(places), set(levels)
        kept = tx.uow.carriers.find(state=_KEPT, order_by="serial")
        expected = tuple(c.serial for c in kept if _in_scope(c, pset, lset))
        inv = Inventory(new_id(), tuple(places), tuple(levels), actor, tx.now, expected)
        tx.uow.inventories.add(inv)
        tx.record(
            Action.INVENTORY_START,
            actor,
            data={
                "inventory": inv.id,
                "places": list(places),
                "levels": [lv.value for lv in levels],
                "expected": len(expected),
            },
        )
        return inv


def _get(tx: Tx, inv_id: str) -> Inventory:
    inv = tx.uow.inventories.get(inv_id)
    if inv is None:
        raise NotFound(f"no inventory {inv_id!r}", zh="没有该清查记录")
    return inv


def submit_scans(svc: Services, actor: str, inv_id: str, codes: Sequence[str]) -> Inventory:
    """Add what was seen (serials, barcodes or EPC hex); scanning twice changes nothing."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        inv = _get(tx, inv_id)
        if inv.state is not InventoryState.OPEN:
            raise Conflict(f"inventory {inv.id} is closed", zh="该清查已结束")
        expected = set(inv.expected)
        found, unexpected = list(inv.found), list(inv.unexpected)
        for i, raw in enumerate(codes):
            code = raw.strip()
            if not code:
                raise InvalidInput(f"codes[{i}]", "empty code", zh="空的编码")
            c = tx.uow.carriers.get(code) or tx.uow.carriers.by_epc(code.upper())
            key = c.serial if c else code
            if key in expected:
                if key not in found:
                    found.append(key)
            elif key not in unexpected:
                unexpected.append(key)
        inv.found, inv.unexpected = tuple(found), tuple(unexpected)
        return inv


def close_inventory(svc: Services, actor: str, inv_id: str) -> InventoryReport:
    """Close the inventory: missing carriers are marked missing and alerted (R9, R13)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        inv = _get(tx, inv_id)
        if inv.state is not InventoryState.OPEN:
            raise Conflict(f"inventory {inv.id} is already closed", zh="该清查已结束")
        inv.state, inv.closed_at, inv.closed_by = InventoryState.CLOSED, tx.now, actor
        report = _report(tx, inv)
        for s in report.missing:
            c = tx.carrier(s, lock=True)
            lifecycle.report_missing(c)
            tx.record(
                Action.MISSING,
                actor,
                carrier=s,
                from_place=c.location,
                reason="not found in inventory",
                data={"inventory": inv.id},
            )
            _mismatch(tx, inv, s, "missing", "was not found", "清查中未找到载体")
        for s in report.unexpected:
            _mismatch(
                tx,
                inv,
                s,
                "unexpected",
                "was found where it does not belong",
                "清查中在非存放场所发现载体",
            )
        for code in report.unknown:
            raise_alert(
                tx,
                AlertType.UNKNOWN_TAG,
                Severity.WARNING,
                SubjectKind.TAG,
                code,
                f"unknown_tag:{code}",
                None,
                f"unregistered code {code} seen in inventory",
                f"清查中发现未登记的编码 {code}",
                {"inventory": inv.id},
            )
        tx.record(
            Action.INVENTORY_CLOSE,
            actor,
            data={
                "inventory": inv.id,
                "expected": len(report.expected),
                "found": len(report.found),
                "missing": list(report.missing),
                "unexpected": list(report.unexpected),
                "unknown": len(report.unknown),
            },
        )
        return report


def _mismatch(tx: Tx, inv: Inventory, serial: str, kind: str, what: str, zh: str) -> None:
    raise_alert(
        tx,
        AlertType.INVENTORY_MISMATCH,
        Severity.CRITICAL,
        SubjectKind.CARRIER,
        serial,
        f"inventory_mismatch:{serial}",
        "R9",
        f"carrier {serial} {what} in inventory {inv.id}",
        f"{zh} {serial}",
        {"inventory": inv.id, "kind": kind},
    )


def report(svc: Services, inv_id: str) -> InventoryReport:
    """The current report of an inventory (open or closed)."""
    with svc.transaction() as tx:
        return _report(tx, _get(tx, inv_id))


def _report(tx: Tx, inv: Inventory) -> InventoryReport:
    known = [s for s in inv.unexpected if tx.uow.carriers.get(s) is not None]
    unknown = [s for s in inv.unexpected if s not in known]
    pset, lset = set(inv.places), set(inv.levels)
    away = tx.uow.carriers.find(
        state=[CarrierState.OUT, CarrierState.IN_TRANSIT], order_by="serial"
    )
    return InventoryReport(
        id=inv.id,
        state=inv.state.value,
        expected=inv.expected,
        found=inv.found,
        missing=inv.missing,
        unexpected=tuple(known),
        unknown=tuple(unknown),
        out=tuple(c.serial for c in away if _in_scope(c, pset, lset)),
    )


def schedule(svc: Services, today: date | None = None) -> dict[Level, date]:
    """R9: when a whole-site inventory of each level is next due."""
    with svc.transaction() as tx:
        return due_levels(tx, today or svc.site.calendar.local_date(tx.now))


def due_levels(tx: Tx, today: date) -> dict[Level, date]:
    """Inside a transaction: the next due date of a whole-site inventory per level."""
    cal = tx.svc.site.calendar
    closed = tx.uow.inventories.find(state=InventoryState.CLOSED, order_by="-closed_at")
    whole = [i for i in closed if not i.places and i.closed_at is not None]
    out = {}
    for level in Level:
        last = next(
            (
                cal.local_date(i.closed_at)
                for i in whole
                if i.closed_at and (not i.levels or level in i.levels)
            ),
            None,
        )
        out[level] = r9_inventory_due(level, last, dict(tx.svc.site.policy.inventory_months), today)
    return out
