"""Inserting many rows of one table at once with the driver's own batching.

``conn.execute(insert(table), [dict, …])`` costs SQLAlchemy about 10 µs a row before the
driver sees it (building each row's parameters from its dict, then each value through its
column type); a scheduled run writes 100,000 alerts and as many ledger entries in one
commit, so that alone was about a second. :func:`insert_rows` takes rows as tuples in a
fixed column order and runs the statement SQLAlchemy compiles for the table (the same
SQL, with PostgreSQL's casts) with only the columns' own bind processors applied — the
same conversions SQLAlchemy applies, so the rows stored are the same:

* SQLite: one ``executemany`` (sqlite3 loops in C);
* PostgreSQL: multi-row ``INSERT … VALUES (…), (…)`` of up to :data:`PG_ROWS` rows a
  statement (one round trip each), as SQLAlchemy's own "insertmanyvalues" does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.exc import StatementError

PG_ROWS = 500  # rows in one multi-row INSERT on PostgreSQL (parameters stay < 65,535)

_NOTHING = object()  # no value seen yet
_PYFORMAT = re.compile(r"%\(([^)]+)\)s")


@dataclass(frozen=True)
class _Plan:
    sql: str  # one row's statement (SQLite: executemany runs it for every row)
    head: str  # PostgreSQL: "INSERT INTO t (…) VALUES "
    row: str  # PostgreSQL: one row's "(%s, %s::JSON, …)"
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
    sql = compiled.string
    head, row = sql, ""
    if dialect.paramstyle == "pyformat":
        # Named placeholders (in the table's column order) become positional ones, with
        # their casts kept.
        order = tuple(_PYFORMAT.findall(sql))
        sql = _PYFORMAT.sub("%s", sql)
        at = sql.index(" VALUES ") + len(" VALUES ")
        head, row = sql[:at], sql[at:]
    elif dialect.paramstyle == "qmark":
        order = tuple(compiled.positiontup or ())
    else:
        raise ValueError(f"bulk insert does not know the paramstyle {dialect.paramstyle!r}")
    if sorted(order) != sorted(names):
        raise ValueError(f"unexpected parameters inserting into {table.name}: {order}")
    procs = []
    for i, name in enumerate(order):
        proc = table.c[name].type._cached_bind_processor(dialect)
        if proc is not None:
            procs.append((i, proc))
    perm = None if order == names else tuple(names.index(n) for n in order)
    found = _PLANS[key] = _Plan(sql=sql, head=head, row=row, perm=perm, procs=tuple(procs))
    return found


def insert_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``names``, as the domain holds them) into
    ``table`` in the current transaction."""
    if not rows:
        return
    dialect = conn.dialect
    plan = _plan(table, tuple(names), dialect)
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
    if dialect.paramstyle == "qmark":
        conn.exec_driver_sql(plan.sql, converted)
        return
    for start in range(0, len(converted), PG_ROWS):
        batch = converted[start : start + PG_ROWS]
        sql = plan.head + ", ".join([plan.row] * len(batch))
        conn.exec_driver_sql(sql, tuple(v for r in batch for v in r))
