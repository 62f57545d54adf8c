"""Benchmark of the custody ledger on SQLite and PostgreSQL (the "Custody core" section of
bench/RESULTS.md): append N entries through the real unit of work, then verify the chain.

    .venv/bin/python bench/bench_store.py                      # 1,000,000 on both
    .venv/bin/python bench/bench_store.py --entries 200000 --db postgres

For each database:
  * append: N entries in transactions of --batch entries (SqlUnitOfWork + SqlLedger.append,
    as a use case appends), entries/s; and --single entries one per transaction (a use case
    commits after each entry), transactions/s;
  * verify: SqlLedger.verify in a read-only unit of work over the whole chain, seconds,
    seconds per million, entries/s, and the growth of resident memory while it runs
    (streamed: it should not grow with N).
Baseline in the same run: the pure domain work on the same kind of entries without a
database - seal() for appends, verify_chain() over entries held in memory - sampled in
pieces of --baseline entries interleaved with the database work (a seal sample every 50
transactions, verify samples just before and after the database verify), because other
work on a shared machine changes the speed from minute to minute. The ratios
database / baseline are reported.

SQLite uses bench/out/bench_store.db (deleted first); PostgreSQL a database "bench" on
TRACKER_TEST_PG_URL's server (default postgres@127.0.0.1:5432), dropped and re-created.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.domain.ledger import GENESIS, Action, EntryDraft, seal, verify_chain  # noqa: E402
from tracker.store.db import make_engine  # noqa: E402
from tracker.store.migrate import upgrade  # noqa: E402
from tracker.store.uow import SqlUnitOfWork  # noqa: E402

OUT = ROOT / "bench" / "out"
T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
ACTIONS = [Action.CHECK_OUT, Action.MOVE, Action.RETURN, Action.STORE, Action.BORROW_APPROVE]


def draft(i: int) -> EntryDraft:
    """A realistic entry: which carrier, who, approver, from where to where, why, details."""
    return EntryDraft(
        action=ACTIONS[i % len(ACTIONS)],
        at=T0 + timedelta(seconds=i),
        actor=f"P{i % 300:04d}",
        carrier=f"JM-2026-{i % 100_000:06d}",
        approver=f"P{(i * 7) % 300:04d}",
        from_place="safe-s1",
        to_place="reading-1",
        reason="借阅审批通过，阅文室阅读",
        data={"borrow": f"{i:032x}", "due": "2026-01-05T09:30:00.000000Z", "door": "d-secure"},
    )


class RssWatch:
    """Samples resident memory (VmRSS) in a thread; reports the growth over the start."""

    def __init__(self) -> None:
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.start) / 2**20


class Baseline:
    """The pure domain work without a database, sampled in small pieces interleaved with
    the database work, so both see the same load on a shared machine."""

    def __init__(self, key: bytes, sample: int) -> None:
        self.key = key
        self.sample = sample
        self.seal_s = 0.0
        self.sealed = 0
        self.verify_s = 0.0
        self.verified = 0
        self._chain = self._seal_chain(sample)[0]

    def _seal_chain(self, n: int) -> tuple[list[Any], float]:
        t = time.perf_counter()
        entries = []
        prev = GENESIS
        for i in range(n):
            e = seal(draft(i), i + 1, prev, self.key)
            entries.append(e)
            prev = e.hash
        return entries, time.perf_counter() - t

    def seal_sample(self) -> None:
        """Time sealing ``sample`` entries."""
        _, dt = self._seal_chain(self.sample)
        self.seal_s += dt
        self.sealed += self.sample

    def verify_sample(self) -> None:
        """Time verifying ``sample`` entries held in memory."""
        t = time.perf_counter()
        result = verify_chain(self._chain, self.key, len(self._chain), self._chain[-1].hash)
        self.verify_s += time.perf_counter() - t
        self.verified += len(self._chain)
        assert result.ok

    def report(self) -> dict[str, float]:
        """Rates over all samples."""
        return {
            "seal_sampled": self.sealed,
            "seal_per_s": self.sealed / self.seal_s,
            "verify_sampled": self.verified,
            "verify_per_s": self.verified / self.verify_s,
            "verify_s_per_million": self.verify_s * 1_000_000 / self.verified,
        }


def run(
    name: str, url: str, n: int, batch: int, single: int, key: bytes, sample: int
) -> dict[str, Any]:
    """Append and verify on one database, sampling the baseline in between."""
    base = Baseline(key, sample)
    upgrade(url)
    engine = make_engine(url)
    try:
        print(f"[{name}] appending {n:,} entries, {batch} per transaction", flush=True)
        append_s = 0.0
        i = 0
        batches = 0
        last_report = time.perf_counter()
        while i < n:
            if batches % 50 == 0:
                base.seal_sample()
            t = time.perf_counter()
            with SqlUnitOfWork(engine, key) as uow:
                for _ in range(min(batch, n - i)):
                    uow.ledger.append(draft(i))
                    i += 1
                uow.commit()
            now = time.perf_counter()
            append_s += now - t
            batches += 1
            if now - last_report > 15:
                print(f"[{name}]   {i:,} ({i / append_s:,.0f}/s)", flush=True)
                last_report = now
        print(f"[{name}] appending {single:,} entries, one per transaction", flush=True)
        t = time.perf_counter()
        for _ in range(single):
            with SqlUnitOfWork(engine, key) as uow:
                uow.ledger.append(draft(i))
                uow.commit()
            i += 1
        single_s = time.perf_counter() - t
        print(f"[{name}] verifying {i:,} entries", flush=True)
        for _ in range(3):
            base.verify_sample()
        with RssWatch() as rss, SqlUnitOfWork(engine, key, write=False) as uow:
            result = uow.ledger.verify()
        for _ in range(3):
            base.verify_sample()
        assert result.ok, result.problem
        assert result.entries == i
        return {
            "entries": i,
            "batch": batch,
            "append_s": append_s,
            "append_per_s": n / append_s,
            "single": single,
            "single_per_s": single / single_s if single else None,
            "verify_s": result.seconds,
            "verify_per_s": result.entries / result.seconds,
            "verify_s_per_million": result.seconds * 1_000_000 / result.entries,
            "verify_rss_growth_mib": rss.growth_mib,
            "baseline": base.report(),
            "load_after": os.getloadavg(),
        }
    finally:
        engine.dispose()


def sqlite_url() -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench_store.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgres_url() -> str:
    server = make_url(
        os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE bench"))
    admin.dispose()
    return server.set(database="bench").render_as_string(hide_password=False)


def drop_postgres() -> None:
    server = make_url(
        os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS bench WITH (FORCE)"))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--pg-entries", type=int, default=None, help="default: --entries")
    ap.add_argument("--batch", type=int, default=1000, help="entries per transaction")
    ap.add_argument("--single", type=int, default=2000, help="one-entry transactions")
    ap.add_argument("--baseline", type=int, default=2000, help="entries per baseline sample")
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args()
    key = secrets.token_bytes(32)
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite_version": __import__("sqlite3").sqlite_version,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    if args.db in ("sqlite", "both"):
        report["sqlite"] = run(
            "sqlite", sqlite_url(), args.entries, args.batch, args.single, key, args.baseline
        )
        _ratios(report["sqlite"])
    if args.db in ("postgres", "both"):
        n = args.pg_entries or args.entries
        try:
            report["postgres"] = run(
                "postgres", postgres_url(), n, args.batch, args.single, key, args.baseline
            )
            _ratios(report["postgres"])
            with create_engine(make_url(postgres_url_current())).connect() as conn:
                report["postgres"]["server"] = conn.execute(text("SHOW server_version")).scalar()
        finally:
            if not args.keep:
                drop_postgres()
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def _ratios(r: dict[str, Any]) -> None:
    """How much of the pure domain speed the database path keeps."""
    r["append_vs_seal"] = r["append_per_s"] / r["baseline"]["seal_per_s"]
    r["verify_vs_memory"] = r["verify_per_s"] / r["baseline"]["verify_per_s"]


def postgres_url_current() -> str:
    server = make_url(
        os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ).set(drivername="postgresql+psycopg")
    return server.set(database="bench").render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
