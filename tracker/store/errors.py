"""Database errors turned into the project's error tree.

SQLAlchemy raises its own exceptions; callers of the store see only
:class:`~tracker.domain.errors.TrackerError` subclasses: a clash with existing data is a
:class:`Conflict` naming what clashed, a lost or unreachable database is
:class:`StoreUnavailable` (retry), anything else is :class:`StoreError`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from tracker.domain.errors import (
    Conflict,
    StoreError,
    StoreUnavailable,
    TrackerError,
    TransientError,
)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# What a unique index or key protects, in words, by "table.column" (filled by tables.py).
DESCRIPTIONS: dict[str, tuple[str, str]] = {}


class ConcurrentUpdate(Conflict, TransientError):
    """Another transaction changed the same row first; reload and try again."""

    code = "concurrent_update"


# SQLite: "UNIQUE constraint failed: carriers.epc" (several columns are comma-separated).
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_PG_KEY = re.compile(r"Key \(([^)]*)\)=\((.*)\) already exists")
# SQLSTATE classes that mean "the server is gone or refused us", not "bad statement".
_PG_UNAVAILABLE = ("08", "53", "57")


def _describe(table: str, columns: list[str]) -> tuple[str, str]:
    key = f"{table}.{','.join(columns)}"
    if key in DESCRIPTIONS:
        return DESCRIPTIONS[key]
    what = f"{table} ({', '.join(columns)})"
    return what, what


def _conflict(error: sa_exc.IntegrityError) -> TrackerError:
    orig = error.orig
    text = str(orig)
    m = _SQLITE_UNIQUE.search(text)
    if m:
        parts = [p.strip() for p in m.group(1).split(",")]
        table = parts[0].split(".")[0]
        columns = [p.split(".", 1)[1] for p in parts]
        en, zh = _describe(table, columns)
        return Conflict(f"{en} already exists", zh=f"{zh}已存在")
    diag = getattr(orig, "diag", None)
    table = getattr(diag, "table_name", None)
    detail = getattr(diag, "message_detail", None) or ""
    m = _PG_KEY.search(detail)
    if table and m:
        columns = [c.strip() for c in m.group(1).split(",")]
        en, zh = _describe(table, columns)
        return Conflict(f"{en} {m.group(2)!r} already exists", zh=f"{zh} {m.group(2)!r} 已存在")
    first_line = text.strip().splitlines()[0] if text.strip() else type(orig).__name__
    return Conflict(
        f"the database refused the change: {first_line}",
        zh=f"数据库拒绝了该修改：{first_line}",
    )


def _unavailable(error: sa_exc.DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.InterfaceError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _PG_UNAVAILABLE
    text = str(error.orig).lower()
    # SQLite: the file cannot be opened, or another writer held the lock past busy_timeout.
    return any(
        s in text
        for s in ("unable to open database", "database is locked", "disk i/o error", "readonly")
    )


def _no_schema(error: sa_exc.DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) == "42P01":  # undefined_table
        return True
    return "no such table" in str(error.orig)


def translate(error: Exception, where: str = "") -> TrackerError:
    """The project error for a SQLAlchemy (or driver) exception."""
    if isinstance(error, TrackerError):
        return error
    suffix = f" ({where})" if where else ""
    # Only the ORM raises StaleDataError: where it was never imported (a command that only
    # reads, through Core) there is none to recognise, and importing it would load the ORM.
    orm_exc = sys.modules.get("sqlalchemy.orm.exc")
    if orm_exc is not None and isinstance(error, orm_exc.StaleDataError):
        return ConcurrentUpdate(
            f"the record was changed by someone else meanwhile; reload and retry{suffix}",
            zh="记录已被他人修改，请刷新后重试",
        )
    if isinstance(error, sa_exc.IntegrityError):
        return _conflict(error)
    if isinstance(error, sa_exc.DBAPIError) and _no_schema(error):
        return StoreError(
            f"the database has no tables yet{suffix}: run `tracker db upgrade`",
            zh=f"数据库尚未建表{suffix}：请运行 tracker db upgrade",
        )
    if isinstance(error, sa_exc.DBAPIError) and _unavailable(error):
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        return StoreUnavailable(
            f"the database is unavailable{suffix}: {reason}",
            zh=f"数据库不可用{suffix}：{reason}",
        )
    if isinstance(error, sa_exc.DBAPIError):
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        return StoreError(f"database error{suffix}: {reason}", zh=f"数据库错误{suffix}：{reason}")
    return StoreError(f"database error{suffix}: {error}", zh=f"数据库错误{suffix}：{error}")


@contextmanager
def translating(where: str = "") -> Iterator[None]:
    """Run a block, re-raising database exceptions as project errors."""
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        raise translate(error, where) from error


def translated(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a store method so database exceptions surface as project errors."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translating():
            return func(*args, **kwargs)

    return wrapper
