"""Three-day handling of top-secret receipts (R18).

Each top-secret carrier received gets a handling deadline from the working calendar
(:func:`open_for_receipt`, inside the receipt); a leader may write instructions (批办,
:func:`instruct`) and the custodian records it handled (办理, :func:`complete`), each a
register entry and a contact in the disclosure record (R16). The scheduler reminds
before the deadline and raises an alert once it has passed (:func:`check`); handling
it resolves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain.disclosure import DisclosureKind, Handling, HandlingState
from tracker.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tracker.domain.ledger import Action
from tracker.domain.model import AlertType, Carrier, Person, Role, new_id
from tracker.domain.rules import (
    r3_require_may_hold,
    r16_kept_for,
    r18_due_soon,
    r18_handling_due,
    r18_overdue,
)
from tracker.services import disclosure
from tracker.services.alerting import open_by_cause, raise_finding, resolve_cause
from tracker.services.base import Services, Tx
from tracker.services.knowledge import keeps_carriers, may_know, sees_every_request

PENDING = (HandlingState.OPEN, HandlingState.INSTRUCTED)
NOTE_MAX = 2000


def open_for_receipt(tx: Tx, actor: str, carrier: Carrier) -> Handling | None:
    """Inside the receipt of ``carrier``: a top-secret document's handling deadline,
    counted from the day it was received (R18)."""
    if not r16_kept_for(carrier):
        return None
    pol = tx.svc.site.policy
    due = r18_handling_due(carrier.received_on, tx.svc.site.calendar, pol.handling_days)
    h = Handling(new_id(), carrier.serial, tx.now, due, actor)
    tx.uow.handlings.add(h)
    tx.record(
        Action.HANDLING_OPEN,
        actor,
        carrier=carrier.serial,
        data={"handling": h.id, "received_on": carrier.received_on, "due_at": due},
    )
    return h


def _pending(tx: Tx, serial: str) -> tuple[Handling, Carrier]:
    found = tx.uow.handlings.find(carrier=serial)
    if not found:
        raise NotFound(
            f"carrier {serial} has no handling deadline (only top-secret receipts have one)",
            zh=f"载体 {serial} 没有办理期限（仅绝密级收文有）",
        )
    h = found[0]
    if not h.pending:
        raise Conflict(f"carrier {serial} was handled already", zh=f"载体 {serial} 已办结")
    return h, tx.carrier(serial)


def _note(note: str, field: str) -> str:
    text = note.strip()
    if not text:
        raise InvalidInput(field, "say what was decided or done", zh="须填写批办意见或办理情况")
    if len(text) > NOTE_MAX:
        raise InvalidInput(field, f"at most {NOTE_MAX} characters", zh=f"最多{NOTE_MAX}个字")
    return text


def instruct(svc: Services, actor: str, serial: str, note: str) -> Handling:
    """A leader writes instructions on how a top-secret receipt is to be handled (批办);
    they read it, so it is a contact in its disclosure record (R16, R18)."""
    text = _note(note, "note")
    with svc.transaction() as tx:
        leader = tx.require_role(actor, Role.APPROVER)
        h, c = _pending(tx, serial)
        r3_require_may_hold(leader, c)
        h.state = HandlingState.INSTRUCTED
        h.instructed_by, h.instructed_at, h.instruction = actor, tx.now, text
        tx.record(Action.HANDLING_INSTRUCT, actor, carrier=serial, data={"handling": h.id})
        disclosure.contact(tx, c, actor, DisclosureKind.HANDLING, by=actor, ref=h.id)
        return h


def complete(svc: Services, actor: str, serial: str, note: str) -> Handling:
    """The custodian records a top-secret receipt handled (办理, 办结): what was done.
    Reminders and the overdue alert are resolved; a late handling says so (R18)."""
    text = _note(note, "note")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        h, c = _pending(tx, serial)
        h.state, h.handled_by, h.handled_at, h.outcome = HandlingState.DONE, actor, tx.now, text
        late = tx.now > h.due_at
        tx.record(
            Action.HANDLING_DONE,
            actor,
            carrier=serial,
            approver=h.instructed_by,
            data={"handling": h.id, "due_at": h.due_at, "late": late},
        )
        disclosure.contact(tx, c, actor, DisclosureKind.HANDLING, by=actor, ref=h.id)
        for cause in (f"handling_due:{h.id}", f"handling_overdue:{h.id}"):
            resolve_cause(tx, cause, actor, "handled late" if late else "handled")
        return h


# --- the scheduler's look ----------------------------------------------------------------


def check(tx: Tx, at: datetime) -> int:
    """Inside a scheduled run: remind of deadlines coming up, alert on those passed (R18);
    returns how many alerts were raised."""
    cal, pol = tx.svc.site.calendar, tx.svc.site.policy
    known = open_by_cause(tx, AlertType.HANDLING_DUE, AlertType.HANDLING_OVERDUE)
    raised = 0
    for h in tx.uow.handlings.find(state=list(PENDING), order_by="due_at"):
        finding = r18_overdue(h, at, cal)
        cause = f"handling_overdue:{h.id}"
        if finding is None:
            finding = r18_due_soon(h, at, cal, pol.handling_remind_days)
            cause = f"handling_due:{h.id}"
        if finding is None or cause in known:
            continue
        raise_finding(tx, h.carrier, finding, cause=cause, open_alerts=known)
        raised += 1
    return raised


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlingView:
    """A handling as one person may see it: the instructions and what was done only
    with need-to-know (they may quote the content)."""

    handling: Handling
    known: bool

    @property
    def instruction(self) -> str:
        """The instructions, or "" for those who may not know the carrier."""
        return self.handling.instruction if self.known else ""

    @property
    def outcome(self) -> str:
        """What was done, or "" for those who may not know the carrier."""
        return self.handling.outcome if self.known else ""


def _reader(svc: Services, person: Person | None) -> Person:
    if person is None or not person.active or not sees_every_request(person):
        raise PermissionDenied(
            "only custodians, officers and approvers follow the handling of receipts",
            zh="只有机要员、保密干部和审批领导可查看绝密文件办理情况",
        )
    return person


def listing(
    svc: Services, person: Person | None, *, pending: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[HandlingView], int]:
    """Handlings, nearest deadline first (pending ones only if ``pending``), and how many."""
    who = _reader(svc, person)
    eq = {"state": list(PENDING)} if pending else {}
    with svc.read() as uow:
        total = uow.handlings.count(**eq)
        found = uow.handlings.find(order_by=["due_at"], limit=limit, offset=offset, **eq)
        carriers = {c.serial: c for c in uow.carriers.find(serial=[h.carrier for h in found])}
    return [HandlingView(h, _knows(who, carriers.get(h.carrier))) for h in found], total


def of_carrier(svc: Services, person: Person | None, serial: str) -> HandlingView:
    """The handling of one top-secret receipt; NotFound when it has none."""
    who = _reader(svc, person)
    with svc.read() as uow:
        found = uow.handlings.find(carrier=serial)
        c = uow.carriers.get(serial)
    if not found or c is None:
        raise NotFound(
            f"carrier {serial} has no handling deadline", zh=f"载体 {serial} 没有办理期限"
        )
    return HandlingView(found[0], _knows(who, c))


def _knows(person: Person, c: Carrier | None) -> bool:
    return c is not None and (keeps_carriers(person) or may_know(person, c))
