"""Destruction (销毁, R10): registered, approved, watched by at least two people who are
not the requester, at a designated place. A destroyed carrier's EPC is never reused. A
request of the one approval workflow (:mod:`tracker.services.approvals`)."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.domain import approval, lifecycle
from tracker.domain.disclosure import DisclosureKind
from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, Destruction, PlaceKind, Role, RoomKind, new_id
from tracker.domain.rules import r10_require_witness, r10_require_witnesses
from tracker.services import approvals, disclosure
from tracker.services.base import Services

DESTRUCTIONS = approvals.Workflow[Destruction](
    approval.DESTRUCTION,
    records=lambda uow: uow.destructions,
    carriers=lambda d: d.carriers,
    own=lambda d: (d.requested_by,),
    details=lambda d: {"method": d.method},
)


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
            if not lifecycle.allows(c.state, lifecycle.Step.DESTROY):
                raise Conflict(
                    f"carrier {s} is {c.state.value}", zh=f"载体 {s} 当前为{c.state.zh}，不能销毁"
                )
        d = Destruction(
            new_id(), tuple(serials), actor, tx.now, place, method.strip(), reason.strip()
        )
        approvals.record_request(
            tx, DESTRUCTIONS, actor, d, reason=d.reason, to_place=place, data={"method": d.method}
        )
        return d


def approve_destruction(svc: Services, actor: str, d_id: str, note: str = "") -> Destruction:
    """An approver approves a destruction; never their own request (R10)."""
    return approvals.decide(svc, DESTRUCTIONS, actor, d_id, True, note)


def reject_destruction(svc: Services, actor: str, d_id: str, note: str) -> Destruction:
    """An approver rejects a destruction, saying why."""
    return approvals.decide(svc, DESTRUCTIONS, actor, d_id, False, note)


def witness(svc: Services, actor: str, d_id: str) -> Destruction:
    """``actor`` signs as a witness of the destruction (监销); not the requester (R10)."""
    with svc.transaction() as tx:
        p = tx.person(actor, "actor")
        d = approvals.get(tx.uow, DESTRUCTIONS, d_id)
        approvals.require_state(DESTRUCTIONS, d, ApprovalState.APPROVED)
        if actor in d.witnesses:
            raise Conflict(f"{actor} has already signed as a witness", zh=f"{p.name}已签署监销")
        r10_require_witness(d.requested_by, p)
        d.witnesses = (*d.witnesses, actor)
        for s in d.carriers:
            tx.record(Action.DESTROY_WITNESS, actor, carrier=s, data={"destruction": d.id})
        return d


def execute_destruction(svc: Services, actor: str, d_id: str) -> Destruction:
    """Destroy the carriers: approved, and at least two distinct witnesses (R10)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        d = approvals.get(tx.uow, DESTRUCTIONS, d_id)
        approvals.require_state(DESTRUCTIONS, d, ApprovalState.APPROVED)
        r10_require_witnesses(d.requested_by, d.witnesses)
        for s in d.carriers:
            c = tx.carrier(s, lock=True)
            previous = c.location
            lifecycle.destroy(c, tx.now)
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
            # R16: who destroyed a top-secret carrier and who watched are in its record.
            for person, kind in [
                (actor, DisclosureKind.DESTRUCTION),
                *((w, DisclosureKind.WITNESS) for w in d.witnesses),
            ]:
                disclosure.contact(tx, c, person, kind, by=actor, place=d.place, ref=d.id)
        d.state, d.executed_at, d.executed_by = ApprovalState.DONE, tx.now, actor
        return d
