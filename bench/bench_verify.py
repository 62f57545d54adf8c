"""``tracker audit verify`` over a million entries, against a pure SHA-256 + HMAC chain
over the same stored bytes (issue 16, goal 3).

    .venv/bin/python bench/bench_verify.py --json bench/out/bench_verify.json
    .venv/bin/python bench/bench_verify.py --entries 200000 --db sqlite --before main

Set-up (not timed): ``--entries`` entries like bench_store's (check-outs, moves, returns
with approver, places, a reason in Chinese and details) sealed once by the domain's
``seal()`` and inserted with SQLAlchemy Core through the store's table (so the data is
stored as the store stores it) into a SQLite file (bench/out/bench_verify.db) and a
PostgreSQL database (``tracker_bench_verify``), with the head set to match.

Timed, per database, interleaved with the baseline:
  * ``SqlLedger.verify()`` in a read-only unit of work (what ``tracker audit verify``
    runs), with resident memory sampled every 50 ms (growth over the start), the CPU
    of this process and, on PostgreSQL, of its server process (from /proc: the server
    is on this machine) - on a shared machine the CPU is steadier than the wall time;
  * ``tracker audit verify --json`` as a user runs it, a fresh process: wall time and the
    process's peak resident memory (``wait4``);
  * with ``--before REV``: the same command by the code of git revision ``REV``, and
    ``SqlLedger.verify()`` in process with REV's ``tracker/store/ledger_verify.py`` put in
    place of this one's, interleaved with this one's (REV, this, REV, this: the load
    changes by the minute on the shared machine; the median of each is reported).
Baseline, same run: the chain check alone over the same entries' canonical bytes held in
memory (``--sample`` of them, 3 times before and 3 after each database's runs; the
median is used): for each entry SHA-256 of its bytes compared with the stored hash, the
link to the previous hash, and HMAC-SHA256 of the hash (key pads hashed once) compared
with the stored MAC - nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    OUT,
    ROOT,
    drop_postgres,
    environment,
    load,
    postgres_at,
    postgres_url,
    sqlite_url,
    table,
)
from bench_store import RssWatch, draft
from sqlalchemy import Engine, insert, select, update

from tracker.domain.ledger import GENESIS, canonical, head_mac, seal
from tracker.store.db import make_engine
from tracker.store.ledger import ENTRIES, HEAD
from tracker.store.migrate import upgrade
from tracker.store.uow import SqlUnitOfWork

PG_DB = "tracker_bench_verify"
CHUNK = 5000
GOAL_S_PER_MILLION = 5.0


def seed(engines: list[Engine], key: bytes, n: int, sample: int) -> tuple[list[Any], float]:
    """Seal ``n`` entries once and insert them into every engine; returns the first
    ``sample`` entries' (canonical bytes, prev, hash, mac) for the baseline."""
    t0 = time.perf_counter()
    cols = [c.name for c in ENTRIES.columns]
    prev, kept, buf = GENESIS, [], []
    for i in range(1, n + 1):
        e = seal(draft(i), i, prev, key)
        if i <= sample:
            body = canonical(
                e.action, e.at, e.actor, e.carrier, e.approver, e.from_place, e.to_place,
                e.reason, e.data, e.prev_hash,
            )  # fmt: skip
            kept.append((body, e.prev_hash, e.hash, e.mac))
        buf.append({c: getattr(e, c) for c in cols})
        prev = e.hash
        if len(buf) == CHUNK or i == n:
            for engine in engines:
                with engine.begin() as conn:
                    conn.execute(insert(ENTRIES), buf)
            buf = []
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(
                update(HEAD).where(HEAD.c.id == 1).values(
                    count=n, last_hash=prev, mac=head_mac(key, n, prev)
                )
            )  # fmt: skip
    return kept, time.perf_counter() - t0


def sample_items(key: bytes, sample: int) -> list[Any]:
    """The baseline's items for entries seeded earlier (``--reuse``): the same drafts
    sealed again in memory, nothing stored."""
    prev, kept = GENESIS, []
    for i in range(1, sample + 1):
        e = seal(draft(i), i, prev, key)
        body = canonical(
            e.action, e.at, e.actor, e.carrier, e.approver, e.from_place, e.to_place,
            e.reason, e.data, e.prev_hash,
        )  # fmt: skip
        kept.append((body, e.prev_hash, e.hash, e.mac))
        prev = e.hash
    return kept


def stored_count(engine: Engine) -> int:
    """The head's entry count."""
    with engine.connect() as conn:
        return int(conn.execute(select(HEAD.c.count).where(HEAD.c.id == 1)).scalar_one())


def baseline(items: list[Any], key: bytes) -> tuple[float, float]:
    """Entries/s (wall) and CPU µs an entry of the bare chain check over ``items`` (see
    the module docstring)."""
    block = key.ljust(64, b"\0")
    ipad = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    opad = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    sha256 = hashlib.sha256
    last = GENESIS
    t0, c0 = time.perf_counter(), time.process_time()
    for body, prev, digest, mac in items:
        if prev != last or sha256(body).hexdigest() != digest:
            raise AssertionError("baseline chain broken")
        inner = ipad.copy()
        inner.update(digest.encode())
        outer = opad.copy()
        outer.update(inner.digest())
        if outer.hexdigest() != mac:
            raise AssertionError("baseline MAC wrong")
        last = digest
    cpu = time.process_time() - c0
    return len(items) / (time.perf_counter() - t0), cpu * 1e6 / len(items)


def server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a PostgreSQL backend on this machine has used; 0 for
    none (SQLite works in this process)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process(engine: Engine, key: bytes) -> dict[str, Any]:
    """``SqlLedger.verify()`` in a read-only unit of work, timed, memory watched; on
    PostgreSQL also the CPU its server process spent (the text is put together there)."""
    with RssWatch() as rss, SqlUnitOfWork(engine, key, write=False) as uow:
        backend = None
        if engine.dialect.name == "postgresql":
            conn = uow.session.connection()
            backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu(backend)
        result = uow.ledger.verify()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        server = server_cpu(backend) - s0
    assert result.ok, result.problem
    return {
        "entries": result.entries,
        "seconds": round(seconds, 2),
        "entries_per_s": round(result.entries / seconds),
        "s_per_million": round(seconds * 1_000_000 / result.entries, 2),
        "cpu_us_per_entry": round(cpu * 1e6 / result.entries, 2),
        "server_cpu_us_per_entry": round(server * 1e6 / result.entries, 2),
        "rss_growth_mib": round(rss.growth_mib, 1),
    }


@contextlib.contextmanager
def walk_of(tree: Path | None) -> Any:
    """Inside: ``SqlLedger.verify`` walks with ``tree``'s ledger_verify (None: this one)."""
    import tracker.store.ledger as store_ledger

    if tree is None:
        yield
        return

    def load_from(name: str, path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    # REV's ledger_verify with REV's walk (the walk's interface changed with it).
    walk_module = "tracker.domain.ledger_walk"
    own_walk = sys.modules[walk_module]
    sys.modules[walk_module] = load_from(
        "ledger_walk_before", tree / "tracker" / "domain" / "ledger_walk.py"
    )
    try:
        module = load_from("ledger_verify_before", tree / "tracker" / "store" / "ledger_verify.py")
    finally:
        sys.modules[walk_module] = own_walk
    own = store_ledger.walk_chain
    store_ledger.walk_chain = module.walk_chain  # type: ignore[assignment]
    try:
        yield
    finally:
        store_ledger.walk_chain = own  # type: ignore[assignment]


def interleaved(engine: Engine, key: bytes, old: Path, rounds: int = 2) -> dict[str, Any]:
    """In-process verify by REV's walk and by this one's, alternately; medians."""
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for _ in range(rounds):
        for name, tree in (("before", old), ("after", None)):
            with walk_of(tree):
                runs[name].append(in_process(engine, key))
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        out[name] = {
            "s_per_million": statistics.median(r["s_per_million"] for r in rs),
            "cpu_us_per_entry": statistics.median(r["cpu_us_per_entry"] for r in rs),
            "runs": rs,
        }
    return out


def command(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``argv`` (a ``tracker audit verify --json``); wall time and peak memory."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}): {err.decode()[-500:]}")
    report = json.loads(out)
    return {
        "seconds": round(seconds, 2),
        "entries": report["entries"],
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


def before_tree(rev: str) -> Path:
    """The code of ``rev`` exported (and byte-compiled) under bench/out."""
    src = OUT / "verify-before"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "tracker"], cwd=src, check=True)
    return src


def met(s_per_million: float, ratio: float) -> bool:
    """Issue 16's goal: ≤ 5 s a million and ≥ 0.5 of the baseline."""
    return s_per_million <= GOAL_S_PER_MILLION and ratio >= 0.5


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--sample", type=int, default=100_000, help="baseline entries")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--before", help="also time `tracker audit verify` of this git revision")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--key", help="the ledger key as hex (default: a fresh random key)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="use the entries a run with the same --key, --entries and --keep stored",
    )
    p.add_argument("--json", type=Path, default=OUT / "bench_verify.json")
    p.add_argument(
        "--seed-only", action="store_true", help="seal and store (use with --keep), time nothing"
    )
    args = p.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    key = bytes.fromhex(args.key) if args.key else secrets.token_bytes(32)
    if args.reuse:
        if not args.key:
            p.error("--reuse needs the --key the entries were sealed with")
        urls = {
            k: f"sqlite:///{OUT / 'bench_verify.db'}" if k == "sqlite" else postgres_at(PG_DB)
            for k in kinds
        }
    else:
        urls = {
            k: sqlite_url("bench_verify") if k == "sqlite" else postgres_url(PG_DB) for k in kinds
        }
    engines = {}
    for kind, url in urls.items():
        upgrade(url)
        engines[kind] = make_engine(url)
    report: dict[str, Any] = {"environment": environment(), "args": vars(args) | {"json": ""}}
    if args.reuse:
        t0 = time.perf_counter()
        for kind, engine in engines.items():
            if stored_count(engine) != args.entries:
                sys.exit(f"{kind} holds {stored_count(engine)} entries, not {args.entries}")
        items, seed_s = sample_items(key, args.sample), time.perf_counter() - t0
    else:
        items, seed_s = seed(list(engines.values()), key, args.entries, args.sample)
    report["seed_s"] = round(seed_s, 1)
    print(f"sealed and stored {args.entries} entries in {seed_s:.0f} s", flush=True)
    if args.seed_only:
        for engine in engines.values():
            engine.dispose()
        return
    old = before_tree(args.before) if args.before else None
    rows = []
    try:
        for kind in kinds:
            env = {**os.environ, "TRACKER_DATABASE_URL": urls[kind]}
            env["TRACKER_LEDGER_KEY"] = key.hex()
            tracker = str(Path(sys.executable).parent / "tracker")
            base = [baseline(items, key) for _ in range(3)]
            run = {"load_start": load(), "verify": in_process(engines[kind], key)}
            print(f"[{kind}] verify in process: {run['verify']}", flush=True)
            run["command"] = command([tracker, "audit", "verify", "--json"], env)
            print(f"[{kind}] tracker audit verify: {run['command']}", flush=True)
            if old is not None:
                cmd = [sys.executable, "-m", "tracker.cli", "audit", "verify", "--json"]
                run["before"] = command(cmd, {**env, "PYTHONPATH": str(old)})
                print(f"[{kind}] before ({args.before}): {run['before']}", flush=True)
                run["ab"] = interleaved(engines[kind], key, old)
                ab = {k: (v["s_per_million"], v["cpu_us_per_entry"]) for k, v in run["ab"].items()}
                print(f"[{kind}] in process, s/million and CPU µs/entry: {ab}", flush=True)
            base += [baseline(items, key) for _ in range(3)]
            run["baseline_entries_per_s"] = round(statistics.median(b[0] for b in base))
            run["baseline_cpu_us_per_entry"] = round(statistics.median(b[1] for b in base), 2)
            run["baseline_samples"] = [round(b[0]) for b in base]
            run["ratio"] = round(run["verify"]["entries_per_s"] / run["baseline_entries_per_s"], 3)
            run["cpu_ratio"] = round(
                run["baseline_cpu_us_per_entry"] / run["verify"]["cpu_us_per_entry"], 3
            )
            run["load_end"] = load()
            report[kind] = run
            v, c = run["verify"], run["command"]
            rows.append(
                [
                    kind,
                    f"{v['entries']:,}",
                    v["s_per_million"],
                    f"{v['entries_per_s']:,}",
                    f"{run['baseline_entries_per_s']:,}",
                    run["ratio"],
                    f"{run['baseline_cpu_us_per_entry']} / {v['cpu_us_per_entry']}",
                    v["server_cpu_us_per_entry"] or "-",
                    run["cpu_ratio"],
                    v["rss_growth_mib"],
                    c["seconds"],
                    c["peak_rss_mib"],
                    run.get("before", {}).get("seconds", "-"),
                    "yes" if met(v["s_per_million"], run["ratio"]) else "NO",
                ]
            )
    finally:
        for engine in engines.values():
            engine.dispose()
        if "postgres" in kinds and not args.keep:
            drop_postgres(PG_DB)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str))
    print(
        table(
            rows,
            [
                "db",
                "entries",
                "verify s / million",
                "verify entries/s",
                "baseline entries/s",
                "ratio",
                "CPU µs an entry: baseline / verify",
                "server CPU µs an entry",
                "CPU ratio",
                "RSS growth MiB",
                "command s",
                "command peak RSS MiB",
                "before: command s",
                "goal met",
            ],
        )
    )


if __name__ == "__main__":
    main()
