"""Borrowing (借阅, R3/R4) and circulation (传阅, R4/R5).

A borrow is requested, approved by an approver who is not the borrower, checked out by
the custodian and returned to the custodian. It is due by default at close of business
of the same working day. A circulation issues a carrier to several readers in turn, each
hop a borrow of its own, and the carrier comes back to the custodian between readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tracker.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
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
    require_borrow_destination,
    require_can_check_out,
    require_due_within,
    require_may_hold,
    require_not_self,
)
from tracker.services.base import Services, Tx
from tracker.services.receive import put_in_safe

URGENT_HOP = timedelta(hours=2)  # an urgent circulation gives each reader two hours


def _borrow(tx: Tx, borrow_id: str) -> Borrow:
    b = tx.uow.borrows.get(borrow_id)
    if b is None:
        raise NotFound(f"no borrow {borrow_id!r}", zh=f"没有借阅记录 {borrow_id!r}")
    return b


def _require_state(b: Borrow, *states: BorrowState) -> None:
    if b.state not in states:
        want = " or ".join(s.value for s in states)
        raise Conflict(
            f"borrow {b.id} is {b.state.value}, not {want}",
            zh=f"借阅 {b.id} 当前状态为{b.state.value}，不能执行此操作",
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
        require_may_hold(who, c)
        _require_borrowable(c)
        require_borrow_destination(c, tx.place(destination, "destination"))
        if not purpose.strip():
            raise InvalidInput(
                "purpose", "say what the carrier is borrowed for", zh="须填写借阅事由"
            )
        due = due_at or svc.site.calendar.due_same_day(tx.now)
        require_due_within(tx.now, due, svc.site.policy.circulation_max_days)
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
        tx.uow.borrows.add(b)
        tx.record(
            Action.BORROW_REQUEST,
            actor,
            carrier=serial,
            to_place=destination,
            reason=b.purpose,
            data={"borrow": b.id, "borrower": borrower, "due_at": due},
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
    return _decide(svc, actor, borrow_id, True, note)


def reject_borrow(svc: Services, actor: str, borrow_id: str, note: str) -> Borrow:
    """An approver rejects a borrow, saying why."""
    if not note.strip():
        raise InvalidInput("note", "say why the borrow is rejected", zh="须填写不批准的理由")
    return _decide(svc, actor, borrow_id, False, note)


def _decide(svc: Services, actor: str, borrow_id: str, approve: bool, note: str) -> Borrow:
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        b = _borrow(tx, borrow_id)
        _require_state(b, BorrowState.REQUESTED)
        require_not_self(actor, b.borrower, "approve", "R3", "审批")
        require_not_self(actor, b.requested_by, "approve", "R3", "审批")
        if approve:
            # The borrower's standing may have changed since the request.
            require_may_hold(tx.person(b.borrower, "borrower"), tx.carrier(b.carrier))
        b.state = BorrowState.APPROVED if approve else BorrowState.REJECTED
        b.approver, b.decided_at, b.decision_note = actor, tx.now, note.strip()
        tx.record(
            Action.BORROW_APPROVE if approve else Action.BORROW_REJECT,
            actor,
            carrier=b.carrier,
            approver=actor,
            reason=note.strip(),
            data={"borrow": b.id, "borrower": b.borrower},
        )
        return b


def check_out(svc: Services, actor: str, borrow_id: str) -> Borrow:
    """The custodian hands an approved borrow's carrier to the borrower and signs it out."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        b = _borrow(tx, borrow_id)
        _require_state(b, BorrowState.APPROVED)
        c = tx.carrier(b.carrier, lock=True)
        require_can_check_out(c)
        require_may_hold(tx.person(b.borrower, "borrower"), c)
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
    c.state, c.holder, c.location, c.location_at = CarrierState.OUT, b.borrower, room, tx.now
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
        c.state, c.holder = CarrierState.REGISTERED, None
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


def start_circulation(
    svc: Services,
    actor: str,
    serial: str,
    readers: Sequence[str],
    destination: str,
    approver: str,
    urgent: bool = False,
    due_at: datetime | None = None,
) -> Circulation:
    """Start circulating a carrier to ``readers`` in turn, approved by ``approver``;
    lasts at most a month (R4)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        who = tx.person(approver, "approver")
        if who.role not in (Role.APPROVER, Role.OFFICER):
            raise RuleViolation("R3", f"{approver} is not an approver", zh=f"{who.name}不是审批人")
        require_not_self(approver, actor, "approve", "R3", "审批")
        if not readers or len(set(readers)) != len(readers):
            raise InvalidInput(
                "readers", "name each reader once, at least one", zh="传阅人员不能为空或重复"
            )
        c = tx.carrier(serial)
        _require_borrowable(c)
        for i, r in enumerate(readers):
            require_may_hold(tx.person(r, f"readers[{i}]"), c)
        require_borrow_destination(c, tx.place(destination, "destination"))
        days = svc.site.policy.circulation_max_days
        due = due_at or tx.now + timedelta(days=days)
        require_due_within(tx.now, due, days)
        circ = Circulation(
            id=new_id(),
            carrier=serial,
            readers=tuple(readers),
            destination=destination,
            started_at=tx.now,
            due_at=due,
            approver=approver,
            started_by=actor,
            urgent=urgent,
        )
        tx.uow.circulations.add(circ)
        tx.record(
            Action.CIRCULATE,
            actor,
            carrier=serial,
            approver=approver,
            to_place=destination,
            data={
                "circulation": circ.id,
                "readers": list(readers),
                "urgent": urgent,
                "due_at": due,
            },
        )
        return circ


def issue_next(svc: Services, actor: str, circulation_id: str) -> Borrow:
    """Hand the carrier to the next reader; it must be back with the custodian first (R5)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        circ = tx.uow.circulations.get(circulation_id)
        if circ is None:
            raise NotFound(f"no circulation {circulation_id!r}", zh="没有该传阅记录")
        if circ.state is not CirculationState.ACTIVE or circ.next_index >= len(circ.readers):
            raise Conflict(f"circulation {circ.id} is {circ.state.value}", zh="该传阅已结束")
        c = tx.carrier(circ.carrier, lock=True)
        if _open_borrow_for(tx, c.serial) is not None:
            raise RuleViolation(
                "R5",
                f"carrier {c.serial} is still with a reader; it comes back to the custodian "
                "before the next reader gets it",
                zh=f"载体 {c.serial} 尚未退回机要员，不得横传给下一位阅读人",
            )
        require_can_check_out(c)
        reader = circ.readers[circ.next_index]
        require_may_hold(tx.person(reader, "reader"), c)
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
            decided_at=circ.started_at,
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
