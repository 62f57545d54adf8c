"""Where ``tracker audit verify`` spends its time: the database putting each window of
entries together, against checking it (issue 16, goal 3). Run on the entries
``bench_verify.py --keep --key K`` left behind:

    .venv/bin/python bench/profile_verify.py --key K --before a8ab65e

For each database (the SQLite file bench/out/bench_verify.db and PostgreSQL
``tracker_bench_verify``), over the first ``--entries`` entries, 3 rounds, best of each
(CPU of this process; PostgreSQL's server work shows only in the wall time):

* ``fetch, REV``: the window query of ``REV``'s ``tracker/store/ledger_verify.py``;
* ``fetch``: this tree's window query (on PostgreSQL also the server's CPU: its
  backend's user + system time from /proc, the server being on this machine);
* ``walk``: :meth:`StoredWalk.feed_packed` over the windows fetched (hash, HMAC, links);
* ``baseline``: the bare chain check of bench_verify over the same bytes (held apart
  from their hashes, as bench_verify holds them: the split is not timed);
* SQLite only: the window's expression in parts (``--parts``), to see what costs.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import OUT, ROOT, load, postgres_at, table
from bench_verify import baseline, server_cpu

import tracker.store.ledger_verify as current
from tracker.domain.ledger_walk import StoredWalk
from tracker.store.db import make_engine
from tracker.store.ledger import ENTRIES

PG_DB = "tracker_bench_verify"


def module_at(rev: str) -> ModuleType:
    """``tracker/store/ledger_verify.py`` as it is at git revision ``rev``."""
    text = subprocess.run(
        ["git", "show", f"{rev}:tracker/store/ledger_verify.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = OUT / "ledger_verify_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("ledger_verify_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best(
    fn: Callable[[], Any], n: int, rounds: int = 3, backend: int | None = None
) -> tuple[float, float, Any, float]:
    """(wall µs, CPU µs) an entry, best of ``rounds``, the last result, and the server's
    CPU µs an entry (the PostgreSQL ``backend``'s, best of the rounds; 0 for SQLite)."""
    walls, cpus, servers, out = [], [], [], None
    for _ in range(rounds):
        t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu(backend)
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        servers.append(server_cpu(backend) - s0)
    return min(walls) * 1e6 / n, min(cpus) * 1e6 / n, out, min(servers) * 1e6 / n


def windows(rows: Any, n: int) -> list[Any]:
    """The windows covering the first ``n`` entries, read the fast way."""
    out, after = [], 0
    while after < n:
        w = rows.window(after)
        if w is None:
            break
        if not w[2]:  # (count, first, packed texts); before: (…, bodies, chain)
            raise RuntimeError(f"window after {after} fell back to the slow way")
        out.append(w)
        after = w[1] + w[0] - 1
    return out


def bare(wins: list[Any], key: bytes) -> None:
    """bench_verify's baseline loop over the windows' bytes (hashes as text, bytes apart,
    as the baseline holds them)."""
    baseline(
        [
            (t[192:], t[:64].decode(), t[64:128].decode(), t[128:192].decode())
            for w in wins
            for t in w[2]
        ],
        key,
    )


def walk(wins: list[Any], key: bytes) -> None:
    """The service's walk over the windows."""
    w = StoredWalk(key)
    for count, first, texts in wins:
        if w.feed_packed(first, texts) != count:
            raise AssertionError("walk stopped")


def sqlite_parts(raw: Any, n: int, before: ModuleType | None) -> list[list[Any]]:
    """CPU µs an entry of the SQLite window expression's parts."""
    q = current._quoted
    t = current._TEMPLATE
    args = "prev_hash, hash, mac, action, actor, {a}, {at}, {c}, data, {f}, prev_hash, reason, {to}"
    quoted = {
        k: q(v, "sqlite")
        for k, v in (("a", "approver"), ("c", "carrier"), ("f", "from_place"), ("to", "to_place"))
    }
    plain = {"a": "approver", "c": "carrier", "f": "from_place", "to": "to_place"}
    variants = {
        "count only": "seq",
        "format(), columns as they are": f"format('{t}', {args.format(at='at', **plain)})",
        "+ nullable strings quoted": f"format('{t}', {args.format(at='at', **quoted)})",
        "+ time by substr() || (before)": f"format('{t}', "
        + args.format(at="substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z'", **quoted)
        + ")",
        "+ time by replace() (now)": f"format('{t}', "
        + args.format(at="replace(at, ' ', 'T') || 'Z'", **quoted)
        + ")",
        "body, unchecked (now)": current._body("sqlite", checked=False),
        "body, checked per row": current._body("sqlite", checked=True),
    }
    out = []
    for name, expr in variants.items():
        sql = (
            f"SELECT group_concat(b, '') FROM (SELECT {expr} AS b FROM ledger_entries "
            "WHERE seq > ? ORDER BY seq LIMIT ?)"
        )

        def run(sql: str = sql) -> None:
            for after in range(0, n, current.BATCH):
                raw.execute(sql, (after, current.BATCH)).fetchall()

        _wall, cpu, _, _ = best(run, n)
        out.append([f"SQLite: {name}", "", round(cpu, 2), ""])
    return out


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--key", required=True, help="the ledger key (hex) bench_verify used")
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--before", help="git revision whose window query is timed alongside")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--parts", action="store_true", help="SQLite's expression in parts")
    args = p.parse_args()
    key, n = bytes.fromhex(args.key), args.entries
    before = module_at(args.before) if args.before else None
    urls = {"sqlite": f"sqlite:///{OUT / 'bench_verify.db'}", "postgres": postgres_at(PG_DB)}
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows: list[list[Any]] = []
    print(f"load {load()}", flush=True)
    for kind in kinds:
        engine = make_engine(urls[kind])
        with engine.connect() as conn:
            mods = [(f"fetch, {args.before}", before)] if before else []
            wins: list[Any] = []
            backend = None
            if kind == "postgres":
                backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            for name, mod in [*mods, ("fetch", current)]:
                rows_of = mod._Rows(conn, ENTRIES)
                wall, cpu, wins, srv = best(lambda r=rows_of: windows(r, n), n, backend=backend)
                rows.append([f"{kind}: {name}", round(wall, 2), round(cpu, 2), round(srv, 2)])
            for name, fn in (("walk", walk), ("baseline", bare)):
                wall, cpu, _, _ = best(lambda f=fn, w=wins: f(w, key), n)
                rows.append([f"{kind}: {name}", round(wall, 2), round(cpu, 2), ""])
            if kind == "sqlite" and args.parts:
                rows += sqlite_parts(conn.connection.driver_connection, n, before)
        engine.dispose()
        header = ["what", "wall µs / entry", "CPU µs / entry", "server CPU µs / entry"]
        print(table(rows, header), flush=True)
        rows = []
    print(f"load {load()}")


if __name__ == "__main__":
    main()
