"""Column types that carry domain values: aware UTC times, secrecy periods, knowledge
scopes, tuples and dicts as JSON, and enums stored by their ``.value``."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator

from tracker.domain.ledger import canonical_data
from tracker.domain.model import KnowledgeScope
from tracker.domain.period import SecrecyPeriod

E = TypeVar("E", bound=enum.Enum)

ENUM_LENGTH = 32


def enum_column(enum_class: type[enum.Enum]) -> SAEnum:
    """A portable (VARCHAR) enum column storing each member's ``.value``."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=ENUM_LENGTH,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, always returned in UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the UTC wall time is
    stored naive and UTC is attached again on the way out. Naive input is refused: a time
    without a zone is a bug upstream, not something to guess about."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; times must be aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class PeriodType(TypeDecorator[SecrecyPeriod]):
    """A :class:`SecrecyPeriod` as its compact text (``10y``, ``6m``, ``until:…``)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: SecrecyPeriod | None, dialect: Dialect) -> str | None:
        """The period's :meth:`~SecrecyPeriod.to_text`."""
        return None if value is None else value.to_text()

    def process_result_value(self, value: str | None, dialect: Dialect) -> SecrecyPeriod | None:
        """Parse the stored text back."""
        return None if value is None else SecrecyPeriod.parse(value)


class ScopeType(TypeDecorator[KnowledgeScope]):
    """A :class:`KnowledgeScope` as JSON ``{"people": [...], "departments": [...]}``."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: KnowledgeScope | None, dialect: Dialect
    ) -> dict[str, list[str]] | None:
        """The scope's sorted dict form."""
        return None if value is None else value.to_dict()

    def process_result_value(self, value: Any, dialect: Dialect) -> KnowledgeScope | None:
        """The scope from its dict form."""
        return None if value is None else KnowledgeScope.from_dict(value)


class StrTuple(TypeDecorator[tuple[str, ...]]):
    """A tuple of strings as a JSON list (order kept)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: tuple[str, ...] | None, dialect: Dialect) -> list[str]:
        """A list of the strings."""
        return [str(v) for v in value or ()]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...]:
        """A tuple of the stored strings."""
        return tuple(str(v) for v in value or ())


class EnumTuple(TypeDecorator[tuple[E, ...]], Generic[E]):
    """A tuple of enum members as a JSON list of their values."""

    impl = JSON
    cache_ok = True

    def __init__(self, enum_class: type[E]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: tuple[E, ...] | None, dialect: Dialect) -> list[Any]:
        """A list of member values."""
        return [self.enum_class(v).value for v in value or ()]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[E, ...]:
        """A tuple of members."""
        return tuple(self.enum_class(v) for v in value or ())


class JSONDict(TypeDecorator[dict[str, Any]]):
    """A dict as a JSON object (a copy, so stored values are never shared)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, Any]:
        """The dict as is."""
        return dict(value or {})

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any]:
        """A fresh dict."""
        return dict(value or {})


class ChainData(TypeDecorator[dict[str, Any]]):
    """The data of a chain entry (ledger, administration log), stored as its canonical
    JSON text - the very text the entry's hash covers - so a verifier can hash the
    stored text as it is (:mod:`tracker.domain.ledger_walk`). Read back as a dict; the
    column is plain JSON (``json`` on PostgreSQL keeps the text as written)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        """Write the canonical text itself, not the driver's JSON encoding of the dict."""

        def process(value: dict[str, Any] | str | None) -> str:
            if isinstance(value, str):
                return value  # already the canonical text (the ledger's sealing made it)
            return canonical_data(dict(value or {}))

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any]:
        """A fresh dict."""
        return dict(value or {})
