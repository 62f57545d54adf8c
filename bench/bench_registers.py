"""The borrow register (借阅登记簿) of 100,000 borrows as CSV, XLSX and PDF: seconds and
peak memory, with the bare row query as the baseline in the same run.

The database is seeded fast with bulk inserts: 2,000 carriers, each borrowed 50 times
(100,000 returned borrows, 1,000 a day from 2026-01-01). Each figure is measured in a
fresh child process (``--measure``) so peak memory is that of one export alone: the
child reports its resident memory after start-up and its peak (``ru_maxrss``); the
difference is what the export took. Wall and CPU seconds are both reported: on a
shared machine the CPU ratio is the steadier one. Two sizes (a tenth of the book, and the whole)
show whether memory grows with the number of rows.

    .venv/bin/python bench/bench_registers.py [--rows 100000] [--db sqlite|postgres]
    .venv/bin/python bench/bench_registers.py --formats xlsx --profile 25

``--profile N`` measures nothing: each format's export of the whole book runs once under
cProfile in its child, which prints the N functions with the most own time and writes
``bench/out/registers-<format>.prof``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    OUT,
    ROOT,
    bench_database,
    environment,
    load,
    services_on,
    table,
    use_random_ledger_key,
)
from sqlalchemy import Engine, insert

from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import (
    Borrow,
    BorrowState,
    Carrier,
    CarrierState,
    KnowledgeScope,
    Medium,
    new_id,
)
from tracker.domain.period import SecrecyPeriod
from tracker.store.tables import BorrowRow, CarrierRow

START = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
CARRIERS = 2000
PER_DAY = 1000
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _row(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def seed(engine: Engine, n: int) -> None:
    """Carriers and ``n`` returned borrows, ``PER_DAY`` a day from START."""
    with engine.begin() as conn:
        rows = []
        for i in range(CARRIERS):
            c = Carrier(
                serial=f"BR-2026-{i:06d}",
                title=f"关于第{i}号项目的请示",
                medium=Medium.PAPER,
                level=Level.SECRET if i % 3 else Level.CONFIDENTIAL,
                period=SecrecyPeriod.years(10),
                classified_on=date(2025, 12, 1),
                issuing_authority="某部办公厅",
                received_on=date(2025, 12, 2),
                received_from="某部机要局",
                received_by="carol",
                scope=KnowledgeScope(frozenset(), frozenset({"policy"})),
                home_room="secure",
                home_safe="safe-s1",
                state=CarrierState.IN_SAFE,
                location="safe-s1",
                epc=f"E2{i:022X}",
            )
            rows.append(_row(c) | {"version": 1})
        conn.execute(insert(CarrierRow.__table__), rows)
    chunk = 5000
    for first in range(0, n, chunk):
        rows = []
        for i in range(first, min(first + chunk, n)):
            out = START + timedelta(days=i // PER_DAY, seconds=20 * (i % PER_DAY))
            late = i % 17 == 0
            b = Borrow(
                id=new_id(),
                carrier=f"BR-2026-{i % CARRIERS:06d}",
                borrower="alice",
                destination="reading",
                purpose="阅办",
                requested_at=out - timedelta(minutes=10),
                due_at=out + timedelta(hours=6),
                requested_by="alice",
                state=BorrowState.RETURNED,
                approver="ann",
                decided_at=out - timedelta(minutes=5),
                checked_out_at=out,
                checked_out_by="carol",
                returned_at=out + timedelta(days=2 if late else 0, hours=2),
                returned_to="carol",
            )
            rows.append(_row(b))
        with engine.begin() as conn:
            conn.execute(insert(BorrowRow.__table__), rows)


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(url: str, what: str, days: int, profile: int = 0) -> dict[str, Any]:
    """In a child process: one export (or the bare query) of the first ``days`` days;
    with ``profile``, the export under cProfile (its top ``profile`` functions printed)."""
    from fontTools.ttLib import TTFont  # noqa: F401

    from labels.fonts import find_cjk_font
    from tracker.bootstrap import build
    from tracker.reports import writer
    from tracker.reports.lxw import library
    from tracker.services.registers.base import RegisterQuery
    from tracker.services.registers.export import export_register

    find_cjk_font()
    library()  # loaded before the baseline memory is read
    svc = build(url=url, clock=ManualClock(NOW), migrate=False).services
    query = RegisterQuery(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=days - 1))
    start, end = query.bounds(svc.site)
    target = OUT / f"registers-{what}"
    before = _rss_kib()
    t = time.perf_counter()
    cpu = time.process_time()
    rows = 0
    if what == "query":
        with svc.read() as uow:
            for _ in uow.borrows.scan("checked_out_at", start=start, end=end, circulation=None):
                rows += 1
    else:
        with target.open("wb") as fh:
            if profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                done = prof.runcall(
                    export_register, svc, "oscar", "borrows", query, what, fh, writer()
                )
                rows = done.rows
                prof.dump_stats(OUT / f"registers-{what}.prof")
                pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(profile)
            else:
                rows = export_register(svc, "oscar", "borrows", query, what, fh, writer()).rows
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = target.stat().st_size if what != "query" else 0
    return {
        "what": what,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_before_kib": before,
        "peak_kib": peak,
        "grew_kib": max(0, peak - before),
        "bytes": size,
    }


def child(url: str, what: str, days: int, profile: int = 0) -> dict[str, Any]:
    args = ["--measure", what, "--url", url, "--days", str(days), "--profile", str(profile)]
    out = subprocess.run(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=None if profile else subprocess.PIPE,  # the profile is printed on stderr
        text=True,
        check=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--formats", nargs="+", default=["csv", "xlsx", "pdf"])
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="profile instead")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--days", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.measure, args.days, args.profile)))
        return
    use_random_ledger_key()
    report: dict[str, Any] = {"env": environment(), "rows": args.rows, "db": args.db, "runs": []}
    with bench_database(args.db, "registers") as url:
        engine, _svc = services_on(url, ManualClock(NOW))
        t = time.perf_counter()
        seed(engine, args.rows)
        print(f"seeded {args.rows} borrows in {time.perf_counter() - t:.1f} s (load {load()})")
        all_days = -(-args.rows // PER_DAY)
        if args.profile:
            for fmt in args.formats:
                r = child(url, fmt, all_days, args.profile)
                print(f"{fmt}: {r['rows']} rows, {r['cpu_seconds']:.2f} CPU s under cProfile")
            engine.dispose()
            return
        for days in (max(1, all_days // 10), all_days):
            # The baseline is measured just before and just after each export and
            # averaged: the machine is shared, so a ratio against a query run minutes
            # earlier would mostly measure the neighbours.
            for fmt in args.formats:
                before = child(url, "query", days)
                r = child(url, fmt, days)
                after = child(url, "query", days)
                base = (before["seconds"] + after["seconds"]) / 2
                base_cpu = (before["cpu_seconds"] + after["cpu_seconds"]) / 2
                r["query_seconds"] = base
                r["query_cpu_seconds"] = base_cpu
                r["query_grew_kib"] = max(before["grew_kib"], after["grew_kib"])
                r["ratio"] = r["seconds"] / base
                r["cpu_ratio"] = r["cpu_seconds"] / base_cpu
                report["runs"].append(r)
                print(
                    f"{fmt:5} {r['rows']:>7} rows {r['seconds']:7.2f} s, query {base:5.2f} s: "
                    f"x{r['ratio']:.1f} (CPU x{r['cpu_ratio']:.1f}); memory "
                    f"+{r['grew_kib'] / 1024:.1f} MiB (query +{r['query_grew_kib'] / 1024:.1f}) "
                    f"(load {load()})"
                )
        engine.dispose()
    rows = [
        [
            r["what"],
            f"{r['rows']:,}",
            f"{r['seconds']:.2f}",
            f"{r['query_seconds']:.2f}",
            f"{r['ratio']:.1f}",
            f"{r['cpu_seconds']:.2f}",
            f"{r['query_cpu_seconds']:.2f}",
            f"{r['cpu_ratio']:.1f}",
            f"{r['grew_kib'] / 1024:.1f}",
            f"{r['query_grew_kib'] / 1024:.1f}",
            f"{r['bytes'] / 1e6:.1f}",
        ]
        for r in report["runs"]
    ]
    head = [
        "export",
        "rows",
        "seconds",
        "query s",
        "× query",
        "CPU s",
        "query CPU s",
        "× query (CPU)",
        "MiB",
        "query MiB",
        "file MB",
    ]
    print(table(rows, head))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
