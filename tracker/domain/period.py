"""Secrecy periods (保密期限) and the printed marking (密级标志) such as ``机密★10年``.

A period is counted in years when it is one year or longer and in months when
shorter; instead of a length it may be a declassification condition (解密条件), or
"long term" (长期) for top-secret matters with no fixed end. The longest periods are
30 years for top secret, 20 for secret and 10 for confidential (seed 003 §四).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level


class PeriodKind(str, Enum):
    """How a secrecy period is expressed."""

    YEARS = "years"
    MONTHS = "months"
    CONDITION = "condition"
    LONG_TERM = "long_term"
    NONE = "none"  # internal material has no secrecy period


@dataclass(frozen=True)
class SecrecyPeriod:
    """A secrecy period: a length in years or months, a condition, or long term."""

    kind: PeriodKind
    amount: int = 0
    condition: str = ""

    @staticmethod
    def years(n: int) -> SecrecyPeriod:
        """A period of ``n`` whole years."""
        return SecrecyPeriod(PeriodKind.YEARS, n)

    @staticmethod
    def months(n: int) -> SecrecyPeriod:
        """A period of ``n`` months (1-11; a year or more is counted in years)."""
        return SecrecyPeriod(PeriodKind.MONTHS, n)

    @staticmethod
    def until(condition: str) -> SecrecyPeriod:
        """A period that ends when ``condition`` is met (解密条件)."""
        return SecrecyPeriod(PeriodKind.CONDITION, 0, condition.strip())

    @staticmethod
    def long_term() -> SecrecyPeriod:
        """No fixed end (长期)."""
        return SecrecyPeriod(PeriodKind.LONG_TERM)

    @staticmethod
    def none() -> SecrecyPeriod:
        """No period: internal material."""
        return SecrecyPeriod(PeriodKind.NONE)

    @property
    def total_months(self) -> int | None:
        """Length in months, or None when the period has no fixed length."""
        if self.kind is PeriodKind.YEARS:
            return self.amount * 12
        if self.kind is PeriodKind.MONTHS:
            return self.amount
        return None

    def sort_key(self) -> tuple[int, int]:
        """Order periods by length; conditions and long term count as longer than any date."""
        months = self.total_months
        if months is not None:
            return (1, months)
        # A condition may hold for any length of time, so it counts as longer than any
        # fixed period (the conservative reading for a container's marking).
        return {
            PeriodKind.NONE: (0, 0),
            PeriodKind.CONDITION: (2, 0),
            PeriodKind.LONG_TERM: (3, 0),
        }[self.kind]

    def validate_for(self, level: Level, field: str = "period") -> SecrecyPeriod:
        """Check this period is allowed for ``level``; return it, or raise InvalidInput."""
        if level is Level.INTERNAL:
            if self.kind is not PeriodKind.NONE:
                raise InvalidInput(
                    field,
                    "internal material has no secrecy period",
                    zh="内部事项不标保密期限",
                )
            return self
        if self.kind is PeriodKind.NONE:
            raise InvalidInput(
                field,
                f"a {level.value} carrier needs a secrecy period or declassification condition",
                zh=f"{level.zh}级载体须标明保密期限或解密条件",
            )
        if self.kind is PeriodKind.YEARS:
            limit = level.max_period_years or 0
            if not 1 <= self.amount <= limit:
                raise InvalidInput(
                    field,
                    f"{self.amount} years is outside 1..{limit} years allowed for {level.value}",
                    zh=f"{level.zh}级保密期限应为1至{limit}年，不能为{self.amount}年",
                )
        elif self.kind is PeriodKind.MONTHS:
            if not 1 <= self.amount <= 11:
                raise InvalidInput(
                    field,
                    f"{self.amount} months: periods under a year are 1..11 months, "
                    "a year or more is counted in years",
                    zh=f"{self.amount}个月：一年以内以月计（1至11个月），一年及以上以年计",
                )
        elif self.kind is PeriodKind.CONDITION:
            if not self.condition:
                raise InvalidInput(
                    field, "the declassification condition is empty", zh="解密条件不能为空"
                )
        elif self.kind is PeriodKind.LONG_TERM and level is not Level.TOP_SECRET:
            raise InvalidInput(
                field,
                f"a long-term period is only for top-secret matters, not {level.value}",
                zh=f"长期保密仅适用于绝密级事项，{level.zh}级须标明期限",
            )
        return self

    def expiry(self, classified_on: date) -> date | None:
        """The day the period ends (自行解密之日), or None when it has no fixed end."""
        months = self.total_months
        if months is None:
            return None
        return add_months(classified_on, months)

    def zh(self) -> str:
        """Chinese rendering: ``10年``, ``6个月``, ``长期`` or the condition."""
        return {
            PeriodKind.YEARS: f"{self.amount}年",
            PeriodKind.MONTHS: f"{self.amount}个月",
            PeriodKind.CONDITION: self.condition,
            PeriodKind.LONG_TERM: "长期",
            PeriodKind.NONE: "",
        }[self.kind]

    def en(self) -> str:
        """English rendering: ``10Y``, ``6M``, ``LONG-TERM`` or ``UNTIL <condition>``."""
        return {
            PeriodKind.YEARS: f"{self.amount}Y",
            PeriodKind.MONTHS: f"{self.amount}M",
            PeriodKind.CONDITION: f"UNTIL {self.condition}",
            PeriodKind.LONG_TERM: "LONG-TERM",
            PeriodKind.NONE: "",
        }[self.kind]

    def to_text(self) -> str:
        """A compact machine form: ``10y``, ``6m``, ``long``, ``none`` or ``until:<condition>``."""
        return {
            PeriodKind.YEARS: f"{self.amount}y",
            PeriodKind.MONTHS: f"{self.amount}m",
            PeriodKind.CONDITION: f"until:{self.condition}",
            PeriodKind.LONG_TERM: "long",
            PeriodKind.NONE: "none",
        }[self.kind]

    @staticmethod
    def parse(text: str, field: str = "period") -> SecrecyPeriod:
        """Parse ``10y``, ``6m``, ``10年``, ``6个月``, ``long``/``长期``, ``none`` or
        ``until:<condition>``."""
        t = text.strip()
        m = re.fullmatch(r"(\d+)\s*(y|years?|年)", t, re.IGNORECASE)
        if m:
            return SecrecyPeriod.years(int(m.group(1)))
        m = re.fullmatch(r"(\d+)\s*(m|months?|个月|月)", t, re.IGNORECASE)
        if m:
            return SecrecyPeriod.months(int(m.group(1)))
        if t.lower() in ("long", "long_term", "long-term") or t == "长期":
            return SecrecyPeriod.long_term()
        if t.lower() in ("none", ""):
            return SecrecyPeriod.none()
        if t.lower().startswith("until:"):
            return SecrecyPeriod.until(t[6:])
        raise InvalidInput(
            field,
            f"cannot read secrecy period {text!r} (write e.g. 10y, 6m, long, until:<condition>)",
            zh=f"无法识别保密期限 {text!r}（例如 10y、6m、long、until:解密条件）",
        )


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months; the 31st becomes the last day of a short month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def longest(periods: list[SecrecyPeriod]) -> SecrecyPeriod:
    """The longest of ``periods`` (a container takes the longest period of its contents)."""
    if not periods:
        return SecrecyPeriod.none()
    return max(periods, key=lambda p: p.sort_key())


@dataclass(frozen=True)
class Marking:
    """The classification marking printed top-left on a carrier: level ★ period."""

    level: Level
    period: SecrecyPeriod

    def zh(self) -> str:
        """``机密★10年``, ``秘密★6个月``, ``绝密★长期``; ``内部`` for internal material."""
        if self.level is Level.INTERNAL:
            return self.level.zh
        return f"{self.level.zh}★{self.period.zh()}"

    def en(self) -> str:
        """``SECRET★10Y``, ``CONFIDENTIAL★6M``, ``TOP SECRET★LONG-TERM``."""
        if self.level is Level.INTERNAL:
            return self.level.en
        return f"{self.level.en}★{self.period.en()}"

    def text(self, lang: str = "zh") -> str:
        """The marking in ``lang``."""
        return self.zh() if lang.startswith("zh") else self.en()

    @staticmethod
    def parse(text: str, field: str = "marking") -> Marking:
        """Parse a printed Chinese marking such as ``机密★10年`` back into level and period."""
        t = text.strip()
        if "★" not in t:
            level = Level.parse(t, field)
            return Marking(level, SecrecyPeriod.none()).validated()
        head, _, tail = t.partition("★")
        level = Level.parse(head, field)
        m = re.fullmatch(r"(\d+)年", tail)
        if m:
            period = SecrecyPeriod.years(int(m.group(1)))
        elif (m := re.fullmatch(r"(\d+)个月", tail)) is not None:
            period = SecrecyPeriod.months(int(m.group(1)))
        elif tail == "长期":
            period = SecrecyPeriod.long_term()
        else:
            period = SecrecyPeriod.until(tail)
        return Marking(level, period).validated(field)

    def validated(self, field: str = "period") -> Marking:
        """Return self after checking the period fits the level (raises InvalidInput)."""
        self.period.validate_for(self.level, field)
        return self


def container_marking(contents: list[Marking]) -> Marking:
    """The marking a folder, volume or storage device takes: the highest level and the
    longest period of what it holds (seed 000 守则6 §6, 002 §16)."""
    level = max((m.level for m in contents), default=Level.INTERNAL)
    if level is Level.INTERNAL:
        return Marking(level, SecrecyPeriod.none())
    return Marking(level, longest([m.period for m in contents if m.level is not Level.INTERNAL]))
