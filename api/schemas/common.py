"""Shared field types and shapes: bounded text, sane times, ids, errors, pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

T = TypeVar("T")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    # Control characters have no place in a register (PostgreSQL refuses NUL outright).
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _sane_time(value: datetime) -> datetime:
    try:
        year = value.astimezone(UTC).year
    except OverflowError as exc:
        raise ValueError("time out of range") from exc
    if not 1970 <= year <= 2200:
        raise ValueError("time must be between 1970 and 2200")
    return value


def _sane_date(value: date) -> date:
    if not 1900 <= value.year <= 2200:
        raise ValueError("date must be between 1900 and 2200")
    return value


Text = Annotated[str, Field(max_length=2000), AfterValidator(_clean)]
ShortText = Annotated[str, Field(max_length=200), AfterValidator(_clean)]
Ident = Annotated[str, Field(pattern=ID_PATTERN, max_length=128)]
When = Annotated[AwareDatetime, AfterValidator(_sane_time)]
Day = Annotated[date, AfterValidator(_sane_date)]

IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=128, description="Record id.")]
SerialPath = Annotated[
    str,
    Path(pattern=ID_PATTERN, max_length=128, description="Carrier serial, e.g. JM-2026-000123."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")]


class Model(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base of responses."""


class Problem(Out):
    """One failing field of a request (or item of a batch)."""

    field: str
    message: str
    index: int | None = None


class ErrorDetail(Out):
    """What went wrong, in the language asked for."""

    code: str = Field(description="Machine-readable error code, e.g. rule_violation.")
    message: str
    rule: str | None = Field(default=None, description="The secrecy rule (R1-R15) that refused it.")
    field: str | None = Field(default=None, description="The request field that is wrong.")
    problems: list[Problem] | None = None
    request_id: str = Field(description="Quote it when reporting a problem.")


class ErrorBody(Out):
    """Every error response."""

    error: ErrorDetail


class Page(Out, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="How many match (at least this many when truncated).")
    limit: int
    offset: int
    truncated: bool = Field(
        default=False, description="True when counting stopped at a cap (broad searches)."
    )


class Note(Model):
    """A free-text note (approval remark, resolution, reason)."""

    note: Text = ""


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "The request body could not be read (not JSON, or not UTF-8)."),
        (401, "Not authenticated: no valid access or device token."),
        (403, "The caller's role (or device scope) may not do this."),
        (404, "No such record (or the caller may not know it exists)."),
        (409, "Refused by a secrecy rule (see `rule`) or by the record's current state."),
        (413, "The request body is larger than the limit (1 MiB by default)."),
        (422, "The request is malformed; `field` names where."),
        (503, "The database is unavailable; retry later."),
    )
}
