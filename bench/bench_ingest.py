"""Ingest benchmark (issue 16 goal 2): gateway event batches applied in process through
the ingest use case (``tracker.services.movement.apply_batch``, what ``POST
/api/v1/events`` and the MQTT consumer call) against the raw insert of the same rows.

    .venv/bin/python bench/bench_ingest.py                  # both databases
    .venv/bin/python bench/bench_ingest.py --db sqlite --rounds 3 --events 1000
    .venv/bin/python bench/bench_ingest.py --db sqlite --profile   # cProfile of ingest

For each database: a fresh database is migrated, the example site and the cast loaded,
and ``--carriers`` carriers with EPCs and ``--borrows`` open borrows (to alice, not
overdue) are bulk-inserted through the store's tables. Then ``--rounds`` rounds, each:

* **ingest**: ``--events`` door crossings of carriers out on borrow (authorised: the
  movement path, no alerts), in batches of ``--batch``, each batch one ``apply_batch``
  (one transaction), one poster;
* **raw** (the baseline, interleaved so both see the same load): the rows those events
  write — a movement, a sealed ledger entry (sealed before the clock starts, chained
  from the real head, the head moved on after so the chain stays valid) and an
  ingest-log row per event, with the same contents as ingest writes — pre-built and
  inserted with ``executemany`` in one transaction;
* **seal floor**: sealing the same number of ledger entries (SHA-256 + HMAC, pure
  Python, no database), the part of ingest the raw baseline does not pay for.

The figure is ingest events/s over raw events/s, per round and overall (sum over
rounds). Both run in this one process on the shared 2-core machine; the load average is
printed with every round. "CPU ingest / raw" is the same ratio of this process's CPU
seconds (``time.process_time``): less moved by other processes than wall time, and on
SQLite nearly all the work (on PostgreSQL the server's share is not in it).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CAST,
    EXAMPLE_SITE,
    OUT,
    bench_database,
    environment,
    load,
    table,
    use_random_ledger_key,
)
from bench_api import ALICE_BADGE, seed, serial
from sqlalchemy import Engine, insert, select, text, update

from tracker.bootstrap import build
from tracker.domain.epc import giai96
from tracker.domain.ledger import Action, EntryDraft, head_mac, seal
from tracker.domain.model import BadgeKind, MovementSource
from tracker.services import people
from tracker.services.base import Services
from tracker.services.ingest import digest
from tracker.services.movement import Observation, apply_batch
from tracker.store.tables import (
    IngestRow,
    LedgerEntryRow,
    LedgerHeadRow,
    MovementRow,
)

DEVICE = "gw-bench"
_HEAD = LedgerHeadRow.__table__
_COLS = [c.name for c in LedgerEntryRow.__table__.columns]


def crossings(n: int, borrows: int, start: datetime, tag: str) -> list[Observation]:
    """``n`` door crossings, alternately out of the secure room and into the reading
    room, of carriers on borrow to alice (past the overdue quarter), alice's badge read."""
    lo = borrows // 4 + 1
    out = []
    for k in range(n):
        i = lo + (k * 7919) % (borrows - lo + 1)  # spread over the borrowed carriers
        leaving = k % 2 == 0
        out.append(
            Observation(
                event_id=f"{tag}-{k}-{uuid.uuid4().hex[:12]}",
                kind="crossing",
                at=start + timedelta(milliseconds=10 * k),
                code=giai96("0614141", i),
                door="door-secure" if leaving else "door-reading",
                direction="out" if leaving else "in",
                badges=(ALICE_BADGE,),
            )
        )
    return out


CPU: dict[str, float] = {}  # this process's CPU seconds per part, summed over rounds


def ingest_round(svc: Services, events: list[Observation], batch: int) -> float:
    """Seconds to apply ``events`` in batches of ``batch``."""
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(0, len(events), batch):
        outs = apply_batch(svc, DEVICE, events[i : i + batch])
        assert all(o.status == "recorded" and not o.alerts for o in outs), outs[:3]
    CPU["ingest"] = CPU.get("ingest", 0.0) + time.process_time() - c0
    return time.perf_counter() - t0


def _rows(events: list[Observation], key: bytes, head: tuple[int, str], now: datetime) -> Any:
    """The movement, sealed ledger entry and ingest-log row of each event, as ingest
    writes them (same fields, same ledger data), chained from ``head``."""
    seq, prev = head
    moves, entries, log = [], [], []
    for k, obs in enumerate(events):
        leaving = obs.direction == "out"
        frm, to = ("secure", "corridor") if leaving else ("corridor", "reading")
        s = serial(1 + k)
        mid = uuid.uuid4().hex
        moves.append(
            {
                "id": mid,
                "carrier": s,
                "from_place": frm,
                "to_place": to,
                "at": obs.at,
                "door": obs.door,
                "holder": "alice",
                "people": ("alice",),
                "source": MovementSource.RFID,
                "event_id": obs.event_id,
            }
        )
        seq += 1
        e = seal(move_draft(obs, s, frm, to, now), seq, prev, key)
        prev = e.hash
        entries.append({c: getattr(e, c) for c in _COLS})
        answer = json.dumps(
            {"alerts": [], "carrier": s, "movement": mid, "note": ""}, sort_keys=True
        )
        log.append(
            {
                "event_id": obs.event_id,
                "source": DEVICE,
                "answer": answer,
                "at": now,
                "digest": digest(obs),
            }
        )
    return moves, entries, log, (seq, prev)


def raw_round(engine: Engine, key: bytes, events: list[Observation]) -> float:
    """Seconds to insert the rows of ``events``, pre-built, with executemany (and move
    the ledger head on, as ingest does)."""
    with engine.connect() as conn:
        h = conn.execute(select(_HEAD.c.count, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).one()
    moves, entries, log, (seq, last) = _rows(
        events, key, (int(h.count), str(h.last_hash)), datetime.now(UTC)
    )
    c0, t0 = time.process_time(), time.perf_counter()
    with engine.begin() as conn:
        for t, rows in (
            (MovementRow.__table__, moves),
            (LedgerEntryRow.__table__, entries),
            (IngestRow.__table__, log),
        ):
            for i in range(0, len(rows), 1000):
                conn.execute(insert(t), rows[i : i + 1000])
        conn.execute(
            update(_HEAD)
            .where(_HEAD.c.id == 1)
            .values(count=seq, last_hash=last, mac=head_mac(key, seq, last))
        )
    CPU["raw"] = CPU.get("raw", 0.0) + time.process_time() - c0
    return time.perf_counter() - t0


def move_draft(obs: Observation, carrier: str, frm: str, to: str, now: datetime) -> EntryDraft:
    """The ledger draft ingest makes for a crossing by ``obs`` (alice carrying)."""
    return EntryDraft(
        Action.MOVE,
        now,
        DEVICE,
        carrier=carrier,
        from_place=frm,
        to_place=to,
        data={
            "door": obs.door,
            "direction": obs.direction,
            "people": ["alice"],
            "event": obs.event_id,
            "observed_at": obs.at,
            "source": "rfid",
            "current": True,
        },
    )


def seal_round(key: bytes, events: list[Observation]) -> float:
    """Seconds to seal one ledger entry per event (the draft as ingest makes it)."""
    now = datetime.now(UTC)
    drafts = [
        move_draft(obs, serial(1 + k), "secure", "corridor", now) for k, obs in enumerate(events)
    ]
    t0 = time.perf_counter()
    prev = "0" * 64
    for k, d in enumerate(drafts, 1):
        prev = seal(d, k, prev, key).hash
    return time.perf_counter() - t0


PHASES: dict[str, float] = {}


def _time_phases() -> None:
    """Wrap the parts of a batch with timers (``--phases``): where the time goes, as
    wall time per event. Nested parts are inside their parents (seal inside apply)."""
    from sqlalchemy.orm import Session

    from tracker.services import ingest_batch, movement
    from tracker.store import counters, ledger, uow

    def wrap(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def timed(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                PHASES[label] = PHASES.get(label, 0.0) + time.perf_counter() - t

        setattr(owner, name, timed)

    wrap(uow.SqlUnitOfWork, "__enter__", "begin (BEGIN IMMEDIATE / snapshot)")
    wrap(ingest_batch.BatchLookups, "__init__", "batch reads (all)")
    wrap(ingest_batch.BatchLookups, "_carriers", "  carriers by EPC")
    wrap(
        ingest_batch.BatchLookups,
        "_authorizations",
        "  borrows, circulations, carry-outs, meetings",
    )
    wrap(ingest_batch.BatchLookups, "_people", "  badges and people")
    wrap(counters.SqlIngestLog, "get_many", "  ingest log: event ids seen")
    wrap(movement, "digest", "event digest (idempotency)")
    wrap(movement, "_apply_one", "apply events (all)")
    wrap(movement, "evaluate_crossing", "  crossing rules")
    wrap(ledger, "seal_text", "  seal ledger entry (SHA-256 + HMAC)")
    wrap(movement.Outcome, "to_json", "  answer JSON")
    wrap(uow.SqlUnitOfWork, "commit", "commit (all)")
    wrap(counters.SqlIngestLog, "put_many", "  ingest-log rows (executemany)")
    wrap(ledger.SqlLedger, "flush", "  ledger rows + head (executemany)")
    wrap(Session, "commit", "  database COMMIT")


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed a fresh database of ``kind`` and run the interleaved rounds on it."""
    result: dict[str, Any] = {"db": kind, "rounds": []}
    with bench_database(kind, "bench_ingest", keep=args.keep) as url:
        built = build(url=url, site_file=EXAMPLE_SITE)
        svc, engine = built.services, built.engine
        key = svc.uow_factory()._key  # type: ignore[attr-defined]
        for pid, name, dept, clr, role, badge in CAST:
            people.add_person(svc, "cli:bench", pid, name, dept, clr, role)
            people.add_badge(svc, "cli:bench", pid, badge, BadgeKind.EM4100)
        seed(engine, key, args.carriers, 0, args.borrows)
        if kind == "postgres" and not args.no_analyze:
            # What autovacuum does within a minute of a bulk load: without statistics
            # the planner reads every open borrow by the state index for a batch's
            # borrows (20 ms instead of 1 ms per 100 carriers, measured).
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        # Warm-up: imports, statement caches, the site's places.
        ingest_round(
            svc, crossings(args.batch, args.borrows, datetime.now(UTC), "warm"), args.batch
        )
        profiler = cProfile.Profile() if args.profile else None
        PHASES.clear()
        CPU.clear()
        for r in range(args.rounds):
            now = datetime.now(UTC)
            evs = crossings(args.events, args.borrows, now, f"r{r}")
            raw_evs = crossings(args.events, args.borrows, now, f"raw{r}")
            if profiler is not None:
                profiler.enable()
            t_ingest = ingest_round(svc, evs, args.batch)
            if profiler is not None:
                profiler.disable()
            t_raw = raw_round(engine, key, raw_evs)
            t_seal = seal_round(key, evs)
            n = args.events
            row = {
                "ingest_per_s": round(n / t_ingest, 1),
                "raw_per_s": round(n / t_raw, 1),
                "ratio": round(t_raw / t_ingest, 3),
                "seal_per_s": round(n / t_seal, 1),
                "ingest_ms_per_event": round(1000 * t_ingest / n, 3),
                "seal_ms_per_event": round(1000 * t_seal / n, 3),
                "raw_ms_per_event": round(1000 * t_raw / n, 3),
                "load": load(),
                "t": (t_ingest, t_raw, t_seal),
            }
            result["rounds"].append(row)
            print(f"[{kind}] round {r + 1}: {row}", flush=True)
        ti = sum(x["t"][0] for x in result["rounds"])
        tr = sum(x["t"][1] for x in result["rounds"])
        ts = sum(x["t"][2] for x in result["rounds"])
        total = args.events * args.rounds
        result["ingest_per_s"] = round(total / ti, 1)
        result["raw_per_s"] = round(total / tr, 1)
        result["seal_per_s"] = round(total / ts, 1)
        result["ratio"] = round(tr / ti, 3)
        result["ratios"] = sorted(x["ratio"] for x in result["rounds"])
        # CPU seconds of this process: far less moved by other processes on a shared
        # machine than wall time. On SQLite that is nearly all the work; on PostgreSQL
        # the server's share is not in it.
        result["cpu_ratio"] = round(CPU["raw"] / CPU["ingest"], 3)
        result["cpu_us_per_event"] = {k: round(1e6 * v / total, 1) for k, v in CPU.items()}
        print(f"[{kind}] CPU of this process (µs per event): {result['cpu_us_per_event']}")
        if PHASES:
            result["phases_us_per_event"] = {
                k: round(1e6 * v / total, 1) for k, v in PHASES.items()
            }
            result["ingest_us_per_event"] = round(1e6 * ti / total, 1)
            result["raw_us_per_event"] = round(1e6 * tr / total, 1)
            print(
                f"[{kind}] where a batch's time goes (µs per event, ingest {1e6 * ti / total:.0f}"
                f", raw insert {1e6 * tr / total:.0f}):"
            )
            for k, v in result["phases_us_per_event"].items():
                print(f"    {v:8.1f}  {k}")
        with svc.read() as uow:
            result["verify_ok"] = uow.ledger.verify().ok  # the chain is still whole
        if profiler is not None:
            OUT.mkdir(parents=True, exist_ok=True)
            path = OUT / f"bench_ingest_{kind}.prof"
            profiler.dump_stats(str(path))
            st = pstats.Stats(profiler)
            st.sort_stats("cumulative").print_stats(45)
            st.sort_stats("tottime").print_stats(25)
        engine.dispose()
    return result


def main() -> None:
    """Run the benchmark on the databases asked for and print a Markdown table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--carriers", type=int, default=20_000)
    p.add_argument("--borrows", type=int, default=5_000)
    p.add_argument("--events", type=int, default=2_000, help="events per round")
    p.add_argument("--batch", type=int, default=100, help="events per batch (transaction)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--profile", action="store_true", help="cProfile the ingest rounds")
    p.add_argument("--phases", action="store_true", help="time the parts of a batch")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: measure before autovacuum has analysed the bulk-loaded tables",
    )
    args = p.parse_args()
    use_random_ledger_key()
    if args.phases:
        _time_phases()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    env = environment()
    results = [run_one(k, args) for k in kinds]
    rows = [
        (
            r["db"],
            r["ingest_per_s"],
            r["raw_per_s"],
            r["ratio"],
            " / ".join(f"{x:.3f}" for x in r["ratios"]),
            r["seal_per_s"],
            r["cpu_ratio"],
            r["verify_ok"],
        )
        for r in results
    ]
    print(
        table(
            rows,
            [
                "db",
                "ingest events/s",
                "raw insert events/s",
                "ingest / raw",
                "per round (sorted)",
                "seal only events/s",
                "CPU ingest / raw",
                "chain verifies",
            ],
        )
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for r in results:
        for x in r["rounds"]:
            x.pop("t", None)
    (OUT / "bench_ingest.json").write_text(
        json.dumps({"env": env, "args": vars(args), "results": results}, indent=2, default=str)
    )


if __name__ == "__main__":
    main()
