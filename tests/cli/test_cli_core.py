"""The command line an installer and a custodian use: site, people, receive, show, audit."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site.toml"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def tracker(tmp_path: Path, db_url: str, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Runs ``tracker ARGS`` in this process (the same entry point as the console script)."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_LEDGER_KEY_FILE", str(tmp_path / "ledger.key"))
    monkeypatch.setenv("TRACKER_LANG", "en")
    monkeypatch.chdir(tmp_path)

    def run(*args: str, ok: bool = True) -> Result:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        if ok:
            assert code == 0, err
        return Result(code, out, err)

    return run


def receive_top_secret(tracker, *extra: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Register custodian carol (``tracker person add``) and receive one top-secret carrier
    into the secure room through the CLI; returns the carrier as printed with ``--json``."""
    tracker("person", "add", "carol", "--name", "王", "--clearance", "core", "--role", "custodian")
    out = tracker(
        "carrier", "receive", "--as", "carol", "--from", "x", "--title", "t", "--level",
        "top_secret", "--period", "20y", "--classified-on", "2026-11-01", "--authority", "a",
        "--home-room", "secure", *extra, "--json",
    )  # fmt: skip
    return json.loads(out.stdout)[0]  # type: ignore[no-any-return]


def test_the_console_script_runs() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert p.returncode == 0 and "carrier" in p.stdout


def test_install_then_receive_show_and_verify(tracker) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker(
        "person",
        "add",
        "carol",
        "--name",
        "王机要",
        "--department",
        "office",
        "--clearance",
        "core",
        "--role",
        "custodian",
    )
    tracker(
        "person",
        "add",
        "bob",
        "--name",
        "周",
        "--department",
        "finance",
        "--clearance",
        "important",
    )
    out = tracker(
        "carrier",
        "receive",
        "--as",
        "carol",
        "--from",
        "某部机要局",
        "--title",
        "绝密项目方案",
        "--level",
        "secret",
        "--period",
        "10y",
        "--classified-on",
        "2026-11-01",
        "--authority",
        "某部办公厅",
        "--home-room",
        "secure",
        "--home-safe",
        "safe-s1",
        "--copy",
        "2/5",
        "--json",
    )
    (c,) = json.loads(out.stdout)
    assert c["marking"] == "机密★10年" and c["serial"].startswith("JM-")
    shown = json.loads(tracker("carrier", "show", c["serial"], "--as", "bob", "--json").stdout)
    assert "title" not in shown and "绝密项目方案" not in json.dumps(shown, ensure_ascii=False)
    mine = json.loads(tracker("carrier", "show", c["serial"], "--as", "carol", "--json").stdout)
    assert mine["title"] == "绝密项目方案"
    verify = tracker("audit", "verify")
    assert "entries" in verify.stdout or "条" in verify.stdout


def test_bad_site_file_names_every_problem_and_exits_nonzero(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('outer = "corridor"', 'outer = "attic"', 1),
        encoding="utf-8",
    )
    p = tracker("site", "check", str(bad), ok=False)
    assert p.returncode != 0
    assert "doors[0].outer: unknown room 'attic'" in p.stderr
    assert "Traceback" not in p.stderr


def test_receive_refuses_a_period_too_long_without_a_traceback(tracker) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker("person", "add", "carol", "--name", "王", "--clearance", "core", "--role", "custodian")
    p = tracker(
        "carrier",
        "receive",
        "--as",
        "carol",
        "--from",
        "x",
        "--title",
        "t",
        "--level",
        "secret",
        "--period",
        "30y",
        "--classified-on",
        "2026-11-01",
        "--authority",
        "a",
        "--home-room",
        "secure",
        ok=False,
    )
    assert p.returncode == 2
    assert "items[0].period: 30 years is outside 1..20 years allowed for secret" in p.stderr
    assert "Traceback" not in p.stderr
