"""Where carriers live and who holds them: transfer to a new home, what a person still
holds, handover to a successor and leaving a classified post (R12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tracker.domain import lifecycle
from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from tracker.domain.ledger import Action
from tracker.domain.model import (
    BorrowState,
    Carrier,
    CarrierState,
    Handover,
    PlaceKind,
    Role,
    new_id,
)
from tracker.domain.rules import (
    r1_require_place_allows,
    r3_require_may_hold,
    r12_decommission_until,
    r12_require_no_holdings,
    r18_require_secure_room,
    require_may_decide,
)
from tracker.services import adminlog
from tracker.services.base import Services


def transfer(
    svc: Services, actor: str, serial: str, room: str, safe: str | None = None, reason: str = ""
) -> Carrier:
    """Give a carrier a new home room and safe (R1: the level must fit)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial, lock=True)
        new_room = tx.place(room, "room")
        if new_room.kind is not PlaceKind.ROOM:
            raise InvalidInput("room", f"{room} is not a room", zh=f"{new_room.name}不是房间")
        r1_require_place_allows(c, new_room)
        r18_require_secure_room(c.level, new_room)  # top secret stays in the secure room
        if safe:
            s = tx.place(safe, "safe")
            if s.kind is not PlaceKind.SAFE or s.parent != room:
                raise InvalidInput(
                    "safe", f"{safe} is not a safe in {room}", zh="保险柜不在该房间内"
                )
            r1_require_place_allows(c, s)
        old = (c.home_room, c.home_safe)
        c.home_room, c.home_safe = room, safe
        if c.state is CarrierState.IN_SAFE and safe:
            lifecycle.store(c, safe, tx.now)  # locked in its new home safe
        tx.record(
            Action.TRANSFER,
            actor,
            carrier=serial,
            from_place=old[1] or old[0],
            to_place=safe or room,
            reason=reason,
            data={"from_room": old[0], "from_safe": old[1], "to_room": room, "to_safe": safe},
        )
        return c


def holdings(svc: Services, person_id: str) -> list[Carrier]:
    """The carriers ``person_id`` still holds (out on borrow or carried out)."""
    with svc.read() as uow:
        return uow.carriers.find(
            holder=person_id,
            state=[CarrierState.OUT, CarrierState.IN_TRANSIT],
            order_by="serial",
        )


def handover(
    svc: Services,
    actor: str,
    from_person: str,
    to_person: str,
    serials: Sequence[str],
) -> Handover:
    """Hand carriers a person holds to a successor, carrier by carrier (移交, R12). A
    successor outside a carrier's knowledge scope is refused until an approver, logged in
    as themselves, has widened it (:func:`tracker.services.classification.widen_scope`):
    nobody names an approver in a handover."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        giver = tx.person(from_person, "from_person")
        taker = tx.person(to_person, "to_person")
        if giver.id == taker.id:
            raise InvalidInput("to_person", "hand over to someone else", zh="移交对象不能是本人")
        if not serials:
            raise InvalidInput("serials", "name the carriers handed over", zh="须列明移交的载体")
        for s in serials:
            c = tx.carrier(s, lock=True)
            if c.holder != giver.id:
                raise Conflict(
                    f"{giver.id} does not hold carrier {s}", zh=f"{giver.name}未持有载体 {s}"
                )
            if not taker.clearance.covers(c.level):
                r3_require_may_hold(taker, c, "R12")
            if not c.scope.includes(taker) and not taker.role.keeps_carriers:
                raise RuleViolation(
                    "R12",
                    f"{taker.id} is outside the knowledge scope of {s}; an approver must "
                    f"first widen it (POST /api/v1/carriers/{s}/scope)",
                    zh=f"{taker.name}不在载体 {s} 的知悉范围内，须先由审批人扩大知悉范围",
                )
            lifecycle.hand_over(c, taker.id)
            for b in tx.uow.borrows.find(carrier=s, state=BorrowState.OUT, borrower=giver.id):
                b.borrower = taker.id
            tx.record(
                Action.HANDOVER,
                actor,
                carrier=s,
                data={"from": giver.id, "to": taker.id},
            )
        h = Handover(new_id(), giver.id, taker.id, tuple(serials), tx.now, actor)
        tx.uow.handovers.add(h)
        return h


def sign_handover(svc: Services, actor: str, handover_id: str) -> Handover:
    """The supervising leader (监交人) signs a recorded handover, logged in as themselves
    ("经有关领导签字"): an approver or officer whose clearance covers the carriers, who
    neither recorded it nor gives or takes the carriers; once."""
    with svc.transaction() as tx:
        leader = tx.person(actor, "actor")
        h = tx.uow.handovers.get(handover_id)
        if h is None:
            raise NotFound(f"no handover {handover_id!r}", zh=f"没有移交记录 {handover_id!r}")
        if h.approver is not None:
            raise Conflict(
                f"handover {h.id} was already signed by {h.approver}",
                zh=f"该移交已由 {h.approver} 签字",
            )
        require_may_decide(
            "R12",
            leader,
            [tx.carrier(s).level for s in h.carriers],
            own=[h.recorded_by],
            takes_part=[h.from_person, h.to_person],
            what="handover",
            what_zh="移交",
        )
        h.approver = actor
        for s in h.carriers:
            tx.record(
                Action.HANDOVER_SIGN,
                actor,
                carrier=s,
                approver=actor,
                data={"handover": h.id, "from": h.from_person, "to": h.to_person},
            )
        return h


def leave_post(
    svc: Services, actor: str, person_id: str, on: date | None = None, successor: str | None = None
) -> None:
    """Record that a person leaves a classified post: nothing may still be held (R12);
    the decommissioning period (脱密期) starts. Done by the security administrator (or
    the server's command line), never by the person leaving."""
    with svc.transaction() as tx:
        tx.require_admin(actor, Role.SECURITY_ADMIN)
        p = tx.person(person_id)
        if actor == person_id:
            raise PermissionDenied("nobody takes themselves off post", zh="不得自行办理离岗")
        if not p.active:
            raise Conflict(f"{person_id} has already left", zh=f"{p.name}已离岗")
        held = tx.uow.carriers.find(
            holder=person_id, state=[CarrierState.OUT, CarrierState.IN_TRANSIT]
        )
        r12_require_no_holdings(p, [c.serial for c in held])
        if successor:
            tx.person(successor, "successor")
        left = on or svc.site.calendar.local_date(tx.now)
        p.active, p.left_on, p.successor = False, left, successor
        p.decommission_until = r12_decommission_until(p, left)
        for b in tx.uow.borrows.find(
            borrower=person_id, state=[BorrowState.REQUESTED, BorrowState.APPROVED]
        ):
            b.state = BorrowState.CANCELLED
        tx.record(
            Action.LEAVE_POST,
            actor,
            data={
                "person": person_id,
                "left_on": left.isoformat(),
                "decommission_until": p.decommission_until.isoformat(),
                "successor": successor,
            },
        )
        adminlog.record(
            tx, AdminAction.LEAVE_POST, actor, person=person_id, left_on=left, successor=successor
        )
