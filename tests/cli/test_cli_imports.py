"""The command line imports what a command needs when it runs (issue 16): listing the
commands, and the light commands, never load the API, cameras, PDF or charts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tracker.cli.main import COMMANDS, load_command

HEAVY = ("fastapi", "starlette", "uvicorn", "cv2", "fpdf", "matplotlib", "alembic", "numpy")


def modules_after(code: str) -> set[str]:
    """Top-level packages imported in a fresh interpreter after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_importing_the_cli_main_module_imports_no_heavy_package() -> None:
    loaded = modules_after("import tracker.cli.main")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "sqlalchemy" not in loaded  # not even the database, for --help


@pytest.mark.parametrize("command", ["audit", "carrier", "db", "site", "person", "user"])
def test_light_commands_import_no_heavy_package(command: str) -> None:
    loaded = modules_after(f"from tracker.cli.main import load_command\nload_command({command!r})")
    assert not loaded & {"fastapi", "cv2", "fpdf", "matplotlib", "uvicorn"}


def test_every_listed_command_loads_with_the_help_the_list_shows() -> None:
    for name, (_module, _attribute, summary) in COMMANDS.items():
        cmd = load_command(name)
        assert cmd.name == name
        text = " ".join((cmd.help or "").split())
        assert text.startswith(summary.rstrip(".")), (name, summary, text)


@pytest.mark.parametrize("command", ["audit", "carrier"])
def test_commands_on_sqlite_load_no_postgresql_driver(command: str) -> None:
    """psycopg and SQLAlchemy's PostgreSQL dialect are imported where a PostgreSQL
    database is used, not by loading a command (a quarter of a second of every start)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from tracker.cli.main import load_command\nload_command({command!r})\n"
            "import sys\nprint(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(done.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] == "psycopg"}
    assert "sqlalchemy.dialects.postgresql" not in loaded


@pytest.mark.parametrize(
    "argv",
    [["audit", "head", "--log", "admin"], ["carrier", "show", "JM-X", "--as", "alice"]],
)
def test_reading_commands_parse_their_options_without_pydantic(argv: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Parsing a command's options and reading the database import no pydantic: typer
    0.29 coerces every option through it, a tenth of a second of every start (the
    dependency is pinned below that; this fails if a bump brings the cost back)."""
    code = (
        "import os, sys\n"
        f"os.environ['TRACKER_DATABASE_URL'] = 'sqlite:///{tmp_path / 'empty.db'}'\n"
        "from tracker.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    # It ran as far as the database (which has no tables yet), so the options were parsed.
    assert "tracker db upgrade" in done.stderr, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("MODULES ")]
    loaded = {name.split(".")[0] for name in line.split()[1:]}
    assert "pydantic" not in loaded
    assert "tracker.bootstrap" not in line.split()  # a reading command wires no services


@pytest.mark.parametrize(
    ("argv", "shows"),
    [(["audit", "head"], "count: 3"), (["carrier", "show", "JM-2026-000001"], "JM-2026-000001")],
)
def test_reading_commands_read_without_the_orm(  # type: ignore[no-untyped-def]
    argv: list[str], shows: str, db_url: str, ledger_key: bytes, uow_factory
) -> None:
    """``tracker audit head`` and ``tracker carrier show`` read through SQLAlchemy Core
    (``tracker.store.reading``): importing the ORM and mapping the store's classes was a
    third of their start (issue 16 goal 5)."""
    from tests.store import samples
    from tests.store.test_ledger import draft

    with uow_factory() as uow:
        uow.carriers.add(samples.carrier())
        for i in range(1, 4):
            uow.ledger.append(draft(i))
        uow.commit()
    code = (
        "import sys\n"
        "from tracker.cli.main import main\n"
        f"code = main({argv!r})\n"
        "print('EXIT', code)\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))"
    )
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": db_url,
        "TRACKER_LEDGER_KEY": ledger_key.hex(),
        "TRACKER_LANG": "en",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "EXIT 0" in done.stdout, done.stderr
    assert shows in done.stdout
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("MODULES ")]
    loaded = set(line.split()[1:])
    assert "sqlalchemy.orm" not in loaded
    assert "tracker.store.tables" not in loaded  # no class mapped
