"""Labelling on receipt (R15): print the carrier's label, read it back, and only then
count the carrier as labelled. Every print and reprint — confirmed or failed — is a
register entry, because a printed label exists whether or not it was confirmed."""

from __future__ import annotations

from tracker.domain.errors import Conflict, NotFound, PermissionDenied, TrackerError
from tracker.domain.ledger import Action
from tracker.domain.model import Carrier, Role
from tracker.services.base import Services
from tracker.services.ports import LabelStation, PrintResult


def label(svc: Services, actor: str, serial: str, station: LabelStation) -> PrintResult:
    """Print and confirm ``serial``'s label. A carrier already labelled gets a reprint,
    marked as one on the label. On failure the carrier stays unlabelled and the attempt
    is recorded before the error is raised."""
    with svc.read() as uow:
        person = uow.people.get(actor)
        c = uow.carriers.get(serial)
        prints = [e for e in uow.ledger.for_carrier(serial) if e.action in ("label", "reprint")]
    if c is None:
        raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
    if person is None or person.role not in (Role.CUSTODIAN, Role.OFFICER):
        raise PermissionDenied(f"{actor} may not print labels", zh="只有机要员可以打印标签")
    if not c.active:
        raise Conflict(
            f"carrier {serial} is {c.state.value}", zh=f"载体 {serial} 当前为{c.state.zh}"
        )
    confirmed = [e for e in prints if e.data.get("ok")]
    reprint = len(confirmed)  # 0 for the first label; the n-th reprint is marked #n
    try:
        result = station.print_label(c, reprint=reprint)
    except TrackerError as exc:
        _record(svc, actor, c, station.printer_id, reprint, None, exc)
        raise
    _record(svc, actor, c, station.printer_id, reprint, result, None)
    return result


def _record(
    svc: Services,
    actor: str,
    c: Carrier,
    printer: str,
    reprint: int,
    result: PrintResult | None,
    error: TrackerError | None,
) -> None:
    with svc.transaction() as tx:
        current = tx.carrier(c.serial, lock=True)
        if result is not None and current.epc == c.epc:
            current.labelled = True
        data: dict[str, object] = {
            "ok": result is not None,
            "printer": printer,
            "reprint": reprint,
            "epc": c.epc,
            "marking": c.marking.zh(),
        }
        if result is not None:
            data.update(kind=result.kind, barcode=result.barcode, tag_epc=result.tag_epc)
        else:
            data["error"] = error.message if error else ""
        tx.record(Action.REPRINT if reprint else Action.LABEL, actor, carrier=c.serial, data=data)
