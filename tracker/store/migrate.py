"""Schema migrations run from code: ``upgrade(url)``, ``current(url)``, ``ensure_schema``.

The Alembic scripts ship inside the package (``tracker/store/migrations``), so no
``alembic.ini`` is needed in the working directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from tracker.store.db import make_engine, safe_url, unavailable, writer
from tracker.store.errors import translate

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _engine(url: str | URL | Engine | None) -> tuple[Engine, bool]:
    if isinstance(url, Engine):
        return url, False
    return make_engine(url), True


def current(url: str | URL | Engine | None = None) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine, owned = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise unavailable(engine, exc) from exc
    finally:
        if owned:
            engine.dispose()


def upgrade(url: str | URL | Engine | None = None, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` (default: the newest); returns the revision
    it is at afterwards. Runs in one transaction, so a failure changes nothing."""
    return _migrate(url, revision, down=False)


def downgrade(url: str | URL | Engine | None = None, revision: str = "base") -> str | None:
    """Migrate the database back to ``revision`` (``base`` drops everything, the ledger
    included: for throw-away databases only)."""
    return _migrate(url, revision, down=True)


def _migrate(url: str | URL | Engine | None, revision: str, *, down: bool) -> str | None:
    engine, owned = _engine(url)
    try:
        with writer(engine).connect() as conn:
            try:
                if down:
                    command.downgrade(_config(conn), revision)
                else:
                    command.upgrade(_config(conn), revision)
                conn.commit()
            except SQLAlchemyError as exc:
                raise translate(exc, f"migrating {safe_url(engine.url)}") from exc
            at = MigrationContext.configure(conn).get_current_revision()
            conn.rollback()
        logger.info("database %s at revision %s", safe_url(engine.url), at)
        return at
    except SQLAlchemyError as exc:
        raise unavailable(engine, exc) from exc
    finally:
        if owned:
            engine.dispose()


def ensure_schema(url: str | URL | Engine | None = None) -> str | None:
    """Upgrade the database if it is behind the code (used on first start)."""
    if current(url) == head_revision():
        return head_revision()
    return upgrade(url)
