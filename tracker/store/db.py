"""The database engine: where the database is, and how connections are set up.

SQLite is the default (a file under ``./data/``); PostgreSQL is used when
``TRACKER_DATABASE_URL`` says ``postgresql+psycopg://…``. On SQLite every connection runs
in WAL mode with foreign keys on, a busy timeout and ``synchronous=NORMAL``; and
SQLAlchemy, not the ``sqlite3`` module, emits ``BEGIN``: write transactions start with
``BEGIN IMMEDIATE`` so concurrent writers queue for the lock instead of failing when a
read lock cannot be upgraded, while read-only work uses a plain deferred ``BEGIN``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from tracker.domain.errors import ConfigError, StoreUnavailable
from tracker.store.errors import translate

logger = logging.getLogger(__name__)

ENV_URL = "TRACKER_DATABASE_URL"
# Execution option naming how a SQLite transaction begins ("IMMEDIATE" for writers).
SQLITE_BEGIN = "tracker_sqlite_begin"
BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5
# A PostgreSQL connection unused in the pool for longer is checked before use.
PING_AFTER_IDLE_S = 5.0


class Connects(Protocol):
    """Where the repositories and the ledger send their statements: the unit of work's
    ORM session, or the Core connection of a read-only :class:`~tracker.store.reading.Reading`
    (both begin the transaction before handing the connection out)."""

    def connection(self) -> Connection:
        """The connection of the open transaction."""


def database_url() -> str:
    """The configured database URL: ``TRACKER_DATABASE_URL``, or a SQLite file
    ``./data/tracker.db`` under the current directory (the directory is created)."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    data = Path.cwd() / "data"
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{data / 'tracker.db'}"


def parse_url(url: str | URL) -> URL:
    """``url`` parsed; bare ``postgresql://`` / ``postgres://`` select psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"{ENV_URL}: cannot read database URL {url!r}: {exc}",
            zh=f"{ENV_URL}：无法识别数据库地址 {url!r}",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"{ENV_URL}: unsupported database {parsed.drivername!r} "
            "(use sqlite:///path or postgresql+psycopg://user@host/db)",
            zh=f"{ENV_URL}：不支持的数据库 {parsed.drivername!r}（请用 SQLite 或 PostgreSQL）",
        )
    return parsed


def safe_url(url: str | URL) -> str:
    """``url`` as text with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default :func:`database_url`) with the project's settings."""
    parsed = parse_url(url if url is not None else database_url())
    # Statement parameters and result rows hold titles, notes and password hashes: never
    # in an error message, nor in a log line when the service runs at DEBUG (SQLAlchemy
    # would log every statement's parameters at INFO and every row at DEBUG).
    kwargs.setdefault("hide_parameters", True)
    quiet = logging.getLogger("sqlalchemy")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
        engine = create_engine(parsed, **kwargs)
        _setup_sqlite(engine)
    else:
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        _ping_when_idle(engine, PING_AFTER_IDLE_S)
    logger.debug("engine for %s", safe_url(parsed))
    return engine


def private_file(path: Path) -> None:
    """Make sure the SQLite file ``path`` exists readable by its owner only, in a folder
    made 0700: it holds titles and password hashes. SQLite gives the ``-wal`` and
    ``-shm`` files the database file's mode, so they are 0600 too. Warns when an
    existing file or folder is open to other users (an upgrade from an older install,
    or a copy); the files are not changed behind the operator's back."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create the database {path}: {exc}", zh=f"无法创建数据库 {path}：{exc}"
        ) from exc
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), path.parent):
        try:
            mode = p.stat().st_mode
        except OSError:
            continue
        if mode & 0o077:
            logger.warning(
                "%s is open to other users (mode %o): it holds titles and password hashes; "
                "chmod %s it",
                p,
                mode & 0o777,
                "700" if p == path.parent else "600",
            )


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        assert isinstance(dbapi_connection, sqlite3.Connection)
        # Take BEGIN away from the sqlite3 module; the "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {'IMMEDIATE' if mode == 'IMMEDIATE' else 'DEFERRED'}")


_IDLE_SINCE = "tracker_idle_since"


def _ping_when_idle(engine: Engine, after: float) -> None:
    """``pool_pre_ping``, but only for a PostgreSQL connection that lay unused in the
    pool longer than ``after`` seconds: a round trip on every checkout doubled the time
    of a short read, and a connection in steady use is known to be alive. A connection
    that fails the ping is replaced before anyone uses it; one that died within the
    last ``after`` seconds (the server restarted) fails its next statement, which
    SQLAlchemy then recognises as a disconnect and replaces the pool's connections."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < after:
            return
        try:
            dbapi_connection.autocommit = True  # the ping opens no transaction
            try:
                cursor = dbapi_connection.cursor()
                try:
                    cursor.execute("SELECT 1")
                finally:
                    cursor.close()
            finally:
                dbapi_connection.autocommit = False
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool replaces the connection and tries again.
            raise DisconnectionError(f"stale connection: {exc}") from exc


def _derived(engine: Engine, name: str, **options: Any) -> Engine:
    # Made once and kept on the engine: each execution_options() call copies the engine,
    # and a cache keyed by engine would keep every engine alive (the copy refers to it).
    found = getattr(engine, name, None)
    if not isinstance(found, Engine):
        found = engine.execution_options(**options)
        setattr(engine, name, found)
    return found


def writer(engine: Engine) -> Engine:
    """``engine`` set up for write transactions (``BEGIN IMMEDIATE`` on SQLite)."""
    if engine.dialect.name != "sqlite":
        return engine
    return _derived(engine, "_tracker_writer", **{SQLITE_BEGIN: "IMMEDIATE"})


def reader(engine: Engine) -> Engine:
    """``engine`` set up for read-only transactions: a deferred BEGIN on SQLite (a WAL
    snapshot from the first read), ``REPEATABLE READ READ ONLY`` on PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return engine
    return _derived(
        engine, "_tracker_reader", isolation_level="REPEATABLE READ", postgresql_readonly=True
    )


def check(engine: Engine) -> None:
    """Connect once; raise :class:`StoreUnavailable` naming the database if that fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise unavailable(engine, exc) from exc


def unavailable(engine: Engine, exc: Exception) -> StoreUnavailable:
    """A :class:`StoreUnavailable` for ``exc`` naming the database (without password)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    where = safe_url(engine.url)
    translated = translate(exc)
    if isinstance(translated, StoreUnavailable) or "connect" in first.lower():
        return StoreUnavailable(
            f"cannot reach the database at {where}: {first}",
            zh=f"无法连接数据库 {where}：{first}",
        )
    return StoreUnavailable(
        f"cannot use the database at {where}: {first}", zh=f"无法使用数据库 {where}：{first}"
    )
