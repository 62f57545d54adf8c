"""Destruction (销毁, R10): registered, approved, watched by at least two people who are
not the requester, at a designated place. A destroyed carrier's EPC is never reused."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from tracker.domain.ledger import Action
from tracker.domain.model import (
    ApprovalState,
    CarrierState,
    Destruction,
    PlaceKind,
    Role,
    RoomKind,
    new_id,
)
from tracker.domain.rules import require_not_self, require_witnesses
from tracker.services.base import Services, Tx


def request_destruction(
    svc: Services, actor: str, serials: Sequence[str], place: str, method: str, reason: str
) -> Destruction:
    """Register carriers for destruction at a designated place (R10)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        if not serials or len(set(serials)) != len(serials):
            raise InvalidInput("serials", "name each carrier once", zh="载体不能为空或重复")
        where = tx.place(place, "place")
        if where.kind is not PlaceKind.ROOM or where.room_kind in (
            RoomKind.PASSAGE,
            RoomKind.OUTSIDE,
        ):
            raise InvalidInput(
                "place",
                f"{place} is not a room designated for destruction",
                zh=f"{where.name}不是指定的销毁场所",
            )
        if not method.strip() or not reason.strip():
            raise InvalidInput(
                "method" if not method.strip() else "reason", "must not be empty", zh="不能为空"
            )
        for s in serials:
            c = tx.carrier(s)
            if c.state in (CarrierState.DESTROYED, CarrierState.OUT, CarrierState.IN_TRANSIT):
                raise Conflict(
                    f"carrier {s} is {c.state.value}", zh=f"载体 {s} 当前为{c.state.zh}，不能销毁"
                )
        d = Destruction(
            new_id(), tuple(serials), actor, tx.now, place, method.strip(), reason.strip()
        )
        tx.uow.destructions.add(d)
        for s in serials:
            tx.record(
                Action.DESTROY_REQUEST,
                actor,
                carrier=s,
                to_place=place,
                reason=d.reason,
                data={"destruction": d.id, "method": d.method},
            )
        return d


def _get(tx: Tx, d_id: str) -> Destruction:
    d = tx.uow.destructions.get(d_id)
    if d is None:
        raise NotFound(f"no destruction {d_id!r}", zh="没有该销毁记录")
    return d


def approve_destruction(
    svc: Services, actor: str, d_id: str, approve: bool = True, note: str = ""
) -> Destruction:
    """An approver approves or rejects; never their own request (R10)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        d = _get(tx, d_id)
        if d.state is not ApprovalState.REQUESTED:
            raise Conflict(f"destruction {d.id} is {d.state.value}", zh="该销毁申请已处理")
        require_not_self(actor, d.requested_by, "approve", "R10", "审批")
        d.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        d.approver, d.decided_at = actor, tx.now
        for s in d.carriers:
            tx.record(
                Action.DESTROY_APPROVE,
                actor,
                carrier=s,
                approver=actor,
                reason=note,
                data={"destruction": d.id, "approved": approve},
            )
        return d


def witness(svc: Services, actor: str, d_id: str) -> Destruction:
    """``actor`` signs as a witness of the destruction (监销); not the requester (R10)."""
    with svc.transaction() as tx:
        p = tx.person(actor, "actor")
        d = _get(tx, d_id)
        if d.state is not ApprovalState.APPROVED:
            raise Conflict(
                f"destruction {d.id} is {d.state.value}, not approved", zh="该销毁尚未批准"
            )
        if actor == d.requested_by:
            raise RuleViolation(
                "R10",
                "the requester may not witness their own destruction",
                zh="申请人不得作为本次销毁的监销人",
            )
        if actor in d.witnesses:
            raise Conflict(f"{actor} has already signed as a witness", zh=f"{p.name}已签署监销")
        if not p.active:
            raise RuleViolation(
                "R10", f"{actor} is not on a classified post", zh=f"{p.name}不在涉密岗位"
            )
        d.witnesses = (*d.witnesses, actor)
        for s in d.carriers:
            tx.record(Action.DESTROY_WITNESS, actor, carrier=s, data={"destruction": d.id})
        return d


def execute_destruction(svc: Services, actor: str, d_id: str) -> Destruction:
    """Destroy the carriers: approved, and at least two distinct witnesses (R10)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        d = _get(tx, d_id)
        if d.state is not ApprovalState.APPROVED:
            raise Conflict(
                f"destruction {d.id} is {d.state.value}, not approved", zh="该销毁尚未批准"
            )
        require_witnesses(d.requested_by, d.witnesses)
        for s in d.carriers:
            c = tx.carrier(s, lock=True)
            if c.state in (CarrierState.DESTROYED, CarrierState.OUT, CarrierState.IN_TRANSIT):
                raise Conflict(f"carrier {s} is {c.state.value}", zh=f"载体 {s} 当前为{c.state.zh}")
            previous = c.location
            c.state, c.location, c.holder, c.location_at = (
                CarrierState.DESTROYED,
                None,
                None,
                tx.now,
            )
            tx.record(
                Action.DESTROY,
                actor,
                carrier=s,
                approver=d.approver,
                from_place=previous,
                to_place=d.place,
                reason=d.reason,
                data={
                    "destruction": d.id,
                    "witnesses": list(d.witnesses),
                    "method": d.method,
                    "epc_retired": c.epc,
                },
            )
            tx.emit("carrier", serial=s, state=c.state.value, action="destroy")
        d.state, d.executed_at, d.executed_by = ApprovalState.DONE, tx.now, actor
        return d
