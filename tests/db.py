"""Database fixtures for every test area (registered in ``tests/conftest.py``).

Fixtures (use them by name in any test):

``db_url``
    The URL (str) of a fresh, fully migrated database, private to the test. Parametrised:
    every test using it runs twice, ``[sqlite]`` and ``[postgres]``.
    - SQLite: a copy of a template file migrated once per session (in the test's tmp dir).
    - PostgreSQL: ``CREATE DATABASE … TEMPLATE`` from a template database migrated once
      per session, dropped after the test. Server: ``TRACKER_TEST_PG_URL`` (default
      ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; the database named there is
      only used to connect for CREATE/DROP DATABASE). When the server is unreachable
      the ``[postgres]`` tests are skipped with the reason, or fail when ``CI=true``.
``engine``
    A SQLAlchemy engine on ``db_url`` made by :func:`tracker.store.db.make_engine`
    (disposed after the test).
``ledger_key``
    32 random bytes, the HMAC key of the test's ledger.
``uow_factory``
    ``uow_factory(write=True) -> SqlUnitOfWork`` on ``engine`` with ``ledger_key``;
    ``write=False`` gives a read-only unit of work (snapshot, no write lock).

To run a test on one database only (without making the other one's database first):
``@only_sqlite`` / ``@only_postgres`` (decorators defined here).

Per-test set-up costs a file copy (SQLite) or taking a database made ahead in the
background (PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import queue
import secrets
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from tracker.store.db import make_engine
from tracker.store.migrate import upgrade
from tracker.store.uow import SqlUnitOfWork

PG_URL_ENV = "TRACKER_TEST_PG_URL"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_PREFIX = "tracker_t_"


def pg_server_url() -> URL:
    """The URL of the PostgreSQL server used by tests."""
    url = make_url(os.environ.get(PG_URL_ENV, PG_DEFAULT))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PgDatabases:
    """Makes per-test PostgreSQL databases from a migrated template.

    CREATE and DROP DATABASE each take from 0.1 s to well over a second on a busy
    machine (they write and sync whole files), so one database is always being made
    ahead in a background thread and used ones are dropped in another."""

    def __init__(self, server: URL) -> None:
        self.server = server
        self.admin = self._admin_engine(server)
        self.template = f"{_PREFIX}{os.getpid()}_template"
        self._numbers = itertools.count(1)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-create")
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")
        self._ready: queue.SimpleQueue[Future[str]] = queue.SimpleQueue()
        self._pending: list[Future[None]] = []
        self._drop_stale()
        self._exec(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._exec(f'CREATE DATABASE "{self.template}"')
        engine = make_engine(self.url(self.template))
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    @staticmethod
    def _admin_engine(server: URL) -> Engine:
        try:
            engine = create_engine(server, isolation_level="AUTOCOMMIT")
            with engine.connect():
                return engine
        except OperationalError:
            # The named database may not exist; the maintenance database always does.
            engine = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with engine.connect():
                return engine

    def _exec(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def _drop_stale(self) -> None:
        # Databases left by test runs that crashed; never those of a run still going.
        with self.admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{_PREFIX}%"},
            ).scalars()
            for name in list(names):
                pid = name[len(_PREFIX) :].split("_", 1)[0]
                if pid.isdigit() and not _alive(int(pid)):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def url(self, database: str) -> str:
        """The URL of ``database`` on the test server."""
        return self.server.set(database=database).render_as_string(hide_password=False)

    def _create(self) -> str:
        name = f"{_PREFIX}{os.getpid()}_{next(self._numbers)}"
        self._exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def create(self) -> str:
        """A new database copied from the template; returns its name."""
        try:
            ahead = self._ready.get_nowait()
        except queue.Empty:
            ahead = self._worker.submit(self._create)
        self._ready.put(self._worker.submit(self._create))
        return ahead.result()

    def drop(self, name: str) -> None:
        """Drop ``name`` in the background (closing any connection still open to it)."""
        self._pending.append(
            self._dropper.submit(self._exec, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )

    def close(self) -> None:
        """Drop every database made (and the template) and let go of the server."""
        try:
            while True:
                try:
                    self.drop(self._ready.get_nowait().result())
                except queue.Empty:
                    break
            self._worker.shutdown(wait=True)
            self._dropper.shutdown(wait=True)
            for f in self._pending:
                f.result()
            self._exec(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        finally:
            self.admin.dispose()


only_sqlite = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
only_postgres = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            # Fold the WAL into the main file so copying that one file copies everything.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_databases() -> Iterator[PgDatabases]:
    from tests.conftest import require_service

    server = pg_server_url()
    require_service("PostgreSQL", server.host or "127.0.0.1", server.port or 5432)
    dbs = PgDatabases(server)
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test (see the module docstring)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "tracker.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    dbs: PgDatabases = request.getfixturevalue("_pg_databases")
    name = dbs.create()
    try:
        yield dbs.url(name)
    finally:
        dbs.drop(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test's database."""
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def ledger_key() -> bytes:
    """The test ledger's HMAC key."""
    return secrets.token_bytes(32)


@pytest.fixture
def uow_factory(engine: Engine, ledger_key: bytes) -> Callable[..., SqlUnitOfWork]:
    """``uow_factory(write=True)``: a new unit of work on the test's database."""

    def make(write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, ledger_key, write=write)

    return make
