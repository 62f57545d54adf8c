"""API benchmark: where-is and overdue-list latency under concurrent clients, and event
ingest through ``POST /api/v1/events`` compared with a raw bulk insert of the same rows.

    .venv/bin/python bench/bench_api.py                         # both databases, full size
    .venv/bin/python bench/bench_api.py --db sqlite --carriers 10000 --ledger 100000

For each database: a fresh database is migrated and seeded by bulk inserts through the
store's own tables (not the receive use case: 100,000 receipts through the API would
take longer than the benchmark itself) — carriers with EPCs, their EPC registry rows and
counters, open borrows (a quarter of them overdue), and a ledger of ``--ledger`` entries
sealed with the real hash chain and HMAC (receipts, then movements), so the server
appends to a valid chain. A real ``tracker serve`` (uvicorn) runs on 127.0.0.1; clients
are httpx async clients in this process (same 2-core machine: client and server compete
for the CPUs, which is said next to the figures).

Ingest: batches of 100 door crossings of carriers out on borrow (authorised, so the
figure is the movement path, not alert raising), from 4 concurrent posters. Baseline:
the rows one ingested event writes (a movement, a ledger entry, an ingest-log entry) for
the same number of events, pre-built, inserted in bulk into the same database in the
same run with the server stopped; the ratio is ingest rate / raw insert rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import (
    CAST,
    EXAMPLE_SITE,
    ROOT,
    environment,
    load,
    percentile,
    postgres_url,
    sqlite_url,
    table,
)
from _common import drop_postgres as _drop_pg
from sqlalchemy import Engine, insert, update

from tracker.bootstrap import build, open_store
from tracker.domain.epc import giai96
from tracker.domain.ledger import GENESIS, Action, EntryDraft, head_mac, seal
from tracker.domain.levels import Level
from tracker.domain.model import (
    BadgeKind,
    BorrowState,
    CarrierState,
    KnowledgeScope,
    Medium,
    MovementSource,
)
from tracker.domain.period import SecrecyPeriod
from tracker.services import accounts, people
from tracker.store.tables import (
    BorrowRow,
    CarrierRow,
    EpcCounterRow,
    EpcRegistryRow,
    IngestRow,
    LedgerEntryRow,
    LedgerHeadRow,
    MovementRow,
    SerialCounterRow,
)

PG_DB = "tracker_bench_api"
PASSWORD = "bench-password-1"
BATCH = 5000
ALICE_BADGE = "0100073EAB"


def _chunks(rows: list[dict[str, Any]], n: int = BATCH) -> Any:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _insert(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for chunk in _chunks(rows):
            conn.execute(insert(table), chunk)


def serial(i: int) -> str:
    return f"JM-2026-{i:06d}"


def seed(engine: Engine, key: bytes, carriers: int, ledger: int, borrows: int) -> dict[str, float]:
    """Bulk-insert carriers, EPC registry, counters, borrows and a sealed ledger."""
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    scope = KnowledgeScope(frozenset(), frozenset({"policy"}))
    period = SecrecyPeriod.years(10)
    rows = []
    epcs = []
    for i in range(1, carriers + 1):
        out = i <= borrows
        epc = giai96("0614141", i)
        rows.append(
            {
                "serial": serial(i),
                "title": f"关于某项目的请示（第{i}号）",
                "medium": Medium.PAPER,
                "level": Level.SECRET,
                "period": period,
                "classified_on": date(2026, 1, 5),
                "issuing_authority": "某部办公厅",
                "received_on": date(2026, 1, 6),
                "received_from": "某部机要局",
                "received_by": "carol",
                "copy_number": 1,
                "total_copies": 3,
                "pages": 1 + i % 40,
                "scope": scope,
                "home_room": "secure",
                "home_safe": "safe-s1",
                "state": CarrierState.OUT if out else CarrierState.IN_SAFE,
                "location": "secure" if out else "safe-s1",
                "holder": "alice" if out else None,
                "location_at": now - timedelta(days=1),
                "epc": epc,
                "labelled": True,
                "original": None,
                "container": None,
                "notes": "",
                "version": 1,
            }
        )
        epcs.append({"epc": epc, "serial": serial(i), "claimed_at": now})
    _insert(engine, CarrierRow.__table__, rows)
    _insert(engine, EpcRegistryRow.__table__, epcs)
    with engine.begin() as conn:
        conn.execute(
            insert(SerialCounterRow.__table__),
            [{"prefix": "JM", "year": 2026, "next": carriers + 1}],
        )
        conn.execute(insert(EpcCounterRow.__table__), [{"id": 1, "next": carriers + 1}])
    t_carriers = time.perf_counter() - t0

    t0 = time.perf_counter()
    brows = []
    for i in range(1, borrows + 1):
        overdue = i <= borrows // 4
        due = now - timedelta(hours=1 + i % 48) if overdue else now + timedelta(days=3)
        brows.append(
            {
                "id": uuid.uuid4().hex,
                "carrier": serial(i),
                "borrower": "alice",
                "destination": "reading",
                "purpose": "阅办",
                "requested_at": now - timedelta(days=3),
                "due_at": due,
                "requested_by": "alice",
                "state": BorrowState.OUT,
                "approver": "ann",
                "decided_at": now - timedelta(days=3),
                "decision_note": "",
                "checked_out_at": now - timedelta(days=3),
                "checked_out_by": "carol",
                "returned_at": None,
                "returned_to": None,
                "circulation": None,
            }
        )
    _insert(engine, BorrowRow.__table__, brows)
    t_borrows = time.perf_counter() - t0

    return {"carriers_s": t_carriers, "borrows_s": t_borrows}


def seed_ledger(engines: list[Engine], key: bytes, carriers: int, entries: int) -> float:
    """A chain of ``entries`` sealed entries (receipts, then movements) from the genesis,
    written to every engine's (fresh) ledger: sealed once, inserted into each. The site
    load and the cast are appended after it by the services, so the chain verifies."""
    t0 = time.perf_counter()
    seq, prev = 0, GENESIS
    at = datetime.now(UTC) - timedelta(days=30)
    cols = [c.name for c in LedgerEntryRow.__table__.columns]
    buf: list[dict[str, Any]] = []
    for n in range(entries):
        i = 1 + n % carriers
        if n < carriers:
            draft = EntryDraft(
                Action.RECEIVE,
                at,
                "carol",
                carrier=serial(i),
                to_place="secure",
                data={"level": "secret", "epc": giai96("0614141", i)},
            )
        else:
            out = n % 2 == 0
            draft = EntryDraft(
                Action.MOVE,
                at,
                "gw-bench",
                carrier=serial(i),
                from_place="secure" if out else "corridor",
                to_place="corridor" if out else "secure",
                data={
                    "door": "door-secure",
                    "direction": "out" if out else "in",
                    "event": f"seed-{n}",
                    "observed_at": at,
                },
            )
        seq += 1
        e = seal(draft, seq, prev, key)
        prev = e.hash
        buf.append({c: getattr(e, c) for c in cols})
        at += timedelta(milliseconds=2)
        if len(buf) >= BATCH or n == entries - 1:
            for engine in engines:
                _insert(engine, LedgerEntryRow.__table__, buf)
            buf = []
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(
                update(LedgerHeadRow.__table__)
                .where(LedgerHeadRow.__table__.c.id == 1)
                .values(count=seq, last_hash=prev, mac=head_mac(key, seq, prev))
            )
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``tracker serve`` in a subprocess."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(ROOT / "bench" / "out" / "bench_api_server.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "tracker"),
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start; see bench/out/bench_api_server.log")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


async def latency(
    base: str, headers: dict[str, str], paths: list[str], clients: int
) -> dict[str, float]:
    """Fire ``paths`` from ``clients`` concurrent tasks; per-request latency in ms."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    times: list[float] = []
    errors = retried = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:

        async def worker() -> None:
            nonlocal errors, retried
            while True:
                try:
                    p = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t = time.perf_counter()
                try:
                    r = await c.get(p)
                except httpx.TransportError:
                    # A keep-alive connection the server closed as it was reused.
                    retried += 1
                    r = await c.get(p)
                times.append((time.perf_counter() - t) * 1000)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
    return {
        "requests": len(times),
        "errors": errors,
        "retried": retried,
        "p50_ms": round(percentile(times, 50), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "req_per_s": round(len(times) / wall, 1),
    }


def ingest_batches(events: int, carriers_out: int, start: datetime) -> list[list[dict[str, Any]]]:
    """Door crossings of carriers out on borrow (not overdue), in batches of 100."""
    rng = random.Random(7)
    lo = carriers_out // 4 + 1  # past the overdue ones
    batches, batch = [], []
    at = start
    for n in range(events):
        i = rng.randint(lo, carriers_out)
        out = n % 2 == 0
        batch.append(
            {
                "event_id": f"bench-{uuid.uuid4().hex}",
                "kind": "crossing",
                "at": at.isoformat(),
                "code": giai96("0614141", i),
                "door": "door-secure" if out else "door-reading",
                "direction": "out" if out else "in",
                "badges": [ALICE_BADGE],
            }
        )
        at += timedelta(milliseconds=10)
        if len(batch) == 100:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    return batches


async def ingest(
    base: str, headers: dict[str, str], batches: list[list[dict[str, Any]]], posters: int
) -> dict[str, float]:
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    times: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    b = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t = time.perf_counter()
                r = await c.post("/api/v1/events", json={"events": b})
                times.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1
                    print("ingest error", r.status_code, r.text[:300], file=sys.stderr)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(posters)))
        wall = time.perf_counter() - t0
    n = sum(len(b) for b in batches)
    return {
        "events": n,
        "batches": len(batches),
        "errors": errors,
        "events_per_s": round(n / wall, 1),
        "batch_p50_ms": round(percentile(times, 50), 1),
        "batch_p99_ms": round(percentile(times, 99), 1),
    }


def raw_insert(engine: Engine, key: bytes, events: int) -> dict[str, float]:
    """The rows ``events`` ingested events write, pre-built, inserted in bulk."""
    with engine.connect() as conn:
        head = conn.execute(LedgerHeadRow.__table__.select()).first()
    assert head is not None
    seq, prev = int(head.count), str(head.last_hash)
    at = datetime.now(UTC)
    cols = [c.name for c in LedgerEntryRow.__table__.columns]
    moves, entries, log = [], [], []
    for n in range(events):
        i = 1 + n % 1000
        eid = f"raw-{uuid.uuid4().hex}"
        moves.append(
            {
                "id": uuid.uuid4().hex,
                "carrier": serial(i),
                "from_place": "secure",
                "to_place": "corridor",
                "at": at,
                "door": "door-secure",
                "holder": "alice",
                "people": ("alice",),
                "source": MovementSource.RFID,
                "event_id": eid,
            }
        )
        seq += 1
        e = seal(
            EntryDraft(
                Action.MOVE,
                at,
                "gw-bench",
                carrier=serial(i),
                from_place="secure",
                to_place="corridor",
                data={"door": "door-secure", "event": eid},
            ),
            seq,
            prev,
            key,
        )
        prev = e.hash
        entries.append({c: getattr(e, c) for c in cols})
        log.append({"event_id": eid, "source": "gw-bench", "answer": "{}", "at": at})
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for table, rows in (
            (MovementRow.__table__, moves),
            (LedgerEntryRow.__table__, entries),
            (IngestRow.__table__, log),
        ):
            for chunk in _chunks(rows, 1000):
                conn.execute(insert(table), chunk)
    wall = time.perf_counter() - t0
    return {
        "events": events,
        "rows": 3 * events,
        "seconds": round(wall, 3),
        "events_per_s": round(events / wall, 1),
    }


def prepare(kinds: list[str], args: argparse.Namespace, key: bytes) -> tuple[dict[str, str], float]:
    """Fresh, migrated databases of ``kinds`` with the seeded ledger in each."""
    urls = {k: sqlite_url("bench_api") if k == "sqlite" else postgres_url(PG_DB) for k in kinds}
    engines = []
    for url in urls.values():
        engine, _key, _url = open_store(url)
        engines.append(engine)
    seconds = seed_ledger(engines, key, args.carriers, args.ledger)
    for engine in engines:
        engine.dispose()
    return urls, seconds


def run_one(kind: str, url: str, key: bytes, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        "TRACKER_DATABASE_URL": url,
        "TRACKER_LEDGER_KEY": key.hex(),
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_LOG_LEVEL": "WARNING",
    }
    result: dict[str, Any] = {"db": kind}
    try:
        built = build(url=url, site_file=EXAMPLE_SITE)
        svc = built.services
        from api.security import Argon2Hasher

        hasher = Argon2Hasher()
        for pid, name, dept, clr, role, badge in CAST:
            people.add_person(svc, "cli:bench", pid, name, dept, clr, role)
            people.add_badge(svc, "cli:bench", pid, badge, BadgeKind.EM4100)
        accounts.create_user(svc, "cli:bench", "carol", "carol", PASSWORD, hasher)
        doors = [d.door.id for d in svc.site.doors]
        _, device_token = accounts.create_device(svc, "cli:bench", "gw-bench", doors)
        t0 = time.perf_counter()
        result["seed"] = {
            k: round(v, 1)
            for k, v in seed(built.engine, key, args.carriers, args.ledger, args.borrows).items()
        }
        result["seed"]["total_s"] = round(time.perf_counter() - t0, 1)
        with built.services.read() as uow:
            result["ledger_entries"] = uow.ledger.head()[0]
        print(f"[{kind}] seeded in {result['seed']['total_s']} s: {result['seed']}", flush=True)

        server = Server(env)
        try:
            tok = httpx.post(
                f"{server.base}/api/v1/auth/token", data={"username": "carol", "password": PASSWORD}
            ).json()
            user = {"Authorization": f"Bearer {tok['access_token']}"}
            rng = random.Random(1)
            paths = [
                f"/api/v1/carriers/{serial(rng.randint(1, args.carriers))}"
                for _ in range(args.requests)
            ]
            asyncio.run(latency(server.base, user, paths[:200], args.clients))  # warm-up
            result["where_is_1"] = asyncio.run(latency(server.base, user, paths[:300], 1))
            print(f"[{kind}] where-is, one client: {result['where_is_1']}", flush=True)
            result["where_is"] = asyncio.run(latency(server.base, user, paths, args.clients))
            print(f"[{kind}] where-is: {result['where_is']}", flush=True)
            over = ["/api/v1/borrows/overdue?limit=100"] * (args.requests // 2)
            result["overdue_1"] = asyncio.run(latency(server.base, user, over[:150], 1))
            result["overdue"] = asyncio.run(latency(server.base, user, over, args.clients))
            print(f"[{kind}] overdue: {result['overdue']}", flush=True)
            batches = ingest_batches(args.events, args.borrows, datetime.now(UTC))
            device = {"Authorization": f"Bearer {device_token}"}
            result["ingest"] = asyncio.run(ingest(server.base, device, batches, args.posters))
            print(f"[{kind}] ingest: {result['ingest']}", flush=True)
        finally:
            server.stop()
        result["raw_insert"] = raw_insert(built.engine, key, args.events)
        result["ratio_ingest_vs_raw"] = round(
            result["ingest"]["events_per_s"] / result["raw_insert"]["events_per_s"], 4
        )
        print(
            f"[{kind}] raw insert: {result['raw_insert']}; ratio {result['ratio_ingest_vs_raw']}",
            flush=True,
        )
        built.engine.dispose()
    finally:
        if kind == "postgres" and not args.keep:
            _drop_pg(PG_DB)
    return result


def _lat(x: dict[str, Any]) -> str:
    return f"{x['p50_ms']} / {x['p99_ms']} ({x['req_per_s']}/s)"


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--carriers", type=int, default=100_000)
    p.add_argument("--ledger", type=int, default=1_000_000, help="ledger entries seeded")
    p.add_argument("--borrows", type=int, default=20_000, help="open borrows; a quarter overdue")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=4000, help="where-is requests (overdue: half)")
    p.add_argument("--events", type=int, default=10_000, help="events ingested (batches of 100)")
    p.add_argument("--posters", type=int, default=4, help="concurrent ingest posters")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "bench_api.json")
    args = p.parse_args()
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "environment": environment(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "runs": [],
    }
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    t0 = time.perf_counter()
    key = secrets.token_bytes(32)
    os.environ["TRACKER_LEDGER_KEY"] = key.hex()
    urls, ledger_s = prepare(kinds, args, key)
    report["ledger_seed_s"] = round(ledger_s, 1)
    print(f"ledger of {args.ledger} entries sealed and written to {kinds} in {ledger_s:.1f} s")
    for kind in kinds:
        report["runs"].append(run_one(kind, urls[kind], key, args))
    report["total_s"] = round(time.perf_counter() - t0, 1)
    report["load_at_end"] = load()
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    rows = []
    for r in report["runs"]:
        rows.append(
            [
                r["db"],
                _lat(r["where_is_1"]),
                _lat(r["where_is"]),
                _lat(r["overdue_1"]),
                _lat(r["overdue"]),
                r["ingest"]["events_per_s"],
                r["raw_insert"]["events_per_s"],
                r["ratio_ingest_vs_raw"],
            ]
        )
    print(
        table(
            rows,
            [
                "db",
                "where-is, 1 client p50/p99 ms",
                f"where-is, {args.clients} clients",
                "overdue, 1 client",
                f"overdue, {args.clients} clients",
                "ingest events/s",
                "raw insert events/s",
                "ingest/raw",
            ],
        )
    )
    print(f"total {report['total_s']} s; load {report['load_at_end']}; JSON in {args.json}")


if __name__ == "__main__":
    main()
