"""Alembic environment: runs the migrations on the connection :mod:`tracker.store.migrate`
passes in (``config.attributes["connection"]``), or on ``sqlalchemy.url`` / the
configured database when run by the ``alembic`` command."""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import Connection, text

from tracker.store.db import database_url, make_engine, writer
from tracker.store.schema import in_models, metadata

logger = logging.getLogger(__name__)

config = context.config
target_metadata = metadata  # the Core tables (the ORM classes are mapped onto them)
# Any number fixed for the project: PostgreSQL advisory lock held while migrating, so two
# processes starting at once do not both create the tables.
MIGRATION_LOCK = 7_240_101


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        transactional_ddl=True,  # SQLite too: a failed migration leaves nothing behind
        compare_type=True,
        include_name=in_models,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        context.run_migrations()


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    url = config.get_main_option("sqlalchemy.url") or database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on a live connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with writer(engine).connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
