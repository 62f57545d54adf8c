"""Carry-out approvals (外出携带, R6): carriers leave the building only under an approved
record naming who carries them, the escorts, where to and until when; top-secret
transport needs a special vehicle and two escorts. A request of the one approval
workflow (:mod:`tracker.services.approvals`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.domain import approval, lifecycle
from tracker.domain.disclosure import DisclosureKind
from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, CarrierState, CarryOut, Role, new_id
from tracker.domain.rules import r3_require_may_hold, r6_require_carry_out_escorts
from tracker.services import approvals, disclosure
from tracker.services.base import Services, Tx
from tracker.services.receive import put_in_safe


def _window_open(tx: Tx, co: CarryOut) -> None:
    if co.valid_until <= tx.now:
        raise Conflict("the approval window has already ended", zh="申请的有效期已过")


def _carried(tx: Tx, actor: str, co: CarryOut) -> None:
    # R16: who carries and escorts a top-secret carrier is in its disclosure record, from
    # the start of the approved window until it is back.
    for serial in co.carriers:
        c = tx.carrier(serial)
        for person in (co.carrier_person, *co.escorts):
            disclosure.contact(
                tx,
                c,
                person,
                DisclosureKind.CARRY,
                by=actor,
                ref=co.id,
                since=max(co.valid_from, tx.now),
                lasting=True,
            )


CARRY_OUTS = approvals.Workflow[CarryOut](
    approval.CARRY_OUT,
    records=lambda uow: uow.carry_outs,
    carriers=lambda co: co.carriers,
    own=lambda co: (co.requested_by,),
    takes_part=lambda co: (co.carrier_person, *co.escorts),
    check=_window_open,
    on_approve=_carried,
)


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
            r3_require_may_hold(person, c, "R6")
        escort_people = [tx.person(e, f"escorts[{i}]") for i, e in enumerate(escorts)]
        r6_require_carry_out_escorts(
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
        approvals.record_request(
            tx,
            CARRY_OUTS,
            actor,
            co,
            reason=co.reason,
            data={
                "carrier_person": carrier_person,
                "escorts": list(escorts),
                "destination": co.destination,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "vehicle": co.vehicle,
            },
        )
        return co


def approve_carry_out(svc: Services, actor: str, co_id: str, note: str = "") -> CarryOut:
    """An approver approves a carry-out; never one they asked for or take part in (R6),
    and not once its window has ended."""
    return approvals.decide(svc, CARRY_OUTS, actor, co_id, True, note)


def reject_carry_out(svc: Services, actor: str, co_id: str, note: str) -> CarryOut:
    """An approver rejects a carry-out, saying why."""
    return approvals.decide(svc, CARRY_OUTS, actor, co_id, False, note)


def return_from_carry_out(svc: Services, actor: str, co_id: str) -> CarryOut:
    """The carriers are back: close the approval and lock them away."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        co = approvals.get(tx.uow, CARRY_OUTS, co_id)
        approvals.require_state(CARRY_OUTS, co, ApprovalState.APPROVED)
        co.state, co.returned_at = ApprovalState.DONE, tx.now
        disclosure.end_contacts(tx, co.id, actor)
        for s in co.carriers:
            c = tx.carrier(s, lock=True)
            tx.record(Action.CARRY_OUT_RETURN, actor, carrier=s, data={"carry_out": co.id})
            if lifecycle.come_back(c) and c.home_safe:
                put_in_safe(tx, actor, c, None)
        return co
