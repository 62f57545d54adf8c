"""The working calendar: office hours, weekends, public holidays and make-up working days.

Borrowed carriers are due back at close of business of the same working day (R4), and
the end-of-day sweep (R7) runs at every close of business, so both read this calendar.
Times are timezone-aware; the site's timezone decides what "the same day" means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days and when the office opens and closes."""

    timezone: str = "Asia/Shanghai"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)  # 调休 make-up days

    @property
    def tz(self) -> tzinfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    def is_working_day(self, d: date) -> bool:
        """True on a working day: a listed weekday that is no holiday, or a make-up day."""
        if d in self.extra_workdays:
            return True
        return d.weekday() in self.workdays and d not in self.holidays

    def close_of(self, d: date) -> datetime:
        """Close of business on day ``d`` as an aware datetime in the site's zone."""
        return datetime.combine(d, self.closes, self.tz)

    def open_of(self, d: date) -> datetime:
        """Opening time on day ``d`` as an aware datetime in the site's zone."""
        return datetime.combine(d, self.opens, self.tz)

    def local_date(self, at: datetime) -> date:
        """The calendar date of ``at`` in the site's zone."""
        return at.astimezone(self.tz).date()

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        nxt = d + timedelta(days=1)
        for _ in range(366 * 2):
            if self.is_working_day(nxt):
                return nxt
            nxt += timedelta(days=1)
        raise ValueError("the calendar has no working day within two years")

    def due_same_day(self, at: datetime) -> datetime:
        """Default due time of a borrow made at ``at``: close of business that working day,
        or of the next working day when ``at`` is after close or not on a working day."""
        day = self.local_date(at)
        if self.is_working_day(day) and at < self.close_of(day):
            return self.close_of(day)
        return self.close_of(self.next_working_day(day))

    def closes_between(self, after: datetime, until: datetime) -> Iterator[datetime]:
        """Every close of business in ``(after, until]``, oldest first (for catch-up runs)."""
        day = self.local_date(after)
        last = self.local_date(until)
        while day <= last:
            if self.is_working_day(day):
                c = self.close_of(day)
                if after < c <= until:
                    yield c
            day += timedelta(days=1)

    def last_close_at_or_before(self, at: datetime) -> datetime | None:
        """The most recent close of business at or before ``at`` (within a year)."""
        day = self.local_date(at)
        for _ in range(366):
            if self.is_working_day(day) and self.close_of(day) <= at:
                return self.close_of(day)
            day -= timedelta(days=1)
        return None

    def is_office_hours(self, at: datetime) -> bool:
        """True between opening and close on a working day."""
        day = self.local_date(at)
        return self.is_working_day(day) and self.open_of(day) <= at < self.close_of(day)
