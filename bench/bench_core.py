"""Custody core benchmark (issue 2): receive carriers through the receive use case, then
look up a carrier's current place and holder among them — on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_core.py                         # 100,000 carriers, both
    .venv/bin/python bench/bench_core.py --carriers 20000 --db sqlite   # a quick run

For each database:

* receive: ``--carriers`` carriers through ``tracker.services.receive.receive`` (the use
  case: custodian check, validation, serial and EPC counters, EPC registry, carrier row,
  a sealed ledger entry per carrier), ``--batch`` carriers per call (one delivery, one
  transaction). Reported: carriers/s over the whole run and per slice of
  ``--slice`` carriers (does it slow down as the tables grow?).
* baseline for receive, in the same run and interleaved with it (after every slice):
  ``--baseline-rows`` bare carrier rows (+ their EPC-registry rows) written with plain
  SQLAlchemy Core ``executemany``, ``--batch`` per transaction, into the same tables —
  the database's floor for the rows a receive leaves behind, without the use case,
  counters or ledger. Those rows are deleted before the lookups.
* lookup: ``--lookups`` random carriers among the N received; each is looked up three
  ways, in rotating order: ``uow.carriers.get(serial)`` in a read unit of work
  (``svc.read()``) reading ``location`` and ``holder``; ``uow.carriers.by_epc(epc)`` the
  same way; and, as the baseline, a raw ``SELECT location, holder FROM carriers WHERE
  serial = ?`` on a pooled connection. p50/p99 in ms, and the ratio to the raw query.

Ledger append/verify per million entries is ``bench/bench_store.py`` (the store's own
benchmark); this script does not repeat it. SQLite uses ``bench/out/bench_core.db``;
PostgreSQL a database ``tracker_bench_core`` on ``TRACKER_TEST_PG_URL``'s server (default
postgres@127.0.0.1:5432), dropped afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    bench_database,
    environment,
    item,
    load,
    percentile,
    services_on,
    use_random_ledger_key,
)
from sqlalchemy import Engine, delete, insert, text

from tracker.domain.clock import ManualClock
from tracker.domain.model import Carrier
from tracker.services.base import Services
from tracker.services.receive import ReceiveBatch, receive
from tracker.store.tables import CarrierRow, EpcRegistryRow

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
CARRIERS = CarrierRow.__table__
EPCS = EpcRegistryRow.__table__


def baseline_rows(engine: Engine, template: Carrier, start: int, n: int, batch: int) -> float:
    """Write ``n`` bare carrier rows (copies of ``template`` with serials ``BL-…``) and
    their EPC-registry rows, ``batch`` per transaction; returns seconds."""
    base = {f.name: getattr(template, f.name) for f in dataclasses.fields(Carrier)}
    t = time.perf_counter()
    for i in range(start, start + n, batch):
        rows, epcs = [], []
        for j in range(i, min(i + batch, start + n)):
            serial, epc = f"BL-2026-{j:06d}", f"BB{j:022X}"
            rows.append({**base, "serial": serial, "epc": epc, "version": 1})
            epcs.append({"epc": epc, "serial": serial, "claimed_at": T0})
        with engine.begin() as conn:
            conn.execute(insert(CARRIERS), rows)
            conn.execute(insert(EPCS), epcs)
    return time.perf_counter() - t


def run_receive(
    svc: Services, engine: Engine, n: int, batch: int, slice_: int, baseline_n: int
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Receive ``n`` carriers; interleave the bare-row baseline after every slice."""
    keys: list[tuple[str, str]] = []
    slices: list[float] = []
    base_s = 0.0
    base_rows = 0
    total = 0.0
    done = 0
    slice_t = 0.0
    slice_done = 0
    last_report = time.monotonic()
    while done < n:
        size = min(batch, n - done)
        items = [item(done + i) for i in range(size)]
        t = time.perf_counter()
        got = receive(svc, "carol", ReceiveBatch(items, size, "某部机要局"))
        dt = time.perf_counter() - t
        total += dt
        slice_t += dt
        keys.extend((c.serial, c.epc or "") for c in got)
        done += size
        slice_done += size
        if slice_done >= slice_ or done == n:
            slices.append(slice_done / slice_t)
            slice_t, slice_done = 0.0, 0
            if baseline_n:
                base_s += baseline_rows(engine, got[0], base_rows, baseline_n, batch)
                base_rows += baseline_n
        if time.monotonic() - last_report > 15:
            print(f"    {done:,} received ({done / total:,.0f}/s), load {load()}", flush=True)
            last_report = time.monotonic()
    with engine.begin() as conn:
        conn.execute(delete(EPCS).where(EPCS.c.serial.like("BL-%")))
        conn.execute(delete(CARRIERS).where(CARRIERS.c.serial.like("BL-%")))
    out = {
        "carriers": n,
        "batch": batch,
        "seconds": total,
        "carriers_per_s": n / total,
        "per_slice_per_s": slices,
        "slice": slice_,
        "baseline_rows": base_rows,
        "baseline_rows_per_s": base_rows / base_s if base_s else None,
    }
    if base_s:
        out["ratio_vs_bare_rows"] = out["carriers_per_s"] / out["baseline_rows_per_s"]
    return out, keys


def run_lookups(
    svc: Services, engine: Engine, keys: list[tuple[str, str]], count: int, seed: int
) -> dict[str, Any]:
    """Random lookups by serial and by EPC through read units of work, and the raw query."""
    rng = random.Random(seed)
    picks = [keys[rng.randrange(len(keys))] for _ in range(count)]
    raw_sql = text("SELECT location, holder FROM carriers WHERE serial = :s")
    times: dict[str, list[float]] = {"serial": [], "epc": [], "raw": []}

    def by_serial(serial: str, _epc: str) -> None:
        with svc.read() as uow:
            c = uow.carriers.get(serial)
            assert c is not None and c.location is not None
            _ = (c.location, c.holder)

    def by_epc(serial: str, epc: str) -> None:
        with svc.read() as uow:
            c = uow.carriers.by_epc(epc)
            assert c is not None and c.serial == serial
            _ = (c.location, c.holder)

    def raw(serial: str, _epc: str) -> None:
        with engine.connect() as conn:
            row = conn.execute(raw_sql, {"s": serial}).one()
            _ = (row.location, row.holder)

    ways = [("serial", by_serial), ("epc", by_epc), ("raw", raw)]
    for _name, fn in ways:  # warm the pool, caches and statement compilation
        for serial, epc in picks[:50]:
            fn(serial, epc)
    for i, (serial, epc) in enumerate(picks):
        k = i % 3
        for name, fn in ways[k:] + ways[:k]:
            t = time.perf_counter()
            fn(serial, epc)
            times[name].append((time.perf_counter() - t) * 1000)
    out: dict[str, Any] = {"lookups": count}
    for name, ms in times.items():
        out[name] = {"p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99)}
    for name in ("serial", "epc"):
        out[name]["p50_vs_raw"] = out[name]["p50_ms"] / out["raw"]["p50_ms"]
        out[name]["p99_vs_raw"] = out[name]["p99_ms"] / out["raw"]["p99_ms"]
    return out


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both parts on one database."""
    with bench_database(kind, "bench_core", keep=args.keep) as url:
        engine, svc = services_on(url, ManualClock(T0))
        try:
            print(
                f"[{kind}] receiving {args.carriers:,} carriers, {args.batch} per call", flush=True
            )
            load_before = load()
            rec, keys = run_receive(
                svc, engine, args.carriers, args.batch, args.slice, args.baseline_rows
            )
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
                count = conn.execute(text("SELECT count(*) FROM carriers")).scalar_one()
                ledger = conn.execute(text("SELECT count FROM ledger_head")).scalar_one()
            assert count == args.carriers, count
            rec["ledger_entries"] = ledger
            rec["load_before"], rec["load_after"] = load_before, load()
            print(f"[{kind}] {rec['carriers_per_s']:,.0f} carriers/s; lookups", flush=True)
            look = run_lookups(svc, engine, keys, args.lookups, args.seed)
            look["load_after"] = load()
            return {"receive": rec, "lookup": look}
        finally:
            engine.dispose()


def report(kind: str, r: dict[str, Any]) -> None:
    """Print the figures of one database."""
    rec, look = r["receive"], r["lookup"]
    sl = rec["per_slice_per_s"]
    print(f"\n== {kind} ==")
    print(
        f"receive: {rec['carriers']:,} carriers in {rec['seconds']:.0f} s = "
        f"{rec['carriers_per_s']:,.0f} carriers/s ({rec['batch']} per call); first slice "
        f"{sl[0]:,.0f}/s, last {sl[-1]:,.0f}/s; ledger entries {rec['ledger_entries']:,}"
    )
    if rec.get("baseline_rows_per_s"):
        print(
            f"  baseline bare rows: {rec['baseline_rows_per_s']:,.0f} rows/s "
            f"({rec['baseline_rows']:,} rows); receive / baseline = {rec['ratio_vs_bare_rows']:.3f}"
        )
    print(f"  load before {rec['load_before']}, after {rec['load_after']}")
    for name in ("serial", "epc", "raw"):
        x = look[name]
        extra = f" ({x['p50_vs_raw']:.1f}x / {x['p99_vs_raw']:.1f}x raw)" if name != "raw" else ""
        print(f"lookup by {name}: p50 {x['p50_ms']:.3f} ms, p99 {x['p99_ms']:.3f} ms{extra}")


def main() -> None:
    """Parse the options, run, print and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--carriers", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=100, help="carriers per receive call")
    ap.add_argument("--slice", type=int, default=10_000, help="report the rate per slice")
    ap.add_argument("--baseline-rows", type=int, default=500, help="bare rows per slice")
    ap.add_argument("--lookups", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args()
    use_random_ledger_key()
    out: dict[str, Any] = {"env": environment(), "args": vars(args) | {"json": str(args.json)}}
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        out[kind] = run(kind, args)
        report(kind, out[kind])
    out["load_at_end"] = load()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
