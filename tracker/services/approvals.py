"""The one approval workflow's service helper: every kind of request is asked for,
looked up, and decided by the same code. A kind's module describes its request with a
:class:`Workflow` and gets its ``approve_X`` / ``reject_X`` pair from :func:`decide`.

Deciding is always an approver logged in as themselves (``actor``): no use case takes an
approver's name typed by someone else (issue 10). The checks are those of
:mod:`tracker.domain.rules.approval` — the approver role, a clearance covering the
carriers' level, never one's own request or one taken part in, a note for a rejection —
plus what the kind checks again at the moment of approval (the borrower's standing, a
carry-out's window).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tracker.domain.approval import Kind, Request, mark_decided
from tracker.domain.errors import Conflict, NotFound, PermissionDenied
from tracker.domain.levels import Level
from tracker.domain.rules import decision_note, require_approver, require_may_decide
from tracker.services.base import Services, Tx
from tracker.services.ports import Repository, UnitOfWork

R = TypeVar("R", bound=Request)


def _none(_record: Any) -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class Workflow(Generic[R]):
    """How one kind of request fits the workflow.

        ``records`` finds its repository; ``carriers`` the serials it is about; ``own`` the
        people whose request it is (requester, borrower); ``takes_part`` those it sends along
        (escorts, readers); ``details`` what each decision entry adds to its data; ``levels``
    levels the approver's clearance must cover besides the carriers' own (a level change's
    new level); ``check``
        runs again just before an approval; ``on_approve`` does what approval does at once
        (a level change is applied)."""

    kind: Kind
    records: Callable[[UnitOfWork], Repository[R]]
    carriers: Callable[[R], Sequence[str]]
    own: Callable[[R], Sequence[str]]
    takes_part: Callable[[R], Sequence[str]] = _none
    details: Callable[[R], dict[str, Any]] = lambda _r: {}
    levels: Callable[[R], Sequence[Level]] = lambda _r: ()
    check: Callable[[Tx, R], None] | None = None
    on_approve: Callable[[Tx, str, R], None] | None = None


def get(uow: UnitOfWork, wf: Workflow[R], record_id: str) -> R:
    """The request with ``record_id``; NotFound naming the kind otherwise."""
    found = wf.records(uow).get(record_id)
    if found is None:
        raise NotFound(
            f"no {wf.kind.noun} {record_id!r}", zh=f"没有{wf.kind.noun_zh}记录 {record_id!r}"
        )
    return found


def require_state(wf: Workflow[R], record: R, *states: Any) -> None:
    """Conflict unless ``record`` is in one of ``states``."""
    if record.state not in states:
        want = " or ".join(str(s.value) for s in states)
        raise Conflict(
            f"{wf.kind.noun} {record.id} is {record.state.value}, not {want}",
            zh=f"该{wf.kind.noun_zh}当前状态为{record.state.value}，不能执行此操作",
        )


def record_request(
    tx: Tx,
    wf: Workflow[R],
    actor: str,
    record: R,
    *,
    reason: str = "",
    to_place: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Store a new request and write its request entry for each of its carriers."""
    wf.records(tx.uow).add(record)
    for serial in wf.carriers(record):
        tx.record(
            wf.kind.request_action,
            actor,
            carrier=serial,
            to_place=to_place,
            reason=reason,
            data={wf.kind.name: record.id, **(data or {})},
        )


def decide(
    svc: Services, wf: Workflow[R], actor: str, record_id: str, approve: bool, note: str
) -> R:
    """``actor`` approves or rejects request ``record_id`` of ``wf``'s kind, in one
    transaction: the decision, an entry per carrier (``*_approve`` / ``*_reject``), and
    what approval does at once."""
    note = decision_note(approve, note)  # a rejection without a reason is refused first
    with svc.transaction() as tx:
        approver = tx.uow.people.get(actor)
        if approver is None:
            raise PermissionDenied(
                f"{actor!r} is not an active person in this system",
                zh=f"{actor!r} 不是本系统中的在岗人员",
            )
        require_approver(approver, wf.kind.noun)
        record = get(tx.uow, wf, record_id)
        require_state(wf, record, wf.kind.requested)
        serials = wf.carriers(record)
        require_may_decide(
            wf.kind.rule,
            approver,
            [*(tx.carrier(s).level for s in serials), *wf.levels(record)],
            own=wf.own(record),
            takes_part=wf.takes_part(record),
            what=wf.kind.noun,
            what_zh=wf.kind.noun_zh,
        )
        if approve and wf.check is not None:
            wf.check(tx, record)
        mark_decided(wf.kind, record, approve, actor, tx.now, note)
        for serial in serials:
            tx.record(
                wf.kind.approve_action if approve else wf.kind.reject_action,
                actor,
                carrier=serial,
                approver=actor,
                reason=note,
                data={wf.kind.name: record.id, **wf.details(record)},
            )
        if approve and wf.on_approve is not None:
            wf.on_approve(tx, actor, record)
        return record
