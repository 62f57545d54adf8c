"""Inserting many rows of one table at once with the driver's own batching.

``conn.execute(insert(table), [dict, …])`` costs SQLAlchemy about 10 µs a row before the
driver sees it (building each row's parameters from its dict, then each value through its
column type); a scheduled run writes 100,000 alerts and as many ledger entries in one
commit, so that alone was about a second. :func:`insert_rows` takes rows as tuples in a
fixed column order, applies the columns' own bind processors to them — the conversions
SQLAlchemy applies, so the rows stored are the same — and hands them to the driver:

* SQLite: one ``executemany`` (sqlite3 loops in C);
* PostgreSQL: ``COPY … FROM STDIN`` through psycopg (in a scratch run of 20,000 alert
  rows at load ~5: 0.6-0.8 s, against 0.9-1.4 s for ``executemany`` and 1.1-1.3 s for
  SQLAlchemy's own multi-row ``INSERT``; 500-row ``VALUES`` lists of our own took 4 s).
  COPY fires the table's triggers and checks its constraints as ``INSERT`` does;
* any other driver: SQLAlchemy's ``insert()`` with the rows as dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.exc import DBAPIError, StatementError

_NOTHING = object()  # no value seen yet


@dataclass(frozen=True)
class _Plan:
    sql: str  # SQLite: one row's statement (executemany runs it for every row);
    # PostgreSQL: the COPY statement
    perm: tuple[int, ...] | None  # the statement's n-th value is the row's perm[n]-th
    procs: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)


_PLANS: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def _plan(table: Table, names: tuple[str, ...], dialect: Dialect) -> _Plan:
    key = (dialect.name, table.name, names)
    found = _PLANS.get(key)
    if found is not None:
        return found
    stmt = insert(table).values({n: None for n in names})
    compiled = stmt.compile(dialect=dialect)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        order = names
        quote = dialect.identifier_preparer
        columns = ", ".join(quote.quote(n) for n in order)
        sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    elif dialect.paramstyle == "qmark":
        order = tuple(compiled.positiontup or ())
        sql = compiled.string
    else:
        order, sql = names, ""  # no fast path: insert() (see insert_rows)
    if sorted(order) != sorted(names):
        raise ValueError(f"unexpected parameters inserting into {table.name}: {order}")
    procs = []
    for i, name in enumerate(order):
        proc = table.c[name].type._cached_bind_processor(dialect)
        if proc is not None:
            procs.append((i, proc))
    perm = None if order == names else tuple(names.index(n) for n in order)
    found = _PLANS[key] = _Plan(sql=sql, perm=perm, procs=tuple(procs))
    return found


# SQLite: a batch this large gets the connection a page cache of this many KiB (the
# default is 2 MiB). A sweep's 100,000 alerts and ledger entries go into indexes on random
# keys (ids, hashes) larger than that: with the default cache each insert read its pages
# back from the operating system (100,000 alert rows and entries: 3.9 s of CPU with the
# default cache, 3.1 s with a large one, in the same run).
BIG_BATCH = 10_000
BIG_CACHE_KIB = 65_536


def _widen_page_cache(conn: Connection) -> None:
    """At least BIG_CACHE_KIB of page cache for this SQLite connection, from now on (a
    pragma of the connection, not of the transaction; the pool keeps the connection, so
    the next big batch finds it)."""
    size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    if size < 0:
        kib = -size
    else:  # given as a number of pages
        kib = size * int(conn.exec_driver_sql("PRAGMA page_size").scalar_one()) // 1024
    if kib < BIG_CACHE_KIB:
        conn.exec_driver_sql(f"PRAGMA cache_size = -{BIG_CACHE_KIB}")


def insert_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``names``, as the domain holds them) into
    ``table`` in the current transaction."""
    if not rows:
        return
    dialect = conn.dialect
    plan = _plan(table, tuple(names), dialect)
    if not plan.sql:
        conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows])
        return
    procs, perm = plan.procs, plan.perm
    # Each column's last value and what it became: a run's rows share most of their
    # values (the transaction's time, the alert type, the state), so each is converted
    # once. Equal by identity only, and nothing changes the rows while they are written.
    last_in: list[Any] = [_NOTHING] * len(procs)
    last_out: list[Any] = [None] * len(procs)
    converted = []
    for r in rows:
        values = list(r) if perm is None else [r[i] for i in perm]
        try:
            for j, (i, proc) in enumerate(procs):  # None too, as SQLAlchemy does
                v = values[i]
                if v is last_in[j]:
                    values[i] = last_out[j]
                else:
                    last_in[j], values[i] = v, proc(v)
                    last_out[j] = values[i]
        except Exception as exc:
            # What SQLAlchemy raises for a value its column type refuses (a naive time).
            raise StatementError(str(exc), plan.sql, tuple(r), exc) from exc
        converted.append(tuple(values))
    if dialect.name == "sqlite":
        if len(converted) >= BIG_BATCH:
            _widen_page_cache(conn)
        conn.exec_driver_sql(plan.sql, converted)
        return
    # The transaction's own connection: COPY is part of it like any other statement.
    raw = conn.connection.driver_connection
    assert raw is not None
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        with raw.cursor() as cursor, cursor.copy(plan.sql) as copy:
            for row in converted:
                copy.write_row(row)
    except dbapi_error as exc:
        # As SQLAlchemy would raise it (an IntegrityError for a duplicate key …), so the
        # store translates it as any other statement's error.
        raise DBAPIError.instance(plan.sql, None, exc, dbapi_error) from exc
