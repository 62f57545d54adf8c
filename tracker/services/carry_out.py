"""Carry-out approvals (外出携带, R6): carriers leave the building only under an approved
record naming who carries them, the escorts, where to and until when; top-secret
transport needs a special vehicle and two escorts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, CarrierState, CarryOut, Role, new_id
from tracker.domain.rules import require_carry_out_escorts, require_may_hold, require_not_self
from tracker.services.base import Services, Tx
from tracker.services.receive import put_in_safe


def request_carry_out(
    svc: Services,
    actor: str,
    serials: Sequence[str],
    carrier_person: str,
    escorts: Sequence[str],
    destination: str,
    reason: str,
    valid_from: datetime,
    valid_until: datetime,
    vehicle: str = "",
) -> CarryOut:
    """Ask to take carriers out of the building (R6)."""
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        if not serials or len(set(serials)) != len(serials):
            raise InvalidInput("serials", "name each carrier once", zh="载体不能为空或重复")
        if valid_until <= valid_from:
            raise InvalidInput(
                "valid_until", "must be after valid_from", zh="截止时间须晚于开始时间"
            )
        if not destination.strip() or not reason.strip():
            field = "destination" if not destination.strip() else "reason"
            raise InvalidInput(field, "must not be empty", zh="不能为空")
        person = tx.person(carrier_person, "carrier_person")
        if carrier_person in escorts or len(set(escorts)) != len(escorts):
            raise InvalidInput(
                "escorts",
                "escorts are distinct people other than the carrier",
                zh="护送人员不能重复，也不能是携带人本人",
            )
        carriers = [tx.carrier(s) for s in serials]
        for c in carriers:
            if not c.active or c.state is CarrierState.MISSING:
                raise Conflict(
                    f"carrier {c.serial} is {c.state.value}",
                    zh=f"载体 {c.serial} 当前为{c.state.zh}",
                )
            require_may_hold(person, c, "R6")
        escort_people = [tx.person(e, f"escorts[{i}]") for i, e in enumerate(escorts)]
        require_carry_out_escorts(
            carriers, escort_people, vehicle, svc.site.policy.escorts_for_top_secret
        )
        co = CarryOut(
            id=new_id(),
            carriers=tuple(serials),
            carrier_person=carrier_person,
            escorts=tuple(escorts),
            destination=destination.strip(),
            reason=reason.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            requested_by=actor,
            requested_at=tx.now,
            vehicle=vehicle.strip(),
        )
        tx.uow.carry_outs.add(co)
        for s in serials:
            tx.record(
                Action.CARRY_OUT_REQUEST,
                actor,
                carrier=s,
                reason=co.reason,
                data={
                    "carry_out": co.id,
                    "carrier_person": carrier_person,
                    "escorts": list(escorts),
                    "destination": co.destination,
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "vehicle": co.vehicle,
                },
            )
        return co


def _get(tx: Tx, co_id: str) -> CarryOut:
    co = tx.uow.carry_outs.get(co_id)
    if co is None:
        raise NotFound(f"no carry-out approval {co_id!r}", zh="没有该外出携带审批记录")
    return co


def decide_carry_out(
    svc: Services, actor: str, co_id: str, approve: bool, note: str = ""
) -> CarryOut:
    """An approver approves or rejects a carry-out; never one they asked for or take part in."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        co = _get(tx, co_id)
        if co.state is not ApprovalState.REQUESTED:
            raise Conflict(f"carry-out {co.id} is {co.state.value}", zh="该申请已处理")
        require_not_self(actor, co.requested_by, "approve", "R6", "审批")
        if actor == co.carrier_person or actor in co.escorts:
            raise RuleViolation(
                "R6",
                "an approver may not approve a carry-out they take part in",
                zh="审批人不得审批本人参与的外出携带",
            )
        if approve and co.valid_until <= tx.now:
            raise Conflict("the approval window has already ended", zh="申请的有效期已过")
        co.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        co.approver, co.decided_at = actor, tx.now
        for s in co.carriers:
            tx.record(
                Action.CARRY_OUT_APPROVE if approve else Action.CARRY_OUT_REJECT,
                actor,
                carrier=s,
                approver=actor,
                reason=note.strip(),
                data={"carry_out": co.id},
            )
        return co


def return_from_carry_out(svc: Services, actor: str, co_id: str) -> CarryOut:
    """The carriers are back: close the approval and lock them away."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        co = _get(tx, co_id)
        if co.state is not ApprovalState.APPROVED:
            raise Conflict(
                f"carry-out {co.id} is {co.state.value}", zh="该外出携带未获批准或已结束"
            )
        co.state, co.returned_at = ApprovalState.DONE, tx.now
        for s in co.carriers:
            c = tx.carrier(s, lock=True)
            tx.record(Action.CARRY_OUT_RETURN, actor, carrier=s, data={"carry_out": co.id})
            if c.state in (CarrierState.IN_TRANSIT, CarrierState.OUT, CarrierState.REGISTERED):
                c.state, c.holder = CarrierState.REGISTERED, None
                if c.home_safe:
                    put_in_safe(tx, actor, c, None)
        return co
