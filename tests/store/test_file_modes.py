"""The database and everything the service writes are for its user alone (issue 10,
hole 7): the SQLite file, its ``-wal`` and ``-shm`` files 0600 in a 0700 folder under the
usual umask, a warning at start when an existing file is open to others, and the
command line's own files (keys, database) made 0600."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.store.db import make_engine

ROOT = Path(__file__).resolve().parents[2]


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_the_database_and_its_wal_files_are_0600_in_a_0700_folder(
    tmp_path: Path, usual_umask: None
) -> None:
    db = tmp_path / "data" / "tracker.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('关于某项目的请示')"))
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(db.parent), mode(db), mode(wal), mode(shm)) == (0o700, 0o600, 0o600, 0o600)
    finally:
        engine.dispose()


def test_a_database_open_to_others_is_warned_about_at_start(
    tmp_path: Path, usual_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "old.db"
    db.touch(0o644)
    with caplog.at_level(logging.WARNING, "tracker.store.db"):
        make_engine(f"sqlite:///{db}").dispose()
    assert any(str(db) in r.getMessage() and "chmod 600" in r.getMessage() for r in caplog.records)
    assert mode(db) == 0o644  # reported, not silently changed


def test_the_command_line_writes_its_files_for_its_user_alone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_LANG"] = "en"
    run = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "site", "load", str(ROOT / "examples" / "site.toml")],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask of a login shell
    )
    assert run.returncode == 0, run.stderr
    data = tmp_path / "data"
    files = sorted(p for p in data.iterdir())
    assert {p.name for p in files} >= {"tracker.db", "ledger.key"}
    assert mode(data) == 0o700
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
