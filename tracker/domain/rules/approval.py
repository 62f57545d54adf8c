"""The one set of rules for deciding any request — a borrow or circulation (R3), a
carry-out (R6), copies (R8), a destruction (R10) or a level change (R11): the approver
logs in and decides; they hold the approver role (or are an officer) and a clearance
that covers the carriers' level; they are not the requester, nor someone the request is
for or who takes part in it; a rejection says why; notes are trimmed."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.domain.errors import InvalidInput, PermissionDenied, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import Person, Role


def decision_note(approve: bool, note: str) -> str:
    """The note of a decision, trimmed; a rejection must say why."""
    text = note.strip()
    if not approve and not text:
        raise InvalidInput("note", "say why the request is rejected", zh="须填写不批准的理由")
    return text


def require_approver(approver: Person, what: str = "request") -> None:
    """Only an active approver (or officer) decides requests."""
    if not approver.active or approver.role not in (Role.APPROVER, Role.OFFICER):
        raise PermissionDenied(
            f"{approver.id} is a {approver.role.value}; deciding a {what} needs the role approver",
            zh=f"{approver.name}的角色无权审批（需要：审批人）",
        )


def require_may_decide(
    rule: str,
    approver: Person,
    levels: Iterable[Level],
    own: Iterable[str],
    takes_part: Iterable[str] = (),
    what: str = "request",
    what_zh: str = "申请",
) -> None:
    """Raise unless ``approver`` may decide a request under ``rule``.

    ``own`` are the people whose request it is (the requester, the borrower): deciding
    it is refused as deciding one's own request. ``takes_part`` are people the request
    sends along (the person carrying carriers out, escorts, circulation readers)."""
    if not approver.active or approver.role not in (Role.APPROVER, Role.OFFICER):
        raise PermissionDenied(
            f"{approver.id} is a {approver.role.value}; deciding a {what} needs the role approver",
            zh=f"{approver.name}的角色无权审批（需要：审批人）",
        )
    if approver.id in set(own):
        raise RuleViolation(
            rule, f"{approver.id} may not approve their own request", zh="不得审批本人提出的申请"
        )
    if approver.id in set(takes_part):
        raise RuleViolation(
            rule,
            f"an approver may not approve a {what} they take part in",
            zh=f"审批人不得审批本人参与的{what_zh}",
        )
    top = max(levels, default=None)
    if top is not None and not approver.clearance.covers(top):
        raise RuleViolation(
            rule,
            f"{approver.id}'s clearance ({approver.clearance.value}) does not cover "
            f"{top.value} carriers",
            zh=f"{approver.name}的涉密等级（{approver.clearance.zh}）不能审批{top.zh}级载体",
        )


def require_not_self(actor: str, other: str, what: str, rule: str, what_zh: str) -> None:
    """Refuse approving or witnessing one's own request."""
    if actor == other:
        raise RuleViolation(
            rule,
            f"{actor} may not {what} their own request",
            zh=f"不得{what_zh}本人提出的申请",
        )
