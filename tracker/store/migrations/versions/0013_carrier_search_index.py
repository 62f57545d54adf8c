"""A substring index for the carrier search (serial or title, ignoring case).

Without it every search read all titles (~65 ms at 100,000 carriers on SQLite, twice per
search: the page, then the count). SQLite: an FTS5 table with the trigram tokenizer,
``carrier_search(serial UNINDEXED, sn, title)``, kept by triggers. PostgreSQL: pg_trgm
GIN indexes on ``serial`` and ``title``, which ILIKE '%…%' uses as it is; when the
extension cannot be created (no rights), the search stays a scan and still works.

Neither is in the models' metadata (a virtual table, operator-class indexes):
:data:`tracker.store.schema.NOT_IN_MODELS` names them for the schema comparison.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE carrier_search USING fts5("
    "serial UNINDEXED, sn, title, tokenize = 'trigram')",
    "INSERT INTO carrier_search (serial, sn, title) SELECT serial, serial, title FROM carriers",
    """CREATE TRIGGER carrier_search_insert AFTER INSERT ON carriers BEGIN
        INSERT INTO carrier_search (serial, sn, title) VALUES (new.serial, new.serial, new.title);
    END""",
    # Only a change of serial or title touches the index (a state change does not).
    """CREATE TRIGGER carrier_search_update AFTER UPDATE OF serial, title ON carriers
    WHEN old.serial IS NOT new.serial OR old.title IS NOT new.title BEGIN
        DELETE FROM carrier_search WHERE serial = old.serial;
        INSERT INTO carrier_search (serial, sn, title) VALUES (new.serial, new.serial, new.title);
    END""",
    """CREATE TRIGGER carrier_search_delete AFTER DELETE ON carriers BEGIN
        DELETE FROM carrier_search WHERE serial = old.serial;
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS carrier_search_insert",
    "DROP TRIGGER IF EXISTS carrier_search_update",
    "DROP TRIGGER IF EXISTS carrier_search_delete",
    "DROP TABLE IF EXISTS carrier_search",
]
PG_INDEXES = [
    "CREATE INDEX ix_carriers_serial_trgm ON carriers USING gin (serial gin_trgm_ops)",
    "CREATE INDEX ix_carriers_title_trgm ON carriers USING gin (title gin_trgm_ops)",
]


def upgrade() -> None:
    """Create the search index of this database."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for sql in SQLITE_UP:
            op.execute(sql)
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError:
        return  # no rights to create the extension: the search scans, as before
    for sql in PG_INDEXES:
        op.execute(sql)


def downgrade() -> None:
    """Drop the search index."""
    if op.get_bind().dialect.name == "sqlite":
        for sql in SQLITE_DOWN:
            op.execute(sql)
        return
    op.execute("DROP INDEX IF EXISTS ix_carriers_serial_trgm")
    op.execute("DROP INDEX IF EXISTS ix_carriers_title_trgm")
