"""Loss, theft and leak reports (R13): recorded at once, the carrier marked missing, and a
critical alert raised; a leak from a computer must be reported within 24 hours."""

from __future__ import annotations

from datetime import datetime

from tracker.domain import lifecycle
from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.model import (
    AlertType,
    CarrierState,
    LossKind,
    LossReport,
    Role,
    Severity,
    SubjectKind,
    new_id,
)
from tracker.domain.rules import r13_loss_report_late
from tracker.services.alerting import raise_alert, resolve_cause
from tracker.services.base import Services


def report_loss(
    svc: Services,
    actor: str,
    serial: str,
    kind: LossKind,
    description: str,
    discovered_at: datetime,
) -> LossReport:
    """Report a carrier lost, stolen or leaked (R13)."""
    if not description.strip():
        raise InvalidInput("description", "describe what happened", zh="须说明情况")
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        if discovered_at > tx.now:
            raise InvalidInput("discovered_at", "is in the future", zh="发现时间晚于当前时间")
        c = tx.carrier(serial, lock=True)
        if c.state is CarrierState.DESTROYED:
            raise Conflict(f"carrier {serial} was destroyed", zh=f"载体 {serial} 已销毁")
        late = r13_loss_report_late(kind, discovered_at, tx.now, svc.site.policy.leak_report_hours)
        r = LossReport(
            new_id(), serial, kind, description.strip(), discovered_at, tx.now, actor, late
        )
        tx.uow.loss_reports.add(r)
        previous = c.state
        if kind is not LossKind.COMPUTER_LEAK:
            lifecycle.report_missing(c)
        tx.record(
            Action.LOSS_REPORT,
            actor,
            carrier=serial,
            reason=r.description,
            data={
                "report": r.id,
                "kind": kind.value,
                "discovered_at": discovered_at,
                "late": late,
                "previous_state": previous.value,
            },
        )
        raise_alert(
            tx,
            AlertType.LOSS_REPORTED,
            Severity.CRITICAL,
            SubjectKind.CARRIER,
            serial,
            f"loss_reported:{serial}",
            "R13",
            f"carrier {serial} reported {kind.value}" + (" (reported late)" if late else ""),
            f"载体 {serial} 报告{_KIND_ZH[kind]}" + ("（超时报告）" if late else ""),
            {"report": r.id},
        )
        return r


_KIND_ZH = {
    LossKind.LOSS: "丢失",
    LossKind.THEFT: "被盗",
    LossKind.LEAK: "泄密",
    LossKind.COMPUTER_LEAK: "计算机泄密",
}


def mark_found(svc: Services, actor: str, serial: str, note: str) -> None:
    """A missing carrier is back with the custodian."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial, lock=True)
        lifecycle.found(c, tx.now)
        tx.record(Action.FOUND, actor, carrier=serial, to_place=c.home_room, reason=note)
        for cause in (f"inventory_mismatch:{serial}", f"loss_reported:{serial}"):
            resolve_cause(tx, cause, actor, note or "found")
