"""The working calendar: due times (R4) and closes of business (R7)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tracker.domain.calendar import WorkingCalendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar(
    holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
    extra_workdays=frozenset({date(2026, 10, 10)}),  # a Saturday make-up day
)


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_r4_borrow_during_the_day_is_due_at_close_of_business_that_day() -> None:
    assert CAL.due_same_day(at(2026, 11, 24, 10)) == at(2026, 11, 24, 17, 30)


def test_r4_borrow_after_close_is_due_next_working_day_skipping_weekend() -> None:
    assert CAL.due_same_day(at(2026, 11, 27, 18)) == at(2026, 11, 30, 17, 30)  # Fri → Mon


def test_holidays_are_skipped_and_make_up_days_count() -> None:
    assert CAL.due_same_day(at(2026, 9, 30, 18)) == at(2026, 10, 5, 17, 30)
    assert CAL.is_working_day(date(2026, 10, 10))
    assert not CAL.is_working_day(date(2026, 10, 1))


def test_closes_between_lists_every_missed_close_for_catch_up() -> None:
    closes = list(CAL.closes_between(at(2026, 11, 26, 12), at(2026, 11, 30, 18)))
    assert closes == [at(2026, 11, 26, 17, 30), at(2026, 11, 27, 17, 30), at(2026, 11, 30, 17, 30)]
    assert CAL.last_close_at_or_before(at(2026, 11, 29, 9)) == at(2026, 11, 27, 17, 30)


def test_times_are_judged_in_the_site_zone_not_utc() -> None:
    # 09:00 UTC is 17:00 in Shanghai: still before close.
    utc_morning = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert CAL.due_same_day(utc_morning) == at(2026, 11, 24, 17, 30)
    assert CAL.closes == time(17, 30)
