"""Rows written by :func:`tracker.store.bulk.insert_rows` (tuples straight to the
driver) are the rows SQLAlchemy's own ``insert()`` writes, on both databases: the same
text for JSON, times and enums, NULL where SQLAlchemy writes NULL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, cast, insert, select
from sqlalchemy import String as SqlString
from sqlalchemy.exc import IntegrityError, StatementError

from tracker.domain.model import AlertState, AlertType, Severity, SubjectKind
from tracker.store import bulk
from tracker.store.tables import AlertRow

T = AlertRow.__table__
AT = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)


def _alert(i: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"a{i:04d}",
        "type": AlertType.NOT_LOCKED_AWAY,
        "severity": Severity.WARNING,
        "subject_kind": SubjectKind.CARRIER,
        "subject": f"BN-{i}",
        "cause": f"not_locked_away:BN-{i}",
        "rule": "R7",
        "first_seen": AT,
        "last_seen": AT,
        "count": 1,
        "state": AlertState.OPEN,
        "details": {"message": "not in a safe", "zh": "未入柜上锁", "n": i},
        "acknowledged_by": None,
        "acknowledged_at": None,
        "resolved_by": None,
        "resolved_at": None,
        "note": "",
        "escalation": 0,
    }
    row.update(kw)
    return row


def _stored(engine: Engine, ids: list[str]) -> list[tuple[object, ...]]:
    # Every column as the database keeps it (as text), so a different encoding shows.
    columns = [cast(c, SqlString).label(c.name) for c in T.columns if c.name != "id"]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(T.c.id.in_(ids)).order_by(T.c.id)).all()
    return [tuple(r) for r in rows]


def test_bulk_rows_are_the_rows_sqlalchemy_writes(engine: Engine) -> None:
    n = 1200
    theirs = [_alert(i) for i in range(n)]
    mine = [_alert(i + n) for i in range(n)]
    # the same values again under the other ids, so the stored rows can be compared
    for a, b in zip(theirs, mine, strict=True):
        b.update({k: v for k, v in a.items() if k not in ("id", "subject", "cause")})
        b["subject"], b["cause"] = a["subject"], a["cause"]
    names = [c.name for c in reversed(T.columns)]  # not the table's order
    with engine.begin() as conn:
        conn.execute(insert(T), theirs)
        bulk.insert_rows(conn, T, names, [tuple(r[k] for k in names) for r in mine])
    assert _stored(engine, [str(r["id"]) for r in mine]) == _stored(
        engine, [str(r["id"]) for r in theirs]
    )


def test_a_value_its_column_refuses_fails_as_with_sqlalchemy(engine: Engine) -> None:
    naive = _alert(1, first_seen=datetime(2026, 11, 24, 9, 30))
    names = list(naive)
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        bulk.insert_rows(conn, T, names, [tuple(naive.values())])


def test_a_duplicate_key_fails_as_sqlalchemy_reports_it(engine: Engine) -> None:
    row = _alert(7)
    names = list(row)
    with engine.begin() as conn:
        conn.execute(insert(T), [row])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bulk.insert_rows(conn, T, names, [tuple(_alert(8).values()), tuple(row.values())])
    assert _stored(engine, ["a0008"]) == []  # nothing of the failed statement stays


def test_a_big_batch_is_stored_whole_and_gets_sqlite_a_page_cache_to_match(engine: Engine) -> None:
    rows = [_alert(i) for i in range(bulk.BIG_BATCH)]
    names = list(rows[0])
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        bulk.insert_rows(conn, T, names, [tuple(r.values()) for r in rows])
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one() if sqlite else None
    assert len(_stored(engine, [str(r["id"]) for r in rows])) == bulk.BIG_BATCH
    if sqlite:
        # Index pages of a large table stay in memory for the rest of the batch (and the
        # next one on this connection) instead of being read back from the OS each time.
        assert cache is not None and -int(cache) >= bulk.BIG_CACHE_KIB
