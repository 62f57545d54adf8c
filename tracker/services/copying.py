"""Copying (复制, R8): approved, never for top secret, and every copy is a carrier of its
own, linked to the original and managed like it. A request of the one approval workflow
(:mod:`tracker.services.approvals`)."""

from __future__ import annotations

from dataclasses import replace

from tracker.domain import approval
from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, CarrierState, CopyRequest, Role, new_id
from tracker.domain.rules import r8_require_copy_allowed
from tracker.services import approvals
from tracker.services.base import Services, Tx
from tracker.services.receive import new_epc, next_serial


def _still_copyable(tx: Tx, r: CopyRequest) -> None:
    # The original may have been reclassified top secret since the request.
    r8_require_copy_allowed(tx.carrier(r.original))


COPIES = approvals.Workflow[CopyRequest](
    approval.COPY,
    records=lambda uow: uow.copy_requests,
    carriers=lambda r: (r.original,),
    own=lambda r: (r.requested_by,),
    details=lambda r: {"count": r.count},
    check=_still_copyable,
)

MAX_COPIES = 100


def request_copy(svc: Services, actor: str, serial: str, count: int, reason: str) -> CopyRequest:
    """Ask to copy a carrier ``count`` times (R8)."""
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        c = tx.carrier(serial)
        r8_require_copy_allowed(c)
        if not 1 <= count <= MAX_COPIES:
            raise InvalidInput(
                "count", f"must be 1..{MAX_COPIES}", zh=f"复制份数应为1至{MAX_COPIES}"
            )
        if not reason.strip():
            raise InvalidInput("reason", "say why copies are needed", zh="须填写复制事由")
        if not c.active:
            raise Conflict(
                f"carrier {serial} is {c.state.value}", zh=f"载体 {serial} 当前为{c.state.zh}"
            )
        req = CopyRequest(new_id(), serial, count, reason.strip(), actor, tx.now)
        approvals.record_request(tx, COPIES, actor, req, reason=req.reason, data={"count": count})
        return req


def approve_copy(svc: Services, actor: str, req_id: str, note: str = "") -> CopyRequest:
    """An approver approves a copy request; never their own (R8)."""
    return approvals.decide(svc, COPIES, actor, req_id, True, note)


def reject_copy(svc: Services, actor: str, req_id: str, note: str) -> CopyRequest:
    """An approver rejects a copy request, saying why."""
    return approvals.decide(svc, COPIES, actor, req_id, False, note)


def make_copies(svc: Services, actor: str, req_id: str) -> list[str]:
    """The custodian registers the copies of an approved request as carriers (R8)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        r = approvals.get(tx.uow, COPIES, req_id)
        approvals.require_state(COPIES, r, ApprovalState.APPROVED)
        original = tx.carrier(r.original)
        r8_require_copy_allowed(original)
        today = svc.site.calendar.local_date(tx.now)
        serials = []
        for k in range(1, r.count + 1):
            serial = next_serial(tx, today)
            copy = replace(
                original,
                serial=serial,
                copy_number=k,
                total_copies=r.count,
                received_on=today,
                received_from=original.issuing_authority,
                received_by=actor,
                state=CarrierState.REGISTERED,
                location=original.home_room,
                location_at=tx.now,
                holder=None,
                labelled=False,
                original=original.serial,
                container=None,
                epc=None,
            )
            copy.epc = new_epc(tx, serial)
            tx.uow.carriers.add(copy)
            serials.append(serial)
            tx.record(
                Action.COPY,
                actor,
                carrier=serial,
                approver=r.approver,
                to_place=copy.location,
                data={
                    "original": original.serial,
                    "copy_request": r.id,
                    "copy": f"{k}/{r.count}",
                    "epc": copy.epc,
                    "marking": copy.marking.zh(),
                },
            )
        r.state, r.copies = ApprovalState.DONE, tuple(serials)
        tx.record(
            Action.COPY,
            actor,
            carrier=original.serial,
            approver=r.approver,
            data={"copies": serials, "copy_request": r.id},
        )
        return serials
