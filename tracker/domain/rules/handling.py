"""R18: top-secret documents are handled within three days and kept in the secure room
(绝密级文件……三天内一律办清，并放在机要室保存, 001 第2篇 §一).

"Three days" is read as three working days of the site's calendar, not counting the day
of receipt (a period counted in days starts the next day: 民法典 第二百零一条), ending at
close of business: a document received on a Tuesday is handled by Friday's close.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.disclosure import Handling
from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, Place, RoomKind, Severity
from tracker.domain.rules.findings import Finding


def r18_handling_due(received_on: date, calendar: WorkingCalendar, days: int = 3) -> datetime:
    """R18: the handling deadline of a top-secret document received on ``received_on``:
    close of business of the ``days``-th working day after it."""
    day = received_on
    for _ in range(max(days, 1)):
        day = calendar.next_working_day(day)
    return calendar.close_of(day)


def r18_require_secure_room(level: Level, room: Place) -> None:
    """R18: a top-secret document is kept in the secure room (its home room)."""
    if level is Level.TOP_SECRET and room.room_kind is not RoomKind.SECURE:
        raise RuleViolation(
            "R18",
            f"top-secret documents are kept in the secure room, not in {room.id}",
            zh=f"绝密级文件应在机要室保存，不能存放于{room.name}",
        )


def r18_remind_from(due_at: datetime, calendar: WorkingCalendar, days_before: int = 1) -> datetime:
    """R18: when reminders of a deadline begin: the opening of the working day
    ``days_before`` working days before the deadline's day (0: the deadline's day)."""
    day = calendar.local_date(due_at)
    for _ in range(max(days_before, 0)):
        earlier = day - timedelta(days=1)
        for _ in range(366 * 2):
            if calendar.is_working_day(earlier):
                break
            earlier -= timedelta(days=1)
        day = earlier
    return calendar.open_of(day)


def r18_due_soon(
    handling: Handling, now: datetime, calendar: WorkingCalendar, days_before: int = 1
) -> Finding | None:
    """R18: the reminder that a top-secret receipt must be handled by its deadline, from
    :func:`r18_remind_from` until the deadline; None otherwise or once handled."""
    if not handling.pending or now > handling.due_at:
        return None
    if now < r18_remind_from(handling.due_at, calendar, days_before):
        return None
    due = handling.due_at.astimezone(calendar.tz)
    return Finding(
        AlertType.HANDLING_DUE,
        Severity.INFO,
        "R18",
        f"top-secret carrier {handling.carrier} must be handled by {due:%Y-%m-%d %H:%M}",
        f"绝密级载体 {handling.carrier} 应于 {due:%m-%d %H:%M} 前办理完毕",
        {"handling": handling.id, "due_at": handling.due_at.isoformat()},
    )


def r18_overdue(handling: Handling, now: datetime, calendar: WorkingCalendar) -> Finding | None:
    """R18: the finding that a top-secret receipt's deadline passed unhandled, or None."""
    if not handling.pending or now <= handling.due_at:
        return None
    due = handling.due_at.astimezone(calendar.tz)
    return Finding(
        AlertType.HANDLING_OVERDUE,
        Severity.WARNING,
        "R18",
        f"top-secret carrier {handling.carrier} was due to be handled by "
        f"{due:%Y-%m-%d %H:%M} and has not been",
        f"绝密级载体 {handling.carrier} 已超过办理期限（{due:%m-%d %H:%M}）仍未办结",
        {"handling": handling.id, "due_at": handling.due_at.isoformat()},
    )
