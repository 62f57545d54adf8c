"""The carrier search's substring index (migration 0013): SQLite's FTS5 trigram table
follows every insert, change of title and delete, and answers the search; PostgreSQL's
pg_trgm indexes are what the search uses once the table is large."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from tests.db import only_postgres, only_sqlite
from tests.store import samples
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]


def _found(uow_factory: Factory, needle: str) -> list[str]:
    with uow_factory(write=False) as uow:
        return [c.serial for c in uow.carriers.search(text=needle)]


def test_the_index_follows_inserts_title_changes_and_deletes(
    uow_factory: Factory, engine: Engine
) -> None:
    with uow_factory() as uow:
        uow.carriers.add(samples.carrier("JM-2026-000001", title="关于某项目的请示", epc=None))
        uow.carriers.add(samples.carrier("JM-2026-000002", title='He said "Go" 100%', epc=None))
        uow.commit()
    assert _found(uow_factory, "某项目") == ["JM-2026-000001"]
    assert _found(uow_factory, '"go"') == ["JM-2026-000002"]  # quotes are text; case ignored
    assert _found(uow_factory, "26-00000") == ["JM-2026-000001", "JM-2026-000002"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE carriers SET state = 'in_safe'"))  # not the title
        conn.execute(text("UPDATE carriers SET title = '会议纪要' WHERE serial = 'JM-2026-000001'"))
    assert _found(uow_factory, "某项目") == []
    assert _found(uow_factory, "会议纪要") == ["JM-2026-000001"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM carriers WHERE serial = 'JM-2026-000002'"))
    assert _found(uow_factory, "said") == []


@only_sqlite
def test_sqlite_answers_from_the_trigram_table(engine: Engine) -> None:
    with engine.connect() as conn:
        plan = conn.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT serial FROM carriers WHERE serial IN "
                "(SELECT serial FROM carrier_search WHERE carrier_search MATCH '\"项目的\"')"
            )
        ).all()
    assert any("carrier_search VIRTUAL TABLE INDEX" in str(row) for row in plan), plan


@only_postgres
def test_postgresql_has_trigram_indexes_the_search_can_use(engine: Engine) -> None:
    with engine.connect() as conn:
        names = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'carriers'"))
            .scalars()
            .all()
        )
        assert {"ix_carriers_serial_trgm", "ix_carriers_title_trgm"} <= names
        conn.execute(text("SET enable_seqscan = off"))  # a tiny table: make the choice visible
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT serial FROM carriers "
                    "WHERE serial ILIKE '%项目的%' OR title ILIKE '%项目的%'"
                )
            ).scalars()
        )
    assert "ix_carriers_title_trgm" in plan, plan
