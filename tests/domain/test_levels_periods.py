"""Levels, clearances, secrecy periods and printed markings."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Clearance, Level
from tracker.domain.period import (
    Marking,
    PeriodKind,
    SecrecyPeriod,
    add_months,
    container_marking,
    longest,
)

levels = st.sampled_from(list(Level))


def test_level_order_top_secret_above_secret_above_confidential_above_internal() -> None:
    assert Level.TOP_SECRET > Level.SECRET > Level.CONFIDENTIAL > Level.INTERNAL
    assert sorted([Level.SECRET, Level.INTERNAL, Level.TOP_SECRET, Level.CONFIDENTIAL]) == [
        Level.INTERNAL,
        Level.CONFIDENTIAL,
        Level.SECRET,
        Level.TOP_SECRET,
    ]


@given(levels, levels, levels)
def test_level_order_is_a_total_order(a: Level, b: Level, c: Level) -> None:
    assert (a <= b) or (b <= a)
    assert (a < b) == (a.rank < b.rank)
    if a <= b and b <= c:
        assert a <= c
    assert (a == b) == (a <= b and b <= a)


def test_clearance_covers_its_level_and_below_only() -> None:
    assert Clearance.CORE.covers(Level.TOP_SECRET)
    assert Clearance.IMPORTANT.covers(Level.SECRET)
    assert not Clearance.IMPORTANT.covers(Level.TOP_SECRET)
    assert Clearance.GENERAL.covers(Level.CONFIDENTIAL)
    assert not Clearance.GENERAL.covers(Level.SECRET)
    assert all(c.covers(Level.INTERNAL) for c in Clearance)


def test_decommission_periods_are_three_two_one_years() -> None:
    assert [
        c.decommission_years for c in (Clearance.CORE, Clearance.IMPORTANT, Clearance.GENERAL)
    ] == [3, 2, 1]


def test_level_parse_accepts_chinese_and_names_the_field_when_unknown() -> None:
    assert Level.parse("机密") is Level.SECRET
    with pytest.raises(InvalidInput) as e:
        Level.parse("ultra", "items[0].level")
    assert e.value.field == "items[0].level"
    assert "ultra" in str(e.value)


@pytest.mark.parametrize(
    ("level", "years", "ok"),
    [
        (Level.TOP_SECRET, 30, True),
        (Level.TOP_SECRET, 31, False),
        (Level.SECRET, 20, True),
        (Level.SECRET, 21, False),
        (Level.CONFIDENTIAL, 10, True),
        (Level.CONFIDENTIAL, 11, False),
        (Level.CONFIDENTIAL, 0, False),
    ],
)
def test_period_maxima_are_30_20_10_years(level: Level, years: int, ok: bool) -> None:
    period = SecrecyPeriod.years(years)
    if ok:
        assert period.validate_for(level) is period
    else:
        with pytest.raises(InvalidInput):
            period.validate_for(level)


def test_periods_under_a_year_are_months_and_a_year_or_more_is_years() -> None:
    SecrecyPeriod.months(6).validate_for(Level.CONFIDENTIAL)
    with pytest.raises(InvalidInput, match="counted in years"):
        SecrecyPeriod.months(12).validate_for(Level.CONFIDENTIAL)


def test_long_term_is_for_top_secret_only_and_conditions_must_say_something() -> None:
    SecrecyPeriod.long_term().validate_for(Level.TOP_SECRET)
    with pytest.raises(InvalidInput):
        SecrecyPeriod.long_term().validate_for(Level.SECRET)
    with pytest.raises(InvalidInput):
        SecrecyPeriod.until("  ").validate_for(Level.SECRET)
    with pytest.raises(InvalidInput):
        SecrecyPeriod.none().validate_for(Level.SECRET)
    with pytest.raises(InvalidInput):
        SecrecyPeriod.years(1).validate_for(Level.INTERNAL)


@pytest.mark.parametrize(
    ("marking", "zh", "en"),
    [
        (Marking(Level.SECRET, SecrecyPeriod.years(10)), "机密★10年", "SECRET★10Y"),
        (Marking(Level.CONFIDENTIAL, SecrecyPeriod.months(6)), "秘密★6个月", "CONFIDENTIAL★6M"),
        (Marking(Level.TOP_SECRET, SecrecyPeriod.long_term()), "绝密★长期", "TOP SECRET★LONG-TERM"),
        (Marking(Level.INTERNAL, SecrecyPeriod.none()), "内部", "INTERNAL"),
    ],
)
def test_marking_is_printed_exactly_as_on_documents(marking: Marking, zh: str, en: str) -> None:
    assert marking.zh() == zh
    assert marking.en() == en
    assert Marking.parse(zh) == marking


def test_expiry_counts_calendar_years_and_months_from_the_classification_date() -> None:
    assert SecrecyPeriod.years(10).expiry(date(2016, 3, 1)) == date(2026, 3, 1)
    assert SecrecyPeriod.years(1).expiry(date(2024, 2, 29)) == date(2025, 2, 28)
    assert SecrecyPeriod.months(6).expiry(date(2026, 8, 31)) == date(2027, 2, 28)
    assert SecrecyPeriod.until("项目结束").expiry(date(2026, 1, 1)) is None


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_add_months_composes_and_never_overshoots_the_month(d: date, a: int, b: int) -> None:
    once = add_months(d, a + b)
    assert (once.year * 12 + once.month) == (d.year * 12 + d.month + a + b)
    assert once.day <= d.day
    assert add_months(add_months(d.replace(day=min(d.day, 28)), a), b) == add_months(
        d.replace(day=min(d.day, 28)), a + b
    )


periods = st.one_of(
    st.integers(1, 30).map(SecrecyPeriod.years),
    st.integers(1, 11).map(SecrecyPeriod.months),
    st.just(SecrecyPeriod.until("条件")),
)


@given(st.lists(st.tuples(levels, periods), min_size=1, max_size=8))
def test_container_takes_highest_level_and_longest_period(
    contents: list[tuple[Level, SecrecyPeriod]],
) -> None:
    marks = [
        Marking(lv, p if lv is not Level.INTERNAL else SecrecyPeriod.none()) for lv, p in contents
    ]
    m = container_marking(marks)
    assert m.level == max(lv for lv, _ in contents)
    assert all(m.level >= x.level for x in marks)
    classified = [x.period for x in marks if x.level is not Level.INTERNAL]
    if classified:
        assert m.period == longest(classified)
        assert all(m.period.sort_key() >= p.sort_key() for p in classified)
    else:
        assert m.period.kind is PeriodKind.NONE
