"""The ledger key outside the database, engine settings, and database errors."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from tests.db import only_postgres, only_sqlite
from tests.store.samples import T
from tracker.domain.errors import LedgerError, StoreError, StoreUnavailable
from tracker.domain.ledger import Action, EntryDraft
from tracker.store import keys
from tracker.store.db import database_url, make_engine, safe_url
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv(keys.ENV_KEY, raising=False)
    path = tmp_path / "secrets" / "ledger.key"
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(path))
    return path


def test_a_key_is_made_for_an_empty_ledger_and_kept(engine: Engine, key_env: Path) -> None:
    key = keys.ledger_key(engine)
    assert len(key) == 32
    assert stat.S_IMODE(key_env.stat().st_mode) == 0o600
    assert keys.ledger_key(engine) == key
    with SqlUnitOfWork(engine, key) as uow:
        uow.ledger.append(EntryDraft(Action.RECEIVE, T, "carol"))
        uow.commit()
    assert keys.ledger_key(engine) == key


def test_a_missing_key_for_a_ledger_with_entries_is_an_error(engine: Engine, key_env: Path) -> None:
    key = keys.ledger_key(engine)
    with SqlUnitOfWork(engine, key) as uow:
        uow.ledger.append(EntryDraft(Action.RECEIVE, T, "carol"))
        uow.commit()
    key_env.unlink()
    with pytest.raises(LedgerError) as err:
        keys.ledger_key(engine)
    assert str(key_env) in str(err.value) and keys.ENV_KEY in str(err.value)
    assert not key_env.exists()  # no new key was made behind the officer's back


def test_a_named_key_file_wins_over_the_environment_and_leaves_it_alone(
    engine: Engine, key_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A demo's own database keeps its key beside it, whatever the environment says."""
    monkeypatch.setenv(keys.ENV_KEY, "ab" * 32)
    own = tmp_path / "demo" / "ledger.key"
    key = keys.ledger_key(engine, own)
    assert key != bytes.fromhex("ab" * 32) and len(key) == 32
    assert stat.S_IMODE(own.stat().st_mode) == 0o600 and not key_env.exists()
    assert keys.ledger_key(engine, own) == key
    assert keys.ledger_key(engine) == bytes.fromhex("ab" * 32)  # the environment is as it was


def test_the_key_can_come_from_the_environment(
    engine: Engine, key_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.ENV_KEY, "ab" * 32)
    assert keys.ledger_key(engine) == bytes.fromhex("ab" * 32)
    assert not key_env.exists()
    monkeypatch.setenv(keys.ENV_KEY, "not hex")
    with pytest.raises(LedgerError, match="not hexadecimal"):
        keys.ledger_key(engine)
    monkeypatch.setenv(keys.ENV_KEY, "abcd")
    with pytest.raises(LedgerError, match="at least 16"):
        keys.ledger_key(engine)


def test_a_key_at_hand_is_loaded_without_asking_the_database(
    engine: Engine, key_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the ledger is empty matters only when there is no key to load (then a new
    key may be made): with one at hand, a command's start sends no statement for it."""
    monkeypatch.setenv(keys.ENV_KEY, "ab" * 32)
    sent: list[str] = []

    def seen(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert keys.ledger_key(engine) == bytes.fromhex("ab" * 32)
        monkeypatch.delenv(keys.ENV_KEY)
        keys.load_key(create=True)  # the key file made, as a first start does
        assert keys.ledger_key(engine) == bytes.fromhex(key_env.read_text().strip())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sent == []


def test_the_key_is_never_logged(
    engine: Engine, key_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    key = keys.ledger_key(engine)
    assert key.hex() not in caplog.text
    assert str(key_env) in caplog.text


# --- engine ---------------------------------------------------------------------------------


def test_default_url_is_a_sqlite_file_under_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path}/data/tracker.db"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://u:pw@db.example/x")
    assert database_url() == "postgresql://u:pw@db.example/x"
    engine = make_engine(database_url())
    assert engine.url.drivername == "postgresql+psycopg"
    assert "pw" not in safe_url(engine.url)


@only_sqlite
def test_sqlite_connections_are_set_up(engine: Engine) -> None:
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": 30000,
    }


@only_sqlite
def test_writers_begin_immediate_and_readers_deferred(engine: Engine, uow_factory: Factory) -> None:
    begins: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with uow_factory() as uow:
            uow.carriers.count()
        with uow_factory(write=False) as uow:
            uow.carriers.count()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert begins == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_readers_are_not_blocked_by_a_writer(uow_factory: Factory) -> None:
    with uow_factory() as writer:
        writer.settings.put("x", "uncommitted")
        writer.flush()
        with uow_factory(write=False) as reader:
            assert reader.settings.get("x") is None


def test_an_unreachable_postgres_is_store_unavailable() -> None:
    engine = make_engine("postgresql+psycopg://tracker:s3cret-pw@127.0.0.1:1/tracker")
    try:
        with pytest.raises(StoreUnavailable) as err, SqlUnitOfWork(engine, b"k" * 32):
            pass
    finally:
        engine.dispose()
    message = str(err.value)
    assert "127.0.0.1:1" in message and "s3cret-pw" not in message


def test_an_unopenable_sqlite_file_is_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable):
        make_engine(f"sqlite:///{blocker}/sub/tracker.db")


def test_a_database_without_tables_says_to_upgrade(tmp_path: Path, key_env: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    try:
        # No key at hand: whether a new one may be made is asked of the database.
        with pytest.raises(StoreError, match="tracker db upgrade"):
            keys.ledger_key(engine)
        with SqlUnitOfWork(engine, b"k" * 32) as uow, pytest.raises(StoreError, match="upgrade"):
            uow.carriers.count()
    finally:
        engine.dispose()


def test_unknown_database_kinds_are_refused() -> None:
    from tracker.domain.errors import ConfigError

    with pytest.raises(ConfigError, match="unsupported"):
        make_engine("mysql://u@h/db")
    with pytest.raises(ConfigError, match="cannot read"):
        make_engine("::nonsense::")


def test_raw_sql_runs_on_the_fixture_database(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count FROM ledger_head WHERE id = 1")).scalar() == 0


@only_postgres
def test_a_connection_lost_mid_transaction_is_store_unavailable(
    engine: Engine, uow_factory: Factory
) -> None:
    with uow_factory() as uow:
        uow.settings.put("x", "1")
        pid = uow.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(StoreUnavailable):
            uow.settings.get("x")
    with uow_factory(write=False) as uow:  # the pool recovers; nothing was committed
        assert uow.settings.get("x") is None


@only_postgres
def test_a_connection_that_died_while_idle_is_replaced_before_use(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Connections lying unused in the pool longer than PING_AFTER_IDLE_S are checked
    # when taken out (0 here: every one); a dead one is replaced and nobody sees it.
    from tracker.store import db

    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with make_engine(db_url).connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        engine.dispose()


@only_postgres
def test_a_point_read_on_a_lost_connection_is_unavailable_once(engine: Engine) -> None:
    # A connection in steady use is not pinged: if it dies, the read on it fails as
    # StoreUnavailable, the connection is not given back, and the next read works.
    from tracker.domain.model import Carrier
    from tracker.store.point import PointReads

    reads = PointReads(engine)
    assert reads.get(Carrier, "none") is None  # one connection, now in the pool
    with make_engine(engine.url).connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    with pytest.raises(StoreUnavailable):
        reads.get(Carrier, "none")
    assert reads.get(Carrier, "none") is None
