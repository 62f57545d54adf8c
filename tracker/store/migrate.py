"""Schema migrations run from code: ``upgrade(url)``, ``current(url)``, ``ensure_schema``.

The Alembic scripts ship inside the package (``tracker/store/migrations``), so no
``alembic.ini`` is needed in the working directory. Alembic itself is imported only to
migrate: every start checks the database's revision against the newest script with one
``SELECT`` and a look at the scripts' headers (:func:`script_head`), which is all a
command line or server needs when the database is up to date.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from tracker.store.db import make_engine, safe_url, unavailable, writer
from tracker.store.errors import translate

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_REVISION = re.compile(r"""^revision(?:\s*:\s*[\w\[\]|. ]+)?\s*=\s*["']([^"']+)["']""", re.M)
_DOWN = re.compile(
    r"""^down_revision(?:\s*:\s*[\w\[\]|. ]+)?\s*=\s*(None|["']([^"']+)["'])""", re.M
)


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def script_head() -> str | None:
    """The newest revision read from the scripts' ``revision`` / ``down_revision`` lines
    without importing Alembic; None when that is not plain (several heads, a merge, a
    line it cannot read), and then the caller asks Alembic. Tested to agree with
    :func:`head_revision`."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("__"):
            continue
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(rev) != 1 or len(down) != 1:
            return None
        revisions.add(rev[0])
        if down[0][0] != "None":
            downs.add(down[0][1])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 and downs <= revisions else None


def _engine(url: str | URL | Engine | None) -> tuple[Engine, bool]:
    if isinstance(url, Engine):
        return url, False
    return make_engine(url), True


def current(url: str | URL | Engine | None = None) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

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
    from alembic import command
    from alembic.runtime.migration import MigrationContext

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


def _stored_revision(engine: Engine) -> str | None:
    """The revision in the version table with one plain query; None when there is no
    table or not exactly one row (Alembic then decides)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except SQLAlchemyError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def ensure_schema(url: str | URL | Engine | None = None) -> str | None:
    """Upgrade the database if it is behind the code (used on every start; Alembic is
    imported only when the database is not at the newest revision)."""
    engine, owned = _engine(url)
    try:
        head = script_head()
        if head is not None and _stored_revision(engine) == head:
            return head
        if current(engine) == head_revision():
            return head_revision()
        return upgrade(engine)
    finally:
        if owned:
            engine.dispose()
