"""``tracker db`` and ``tracker audit`` commands, run through typer's CliRunner with the
database and key given by environment variables, as an operator would."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tests.store.samples import T
from tracker.cli import audit, db
from tracker.domain.ledger import Action, EntryDraft
from tracker.store.migrate import head_revision
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]
runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, ledger_key: bytes) -> str:
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_LEDGER_KEY", ledger_key.hex())
    monkeypatch.setenv("TRACKER_LANG", "en")
    return db_url


def fill(uow_factory: Factory, n: int) -> None:
    with uow_factory() as uow:
        for i in range(n):
            uow.ledger.append(EntryDraft(Action.MOVE, T + timedelta(seconds=i), "carol"))
        uow.commit()


def test_db_upgrade_and_current(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("TRACKER_LANG", "en")
    result = runner.invoke(db.app, ["current", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["revision"] is None
    result = runner.invoke(db.app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.output
    result = runner.invoke(db.app, ["current"])
    assert result.exit_code == 0 and "up to date" in result.output


def test_db_upgrade_reports_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://u:topsecret@127.0.0.1:1/x")
    result = runner.invoke(db.app, ["upgrade"])
    assert result.exit_code == 2
    assert "127.0.0.1:1" in result.output and "topsecret" not in result.output


def test_verify_an_intact_ledger(env: str, uow_factory: Factory) -> None:
    fill(uow_factory, 5)
    result = runner.invoke(audit.app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "checked 5 entries" in result.output and "entries/s" in result.output
    assert "ledger intact" in result.output
    report = json.loads(runner.invoke(audit.app, ["verify", "--json"]).output)
    assert report["ok"] is True and report["entries"] == 5 and report["problem"] is None
    assert report["seconds"] > 0


def test_verify_names_the_edited_entry(env: str, engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory, 5)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER ledger_entries_no_update ON ledger_entries"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
        conn.execute(text("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 4"))
    result = runner.invoke(audit.app, ["verify"])
    assert result.exit_code == 1
    assert "(edited) at entry #4" in result.output
    report = json.loads(runner.invoke(audit.app, ["verify", "--json"]).output)
    assert report["problem"]["kind"] == "edited" and report["problem"]["seq"] == 4


def test_head_then_verify_against_it(env: str, uow_factory: Factory) -> None:
    fill(uow_factory, 3)
    result = runner.invoke(audit.app, ["head", "--json"])
    assert result.exit_code == 0, result.output
    head = json.loads(result.output)
    assert head["count"] == 3 and len(head["last_hash"]) == 64 and head["last_at"]
    text_out = runner.invoke(audit.app, ["head"]).output
    assert "count: 3" in text_out and head["last_hash"] in text_out
    ok = runner.invoke(
        audit.app, ["verify", "--expect-count", "3", "--expect-hash", head["last_hash"]]
    )
    assert ok.exit_code == 0, ok.output
    fill(uow_factory, 2)  # the ledger grows after the officer wrote the head down
    ok = runner.invoke(
        audit.app, ["verify", "--expect-count", "3", "--expect-hash", head["last_hash"]]
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(audit.app, ["verify", "--expect-count", "3", "--expect-hash", "0" * 64])
    assert bad.exit_code == 1 and "entry #3" in bad.output
    short = runner.invoke(
        audit.app, ["verify", "--expect-count", "9", "--expect-hash", head["last_hash"]]
    )
    assert short.exit_code == 1 and "(truncated)" in short.output


def test_verify_needs_both_expectations(env: str) -> None:
    result = runner.invoke(audit.app, ["verify", "--expect-count", "3"])
    assert result.exit_code == 2 and "both" in result.output


def test_verify_without_the_key_fails_clearly(
    env: str, uow_factory: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fill(uow_factory, 1)
    monkeypatch.delenv("TRACKER_LEDGER_KEY")
    monkeypatch.setenv("TRACKER_LEDGER_KEY_FILE", str(tmp_path / "gone.key"))
    result = runner.invoke(audit.app, ["verify"])
    assert result.exit_code == 2
    assert "key is missing" in result.output and "gone.key" in result.output


def test_chinese_output_by_default(
    env: str, uow_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_LANG")
    fill(uow_factory, 2)
    result = runner.invoke(audit.app, ["verify"])
    assert result.exit_code == 0 and "台账完整" in result.output


def fill_admin(uow_factory: Factory, n: int) -> None:
    from tracker.domain.adminlog import AdminAction

    with uow_factory() as uow:
        for i in range(n):
            uow.admin_log.append(
                EntryDraft(AdminAction.LOGIN, T + timedelta(seconds=i), "carol", data={"i": i})
            )
        uow.commit()


def test_verify_and_head_of_the_administration_log(
    env: str, engine: Engine, uow_factory: Factory
) -> None:
    fill(uow_factory, 2)
    fill_admin(uow_factory, 4)
    head = json.loads(runner.invoke(audit.app, ["head", "--log", "admin", "--json"]).output)
    assert head["count"] == 4
    assert "--log admin" in runner.invoke(audit.app, ["head", "--log", "admin"]).output
    ok = runner.invoke(
        audit.app,
        ["verify", "--log", "admin", "--expect-count", "4", "--expect-hash", head["last_hash"]],
    )
    assert ok.exit_code == 0 and "checked 4 entries" in ok.output, ok.output
    assert "administration log intact" in ok.output
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER admin_log_entries_no_update ON admin_log_entries"))
        else:
            conn.execute(text("DROP TRIGGER admin_log_entries_no_update"))
        conn.execute(text("UPDATE admin_log_entries SET actor = 'mallory' WHERE seq = 2"))
    bad = runner.invoke(audit.app, ["verify", "--log", "admin"])
    assert bad.exit_code == 1 and "(edited) at entry #2" in bad.output
    assert runner.invoke(audit.app, ["verify"]).exit_code == 0  # the ledger is untouched
