"""Helpers shared by bench_core, bench_doors and bench_alerts: bench databases (a SQLite
file under bench/out, a PostgreSQL database ``tracker_bench`` made and dropped), a
service context on one with a site and a cast of people, percentiles, and the machine's
load as reported next to every figure."""

from __future__ import annotations

import os
import platform
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from tracker.domain.clock import Clock  # noqa: E402
from tracker.domain.levels import Clearance, Level  # noqa: E402
from tracker.domain.model import BadgeKind, Medium, Role  # noqa: E402
from tracker.domain.period import SecrecyPeriod  # noqa: E402
from tracker.services import people  # noqa: E402
from tracker.services.base import Services  # noqa: E402
from tracker.services.receive import ReceiveItem  # noqa: E402

OUT = ROOT / "bench" / "out"
EXAMPLE_SITE = ROOT / "examples" / "site.toml"
PG_DATABASE = "tracker_bench"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# id, name, department, clearance, role, badge (the cast of tests/services/conftest.py)
CAST = [
    ("carol", "王机要", "office", Clearance.CORE, Role.CUSTODIAN, "0100073EA7"),
    ("oscar", "赵保密", "office", Clearance.CORE, Role.OFFICER, "0100073EA8"),
    ("ann", "钱领导", "leaders", Clearance.CORE, Role.APPROVER, "0100073EA9"),
    ("alice", "李核心", "policy", Clearance.CORE, Role.STAFF, "0100073EAB"),
    ("bob", "周重要", "finance", Clearance.IMPORTANT, Role.STAFF, "0100073EAC"),
]


def use_random_ledger_key() -> None:
    """A fresh ledger key in the environment, so no key file is written under ./data."""
    os.environ["TRACKER_LEDGER_KEY"] = secrets.token_hex(32)


def sqlite_url(name: str) -> str:
    """A fresh SQLite file ``bench/out/<name>.db`` (old file and WAL removed)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _pg_server() -> sqlalchemy.URL:
    url = make_url(os.environ.get("TRACKER_TEST_PG_URL", PG_DEFAULT))
    return url.set(drivername="postgresql+psycopg")


def _pg_admin(sql: str) -> None:
    admin = create_engine(_pg_server(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def postgres_url(database: str = PG_DATABASE) -> str:
    """A fresh PostgreSQL database ``database`` (dropped first if it exists)."""
    _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{database}"')
    return _pg_server().set(database=database).render_as_string(hide_password=False)


def postgres_at(database: str) -> str:
    """The URL of an existing PostgreSQL database ``database`` (left as it is)."""
    return _pg_server().set(database=database).render_as_string(hide_password=False)


def drop_postgres(database: str = PG_DATABASE) -> None:
    """Drop the bench database."""
    _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def bench_database(kind: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """The URL of a fresh database of ``kind`` (sqlite / postgres) named after ``name``
    (``bench/out/<name>.db``, PostgreSQL ``tracker_<name>``: each bench its own, so two
    benches never drop each other's), removed afterwards (PostgreSQL) unless ``keep``;
    the SQLite file stays in bench/out for inspection."""
    if kind == "sqlite":
        yield sqlite_url(name)
        return
    database = f"tracker_{name}"
    url = postgres_url(database)
    try:
        yield url
    finally:
        if not keep:
            drop_postgres(database)


def services_on(url: str, clock: Clock, site_file: Path = EXAMPLE_SITE) -> tuple[Any, Services]:
    """Migrate ``url``, load ``site_file`` and the cast; returns (engine, services)."""
    from tracker.bootstrap import build

    app = build(url=url, site_file=site_file, clock=clock)
    svc = app.services
    for pid, name, dept, clr, role, badge in CAST:
        people.add_person(svc, "cli:bench", pid, name, dept, clr, role)
        people.add_badge(svc, "cli:bench", pid, badge, BadgeKind.EM4100)
    return app.engine, svc


def item(i: int, level: Level = Level.SECRET, **kw: Any) -> ReceiveItem:
    """A receivable item (homed in the example site's secure room, first safe)."""
    base: dict[str, Any] = {
        "title": f"关于某项目的请示（第{i}号）",
        "medium": Medium.PAPER,
        "level": level,
        "period": SecrecyPeriod.none() if level is Level.INTERNAL else SecrecyPeriod.years(10),
        "classified_on": date(2026, 11, 20),
        "issuing_authority": "某部办公厅",
        "home_room": "secure",
        "home_safe": "safe-s1",
        "copy_number": 1 + i % 3,
        "total_copies": 3,
        "pages": 1 + i % 40,
        "scope_departments": ("policy",),
    }
    base.update(kw)
    return ReceiveItem(**base)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def load() -> str:
    """The 1/5/15-minute load averages, for the report."""
    a, b, c = os.getloadavg()
    return f"{a:.2f} / {b:.2f} / {c:.2f}"


def environment() -> dict[str, Any]:
    """Versions and the machine, for the JSON report."""
    return {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "load_at_start": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of ``fn()``."""
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A Markdown table (for pasting into RESULTS.md)."""
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
