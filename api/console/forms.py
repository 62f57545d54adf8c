"""Reading form fields into the values the use cases take, collecting every problem with
the field it belongs to (so each error is shown beside its field).

Only the shape of the input is judged here (a number is a number, a date a date); every
rule stays in the services, whose refusals come back as errors on the same fields."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum
from typing import TypeVar

from api.console.web import field_message
from tracker.domain.errors import InvalidInput, TrackerError
from tracker.domain.levels import Level
from tracker.domain.period import Marking, SecrecyPeriod

E = TypeVar("E", bound=Enum)


class Problems:
    """Errors by field name, in the caller's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.fields: dict[str, str] = {}
        self.general = ""

    def add(self, err: InvalidInput) -> None:
        """Record ``err`` beside its field."""
        self.fields.setdefault(err.field, field_message(err, self.lang))

    def refused(self, err: TrackerError, message: str) -> Problems:
        """A use case refused the form: ``message`` (what the user is told, see
        ``Call.message``) for the whole form, and beside the field at fault."""
        if isinstance(err, InvalidInput):
            self.add(err)
            # The field's own name (an identifier) is not for the user: the message is
            # shown beside that field as well.
            if message == err.text(self.lang):
                message = field_message(err, self.lang)
        self.general = message
        return self

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def _say(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def required(self, value: str, field: str) -> str:
        """``value``, or a problem when it is empty."""
        if not value:
            self.fields.setdefault(field, self._say("必填", "required"))
        return value

    def integer(self, value: str, field: str, *, required: bool = False) -> int | None:
        """An integer, or None when empty."""
        if not value:
            if required:
                self.required(value, field)
            return None
        try:
            return int(value)
        except ValueError:
            self.fields.setdefault(field, self._say("应为整数", "must be a whole number"))
            return None

    def choice(self, kind: type[E], value: str, field: str, *, required: bool = True) -> E | None:
        """A member of ``kind`` by its value."""
        if not value:
            if required:
                self.required(value, field)
            return None
        try:
            return kind(value)
        except ValueError:
            self.fields.setdefault(field, self._say("不是允许的取值", "not an allowed value"))
            return None

    def level(self, value: str, field: str) -> Level | None:
        """A classification level."""
        if not value:
            self.required(value, field)
            return None
        try:
            return Level.parse(value, field)
        except InvalidInput as err:
            self.add(err)
            return None

    def period(self, value: str, field: str) -> SecrecyPeriod | None:
        """A secrecy period (``10y``, ``6m``, ``long``, ``none``, ``until:…``)."""
        try:
            return SecrecyPeriod.parse(value, field)
        except InvalidInput as err:
            self.add(err)
            return None

    def day(self, value: str, field: str, *, required: bool = True) -> date | None:
        """A calendar date (``2026-11-24``)."""
        if not value:
            if required:
                self.required(value, field)
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fields.setdefault(
                field, self._say("应为日期（年-月-日）", "must be a date (YYYY-MM-DD)")
            )
            return None

    def moment(
        self, value: str, field: str, tz: object, *, required: bool = True
    ) -> datetime | None:
        """A local date and time from a ``datetime-local`` field, in the site's zone."""
        if not value:
            if required:
                self.required(value, field)
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fields.setdefault(field, self._say("应为日期和时间", "must be a date and time"))
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)  # type: ignore[arg-type]
        return parsed


def marking_preview(level: str, period: str, lang: str) -> tuple[str, str]:
    """The marking as it will print for ``level`` and ``period``, and the problem with
    them (empty when none) — the same Marking the label is printed from."""
    try:
        lv = Level.parse(level, "level")
        p = SecrecyPeriod.parse(period, "period")
        m = Marking(lv, p).validated("period")
    except InvalidInput as err:
        return "", field_message(err, lang)
    return m.zh(), ""


def end_of(day: date, tz: object) -> datetime:
    """The end of ``day`` (23:59) in the site's zone."""
    return datetime.combine(day, time(23, 59), tzinfo=tz)  # type: ignore[arg-type]
