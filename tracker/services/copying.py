"""Copying (复制, R8): approved, never for top secret, and every copy is a carrier of its
own, linked to the original and managed like it."""

from __future__ import annotations

from dataclasses import replace

from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, CarrierState, CopyRequest, Role, new_id
from tracker.domain.rules import require_copy_allowed, require_not_self
from tracker.services.base import Services, Tx
from tracker.services.receive import new_epc, next_serial

MAX_COPIES = 100


def request_copy(svc: Services, actor: str, serial: str, count: int, reason: str) -> CopyRequest:
    """Ask to copy a carrier ``count`` times (R8)."""
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        c = tx.carrier(serial)
        require_copy_allowed(c)
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
        tx.uow.copy_requests.add(req)
        tx.record(
            Action.COPY_REQUEST,
            actor,
            carrier=serial,
            reason=req.reason,
            data={"copy_request": req.id, "count": count},
        )
        return req


def _get(tx: Tx, req_id: str) -> CopyRequest:
    r = tx.uow.copy_requests.get(req_id)
    if r is None:
        raise NotFound(f"no copy request {req_id!r}", zh="没有该复制申请")
    return r


def decide_copy(
    svc: Services, actor: str, req_id: str, approve: bool, note: str = ""
) -> CopyRequest:
    """An approver approves or rejects a copy request; never their own."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        r = _get(tx, req_id)
        if r.state is not ApprovalState.REQUESTED:
            raise Conflict(f"copy request {r.id} is {r.state.value}", zh="该申请已处理")
        require_not_self(actor, r.requested_by, "approve", "R8", "审批")
        require_copy_allowed(tx.carrier(r.original))
        r.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        r.approver, r.decided_at = actor, tx.now
        tx.record(
            Action.COPY_APPROVE,
            actor,
            carrier=r.original,
            approver=actor,
            reason=note.strip(),
            data={"copy_request": r.id, "approved": approve},
        )
        return r


def make_copies(svc: Services, actor: str, req_id: str) -> list[str]:
    """The custodian registers the copies of an approved request as carriers (R8)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        r = _get(tx, req_id)
        if r.state is not ApprovalState.APPROVED:
            raise Conflict(
                f"copy request {r.id} is {r.state.value}, not approved", zh="该复制申请未获批准"
            )
        original = tx.carrier(r.original)
        require_copy_allowed(original)
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
