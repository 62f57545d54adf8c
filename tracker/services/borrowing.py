"""Borrowing (借阅, R3/R4) and circulation (传阅, R4/R5).

A borrow is requested, approved by an approver who is not the borrower, checked out by
the custodian and returned to the custodian. It is due by default at close of business
of the same working day. A circulation is asked for by the custodian and approved by an
approver who logs in; it then issues a carrier to several readers in turn, each hop a
borrow of its own, and the carrier comes back to the custodian between readers. Both
are requests of the one approval workflow (:mod:`tracker.services.approvals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tracker.domain import approval, lifecycle
from tracker.domain.disclosure import DisclosureKind
from tracker.domain.errors import Conflict, InvalidInput, RuleViolation
from tracker.domain.ledger import Action
from tracker.domain.model import (
    Borrow,
    BorrowState,
    Carrier,
    CarrierState,
    Circulation,
    CirculationState,
    Role,
    new_id,
)
from tracker.domain.rules import (
    r2_require_borrow_destination,
    r3_require_may_hold,
    r4_require_due_within,
    r5_require_with_custodian,
)
from tracker.services import approvals, disclosure
from tracker.services.base import Services, Tx
from tracker.services.receive import put_in_safe

URGENT_HOP = timedelta(hours=2)  # an urgent circulation gives each reader two hours


def _still_may_hold(tx: Tx, b: Borrow) -> None:
    # The borrower's standing may have changed since the request.
    r3_require_may_hold(tx.person(b.borrower, "borrower"), tx.carrier(b.carrier))


BORROWS = approvals.Workflow[Borrow](
    approval.BORROW,
    records=lambda uow: uow.borrows,
    carriers=lambda b: (b.carrier,),
    own=lambda b: (b.borrower, b.requested_by),
    details=lambda b: {"borrower": b.borrower},
    check=_still_may_hold,
)


def _open_borrow_for(tx: Tx, serial: str) -> Borrow | None:
    found = tx.uow.borrows.find(carrier=serial, state=BorrowState.OUT)
    return found[0] if found else None


def request_borrow(
    svc: Services,
    actor: str,
    serial: str,
    borrower: str,
    destination: str,
    purpose: str,
    due_at: datetime | None = None,
) -> Borrow:
    """Ask to borrow a carrier for reading or use at ``destination`` (R1-R4)."""
    with svc.transaction() as tx:
        requester = tx.person(actor, "actor")
        if actor != borrower and not requester.role.keeps_carriers:
            raise RuleViolation(
                "R3",
                "staff may only request borrows for themselves",
                zh="涉密人员只能为本人申请借阅",
            )
        c = tx.carrier(serial)
        who = tx.person(borrower, "borrower")
        r3_require_may_hold(who, c)
        _require_borrowable(c)
        r2_require_borrow_destination(c, tx.place(destination, "destination"))
        if not purpose.strip():
            raise InvalidInput(
                "purpose", "say what the carrier is borrowed for", zh="须填写借阅事由"
            )
        due = due_at or svc.site.calendar.due_same_day(tx.now)
        r4_require_due_within(tx.now, due, svc.site.policy.circulation_max_days)
        b = Borrow(
            id=new_id(),
            carrier=serial,
            borrower=borrower,
            destination=destination,
            purpose=purpose.strip(),
            requested_at=tx.now,
            due_at=due,
            requested_by=actor,
        )
        approvals.record_request(
            tx,
            BORROWS,
            actor,
            b,
            reason=b.purpose,
            to_place=destination,
            data={"borrower": borrower, "due_at": due},
        )
        return b


def _require_borrowable(c: Carrier) -> None:
    if not c.active or c.state in (CarrierState.MISSING, CarrierState.ARCHIVED):
        raise Conflict(
            f"carrier {c.serial} is {c.state.value} and cannot be borrowed",
            zh=f"载体 {c.serial} 当前为{c.state.zh}，不能借阅",
        )


def approve_borrow(svc: Services, actor: str, borrow_id: str, note: str = "") -> Borrow:
    """An approver approves a borrow; never their own (R3)."""
    return approvals.decide(svc, BORROWS, actor, borrow_id, True, note)


def reject_borrow(svc: Services, actor: str, borrow_id: str, note: str) -> Borrow:
    """An approver rejects a borrow, saying why."""
    return approvals.decide(svc, BORROWS, actor, borrow_id, False, note)


def check_out(svc: Services, actor: str, borrow_id: str) -> Borrow:
    """The custodian hands an approved borrow's carrier to the borrower and signs it out."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        b = approvals.get(tx.uow, BORROWS, borrow_id)
        approvals.require_state(BORROWS, b, BorrowState.APPROVED)
        c = tx.carrier(b.carrier, lock=True)
        r5_require_with_custodian(c)
        r3_require_may_hold(tx.person(b.borrower, "borrower"), c)
        if tx.now > b.due_at:
            raise Conflict(
                f"borrow {b.id} was due at {b.due_at.isoformat()}; request it again",
                zh="该借阅已过归还期限，请重新申请",
            )
        _hand_out(tx, actor, b, c)
        return b


def _hand_out(tx: Tx, actor: str, b: Borrow, c: Carrier) -> None:
    previous = c.location
    room = tx.svc.site.room_of(previous).id if previous else c.home_room
    b.state, b.checked_out_at, b.checked_out_by = BorrowState.OUT, tx.now, actor
    lifecycle.check_out(c, b.borrower, room, tx.now)
    tx.record(
        Action.CHECK_OUT,
        actor,
        carrier=c.serial,
        approver=b.approver,
        from_place=previous,
        to_place=b.destination,
        reason=b.purpose,
        data={
            "borrow": b.id,
            "borrower": b.borrower,
            "due_at": b.due_at,
            "circulation": b.circulation,
        },
    )
    disclosure.contact(  # R16: a top-secret borrow is in its disclosure record until returned
        tx,
        c,
        b.borrower,
        DisclosureKind.BORROW,
        by=actor,
        place=b.destination,
        ref=b.id,
        lasting=True,
    )
    tx.emit("carrier", serial=c.serial, state=c.state.value, action="check_out", holder=b.borrower)


def return_carrier(svc: Services, actor: str, serial: str, safe: str | None = None) -> Borrow:
    """The custodian takes a borrowed carrier back and locks it in its safe."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial, lock=True)
        b = _open_borrow_for(tx, serial)
        if b is None:
            raise Conflict(f"carrier {serial} is not out on a borrow", zh=f"载体 {serial} 未被借出")
        b.state, b.returned_at, b.returned_to = BorrowState.RETURNED, tx.now, actor
        late = tx.now > b.due_at
        lifecycle.give_back(c)
        disclosure.end_contacts(tx, b.id, actor)
        tx.record(
            Action.RETURN,
            actor,
            carrier=serial,
            from_place=b.destination,
            data={"borrow": b.id, "borrower": b.borrower, "late": late},
        )
        if c.home_safe or safe:
            put_in_safe(tx, actor, c, safe)
        if b.circulation:
            _advance(tx, b.circulation)
        _resolve_overdue(tx, actor, b)
        tx.emit("carrier", serial=serial, state=c.state.value, action="return")
        return b


def _resolve_overdue(tx: Tx, actor: str, b: Borrow) -> None:
    from tracker.services.alerting import resolve_cause

    resolve_cause(tx, f"overdue:{b.id}", actor, "returned")


def overdue(svc: Services, limit: int | None = None) -> list[Borrow]:
    """Borrows past their due time and not returned (R4), oldest first."""
    with svc.read() as uow:
        return uow.borrows.overdue(svc.now(), limit)


# --- circulation ---------------------------------------------------------------------


def _readers_still_may_hold(tx: Tx, circ: Circulation) -> None:
    c = tx.carrier(circ.carrier)
    for i, r in enumerate(circ.readers):
        r3_require_may_hold(tx.person(r, f"readers[{i}]"), c)


CIRCULATIONS = approvals.Workflow[Circulation](
    approval.CIRCULATION,
    records=lambda uow: uow.circulations,
    carriers=lambda circ: (circ.carrier,),
    own=lambda circ: (circ.started_by,),
    takes_part=lambda circ: circ.readers,
    details=lambda circ: {"readers": list(circ.readers)},
    check=_readers_still_may_hold,
)


def start_circulation(
    svc: Services,
    actor: str,
    serial: str,
    readers: Sequence[str],
    destination: str,
    urgent: bool = False,
    due_at: datetime | None = None,
) -> Circulation:
    """The custodian asks to circulate a carrier to ``readers`` in turn (at most a month,
    R4). It becomes active only when an approver approves it (:func:`approve_circulation`)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        if not readers or len(set(readers)) != len(readers):
            raise InvalidInput(
                "readers", "name each reader once, at least one", zh="传阅人员不能为空或重复"
            )
        c = tx.carrier(serial)
        _require_borrowable(c)
        for i, r in enumerate(readers):
            r3_require_may_hold(tx.person(r, f"readers[{i}]"), c)
        r2_require_borrow_destination(c, tx.place(destination, "destination"))
        days = svc.site.policy.circulation_max_days
        due = due_at or tx.now + timedelta(days=days)
        r4_require_due_within(tx.now, due, days)
        circ = Circulation(
            id=new_id(),
            carrier=serial,
            readers=tuple(readers),
            destination=destination,
            started_at=tx.now,
            due_at=due,
            started_by=actor,
            urgent=urgent,
        )
        approvals.record_request(
            tx,
            CIRCULATIONS,
            actor,
            circ,
            to_place=destination,
            data={"readers": list(readers), "urgent": urgent, "due_at": due},
        )
        return circ


def approve_circulation(
    svc: Services, actor: str, circulation_id: str, note: str = ""
) -> Circulation:
    """An approver approves a circulation; it becomes active. Never one they asked for
    or are a reader of (R3)."""
    return approvals.decide(svc, CIRCULATIONS, actor, circulation_id, True, note)


def reject_circulation(svc: Services, actor: str, circulation_id: str, note: str) -> Circulation:
    """An approver rejects a circulation, saying why."""
    return approvals.decide(svc, CIRCULATIONS, actor, circulation_id, False, note)


def issue_next(svc: Services, actor: str, circulation_id: str) -> Borrow:
    """Hand the carrier to the next reader; it must be back with the custodian first (R5)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        circ = approvals.get(tx.uow, CIRCULATIONS, circulation_id)
        if circ.state is not CirculationState.ACTIVE or circ.next_index >= len(circ.readers):
            raise Conflict(
                f"circulation {circ.id} is {circ.state.value}, not active",
                zh="该传阅未获批准或已结束",
            )
        c = tx.carrier(circ.carrier, lock=True)
        if _open_borrow_for(tx, c.serial) is not None:
            raise RuleViolation(
                "R5",
                f"carrier {c.serial} is still with a reader; it comes back to the custodian "
                "before the next reader gets it",
                zh=f"载体 {c.serial} 尚未退回机要员，不得横传给下一位阅读人",
            )
        r5_require_with_custodian(c)
        reader = circ.readers[circ.next_index]
        r3_require_may_hold(tx.person(reader, "reader"), c)
        hop_due = svc.site.calendar.due_same_day(tx.now)
        if circ.urgent:
            hop_due = min(hop_due, tx.now + URGENT_HOP)
        b = Borrow(
            id=new_id(),
            carrier=c.serial,
            borrower=reader,
            destination=circ.destination,
            purpose="circulation",
            requested_at=tx.now,
            due_at=min(hop_due, circ.due_at),
            requested_by=actor,
            state=BorrowState.APPROVED,
            approver=circ.approver,
            decided_at=circ.decided_at,
            circulation=circ.id,
        )
        tx.uow.borrows.add(b)
        _hand_out(tx, actor, b, c)
        return b


def _advance(tx: Tx, circulation_id: str) -> None:
    circ = tx.uow.circulations.get(circulation_id)
    if circ is None:
        return
    circ.next_index += 1
    if circ.next_index >= len(circ.readers):
        circ.state = CirculationState.DONE
