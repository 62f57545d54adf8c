"""R4 (due times, overdue borrows, circulation at most a month) and R5 (a circulating
carrier comes back to the custodian between readers)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from tracker.domain import lifecycle
from tracker.domain.errors import InvalidInput, RuleViolation
from tracker.domain.model import AlertType, Borrow, BorrowState, Carrier, CarrierState, Severity
from tracker.domain.rules.findings import Finding


def r4_require_due_within(start: datetime, due: datetime, max_days: int, rule: str = "R4") -> None:
    """A due time lies after the start and at most ``max_days`` later."""
    if due <= start:
        raise InvalidInput(
            "due_at", "the due time must be in the future", zh="归还时间必须晚于当前"
        )
    if due - start > timedelta(days=max_days):
        raise RuleViolation(
            rule,
            f"due time is more than {max_days} days away",
            zh=f"归还期限超过{max_days}天",
        )


def r4_is_overdue(borrow: Borrow, now: datetime) -> bool:
    """True when a checked-out borrow is past its due time (R4)."""
    return borrow.state is BorrowState.OUT and now > borrow.due_at


def r4_overdue(borrow: Borrow, now: datetime, tz: tzinfo) -> Finding | None:
    """R4: the overdue-borrow finding (times shown in the site's zone), or None."""
    if not r4_is_overdue(borrow, now):
        return None
    return Finding(
        AlertType.OVERDUE_BORROW,
        Severity.WARNING,
        "R4",
        f"carrier {borrow.carrier} borrowed by {borrow.borrower} was due at "
        f"{borrow.due_at.isoformat()}",
        f"{borrow.borrower}借阅的载体 {borrow.carrier} 已超过归还时间"
        f"（{borrow.due_at.astimezone(tz):%m-%d %H:%M}）",
        {"borrow": borrow.id, "borrower": borrow.borrower, "due_at": borrow.due_at.isoformat()},
    )


def r5_require_with_custodian(carrier: Carrier) -> None:
    """R5: a carrier is issued only from the custodian's keeping (registered or in a
    safe); one still out with a reader is not passed on (R3 for any other state)."""
    if not lifecycle.allows(carrier.state, lifecycle.Step.CHECK_OUT):
        raise RuleViolation(
            "R5" if carrier.state is CarrierState.OUT else "R3",
            f"carrier {carrier.serial} is {carrier.state.value}, not with the custodian",
            zh=f"载体 {carrier.serial} 当前状态为{carrier.state.zh}，不在机要员处",
        )
