"""CLI start-up: ``tracker --help``, ``tracker audit head`` and ``tracker carrier show``
timed by hyperfine (Debian's ``hyperfine``), each a fresh process as a user runs it.

    .venv/bin/python bench/bench_cli.py --json bench/out/bench_cli.json

Set-up (not timed): a SQLite database under bench/out/cli with the example site loaded,
the cast and one received carrier, and a ledger key in the environment. Baselines in the
same run, interleaved by hyperfine with the commands: the interpreter alone
(``python -c pass``), importing what a command that reads the database needs at the
least (SQLAlchemy Core, ``python -c "import sqlalchemy"``) and what a command that writes
needs (the ORM, ``python -c "import sqlalchemy.orm"``). Each command's wall time is
compared with the 0.5 s goal; the modules each command imported (``-X importtime``) are
counted too, and whether the ORM was among them.

The console script is run with this folder first on ``PYTHONPATH``, so that it runs this
folder's code whatever folder the virtualenv's editable install points at (a git
worktree's, not the main checkout's). ``--before REV`` adds the same three commands run
by the code of git revision ``REV`` (exported to bench/out/cli-before, run as ``python -m
tracker.cli`` with it first on ``PYTHONPATH``) to the same hyperfine run. The project's
modules are byte-compiled first (``compileall``), as ``pip install`` leaves them: where
``PYTHONDONTWRITEBYTECODE`` is set, an editable install would otherwise recompile every
module of the project at every start.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, ROOT, environment, load, table

GOAL_S = 0.5


def prepare(work: Path) -> tuple[dict[str, str], str]:
    """A database with the example site, the cast and one carrier; returns the
    environment and the carrier's serial."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{work / 'tracker.db'}",
        "TRACKER_LEDGER_KEY": secrets.token_hex(32),
        "TRACKER_LOG_LEVEL": "WARNING",
    }
    code = """
import datetime
from _common import CAST, EXAMPLE_SITE, item
from tracker.bootstrap import build
from tracker.domain.model import BadgeKind
from tracker.services import people, receive
svc = build(site_file=EXAMPLE_SITE).services
for pid, name, dept, clr, role, badge in CAST:
    people.add_person(svc, "cli:bench", pid, name, dept, clr, role)
batch = receive.ReceiveBatch([item(1)], 1, "某部机要局", datetime.date(2026, 11, 21), "")
print(receive.receive(svc, "carol", batch)[0].serial)
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"},
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    return env, done.stdout.strip().splitlines()[-1]


def before(rev: str, serial: str) -> dict[str, str]:
    """The three commands as the code of ``rev`` runs them (exported and compiled)."""
    src = OUT / "cli-before"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    packages = ["tracker", "drivers", "api", "labels", "simulators"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], cwd=src, check=True)
    run = f"env PYTHONPATH={src} {sys.executable} -m tracker.cli"
    return {
        f"before ({rev}): tracker --help": f"{run} --help",
        f"before ({rev}): tracker audit head": f"{run} audit head",
        f"before ({rev}): tracker carrier show": f"{run} carrier show {serial}",
    }


def imported(command: str, env: dict[str, str], cwd: Path) -> list[str]:
    """The modules ``command`` imports (``PYTHONPROFILEIMPORTTIME``, i.e. ``-X importtime``)."""
    done = subprocess.run(
        shlex.split(command),
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--before", help="a git revision whose CLI is timed alongside")
    p.add_argument("--json", type=Path, default=OUT / "bench_cli.json")
    args = p.parse_args()
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine is missing: apt-get install hyperfine")
    work = OUT / "cli"
    env, serial = prepare(work)
    packages = ["tracker", "drivers", "api", "labels", "simulators"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], cwd=ROOT, check=True)
    # The console script imports the project through the editable install, whichever
    # folder that points at: PYTHONPATH makes it run this folder's code (a worktree's).
    tracker = f"env PYTHONPATH={ROOT} {Path(sys.executable).parent / 'tracker'}"
    py = sys.executable
    commands = {
        "tracker --help": f"{tracker} --help",
        "tracker audit head": f"{tracker} audit head",
        "tracker carrier show": f"{tracker} carrier show {serial}",
        **(before(args.before, serial) if args.before else {}),
        "baseline: python -c pass": f"{py} -c pass",
        "baseline: import sqlalchemy": f'{py} -c "import sqlalchemy"',
        "baseline: import sqlalchemy.orm": f'{py} -c "import sqlalchemy.orm"',
    }
    out = work / "hyperfine.json"
    started_load = load()
    subprocess.run(
        [
            "hyperfine",
            "--warmup",
            "3",
            "--runs",
            str(args.runs),
            "-N",
            "--export-json",
            str(out),
            *[arg for name, c in commands.items() for arg in ("-n", name, c)],
        ],
        env=env,
        cwd=work,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    results = json.loads(out.read_text())["results"]
    heavy = ("fastapi", "cv2", "fpdf", "matplotlib", "alembic", "uvicorn")
    report: dict[str, Any] = {
        "environment": environment(),
        "load": {"start": started_load, "end": load()},
        "commands": {},
    }
    rows = []
    for r in results:
        name = r["command"]
        entry = {
            "mean_s": round(r["mean"], 3),
            "median_s": round(r["median"], 3),
            "min_s": round(r["min"], 3),
            "user_s": round(r["user"], 3),
            "system_s": round(r["system"], 3),
        }
        if "tracker" in name:
            mods = imported(commands[name], env, work)
            entry["modules"] = len(mods)
            entry["heavy"] = sorted({m.split(".")[0] for m in mods if m.split(".")[0] in heavy})
            entry["orm"] = "sqlalchemy.orm" in mods
        report["commands"][name] = entry
        rows.append(
            [
                name,
                entry["median_s"],
                entry["mean_s"],
                round(entry["user_s"] + entry["system_s"], 3),
                entry.get("modules", ""),
                ("yes" if entry["orm"] else "no") if "orm" in entry else "",
                ", ".join(entry.get("heavy", [])) or ("none" if "modules" in entry else ""),
                ("yes" if entry["median_s"] <= GOAL_S else "NO") if "modules" in entry else "",
            ]
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(
        table(
            rows,
            [
                "command",
                "median s",
                "mean s",
                "CPU s (user+sys)",
                "modules",
                "ORM",
                "heavy imports",
                f"≤ {GOAL_S} s",
            ],
        )
    )
    print(f"load {report['load']['start']} → {report['load']['end']}")


if __name__ == "__main__":
    main()
