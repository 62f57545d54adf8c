"""Console benchmark: server time per page — dashboard, carrier search, carrier page,
inbox — with 100,000 carriers and 1,000 open alerts, p50 / p95, against the same data as
JSON from the API in the same run (the baseline).

    .venv/bin/python bench/bench_console.py                      # SQLite, full size
    .venv/bin/python bench/bench_console.py --db postgres
    .venv/bin/python bench/bench_console.py --carriers 10000 --requests 50   # a quick look

A fresh database is seeded by bulk inserts through the store's own tables (as
``bench_api.py`` does; on PostgreSQL then ``VACUUM ANALYZE``, as autovacuum would):
carriers (a twentieth out on borrow, a quarter of those overdue),
a sealed ledger (each carrier's receipt plus movements), ``--alerts`` open alerts of every
kind and severity about carriers, and requests waiting for the approver. A real
``tracker serve`` runs on 127.0.0.1; one client in this process asks page after page,
sequentially, so each figure is the server's time for one request plus a loopback round
trip (the same for both sides). The console logs in through its form once (session
cookie); the API uses a bearer token. Measuring starts once the scheduler's first overdue
sweep has raised the overdue alerts the seed leaves unraised (see :func:`settle`).

Baseline per page: the API requests that give a client the same data —
* dashboard: carrier totals per state and per level (``GET /api/v1/carriers?state=…&limit=1``),
  the overdue borrows, the open alerts (``limit=10``) — summed per page view;
* carrier search: ``GET /api/v1/carriers?q=…`` (the very function the console calls);
* carrier page: ``GET /api/v1/carriers/{serial}`` and ``…/history``;
* inbox: ``GET /api/v1/borrows?state=requested``, ``/carry-outs``, ``/copies``, ``/destructions``,
  ``/circulations``, ``/level-changes?state=requested``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import (
    EXAMPLE_SITE,
    OUT,
    environment,
    load,
    percentile,
    postgres_url,
    sqlite_url,
    table,
)
from _common import drop_postgres as _drop_pg
from bench_api import PASSWORD, Server, _insert, seed, seed_ledger, serial
from sqlalchemy import Engine

from api.security import Argon2Hasher
from tracker.bootstrap import build, open_store
from tracker.domain.model import (
    AlertState,
    AlertType,
    ApprovalState,
    BadgeKind,
    BorrowState,
    Severity,
    SubjectKind,
)
from tracker.services import accounts, people
from tracker.store.tables import AlertRow, BorrowRow, CopyRequestRow, DestructionRow

PG_DB = "tracker_bench_console"
CAST = [
    ("carol", "王机要", "office", "core", "custodian", "0100073EA7"),
    ("oscar", "赵保密", "office", "core", "officer", "0100073EA8"),
    ("ann", "钱领导", "leaders", "core", "approver", "0100073EA9"),
    ("alice", "李核心", "policy", "core", "staff", "0100073EAB"),
]
_TYPES = [t for t in AlertType if t is not AlertType.READER_OFFLINE]
_SEVERITY = [Severity.CRITICAL, Severity.WARNING, Severity.INFO]


def seed_alerts(engine: Engine, carriers: int, n: int) -> None:
    """``n`` open alerts about carriers, of every kind and severity."""
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        s = serial(1 + (i * 97) % carriers)
        kind = _TYPES[i % len(_TYPES)]
        rows.append(
            {
                "id": uuid.uuid4().hex,
                "type": kind,
                "severity": _SEVERITY[i % 3],
                "subject_kind": SubjectKind.CARRIER,
                "subject": s,
                "cause": f"{kind.value}:{s}:{i}",
                "rule": "R1",
                "first_seen": now - timedelta(minutes=n - i),
                "last_seen": now - timedelta(minutes=n - i),
                "count": 1,
                "state": AlertState.OPEN if i % 10 else AlertState.ACKNOWLEDGED,
                "details": {"message": f"bench alert {i} about {s}", "zh": f"测试告警 {i}：{s}"},
                "acknowledged_by": None,
                "acknowledged_at": None,
                "resolved_by": None,
                "resolved_at": None,
                "note": "",
                "escalation": 0,
            }
        )
    _insert(engine, AlertRow.__table__, rows)


def seed_requests(engine: Engine, carriers: int, borrows: int, n: int = 40) -> None:
    """Requests waiting for the approver: borrows, copies and destructions."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4().hex,
            "carrier": serial(borrows + 1 + i),
            "borrower": "alice",
            "destination": "reading",
            "purpose": "阅办",
            "requested_at": now - timedelta(minutes=i),
            "due_at": now + timedelta(hours=8),
            "requested_by": "alice",
            "state": BorrowState.REQUESTED,
            "approver": None,
            "decided_at": None,
            "decision_note": "",
            "checked_out_at": None,
            "checked_out_by": None,
            "returned_at": None,
            "returned_to": None,
            "circulation": None,
        }
        for i in range(n)
    ]
    _insert(engine, BorrowRow.__table__, rows)
    copies = [
        {
            "id": uuid.uuid4().hex,
            "original": serial(carriers - i),
            "count": 1,
            "reason": "分送",
            "requested_by": "alice",
            "requested_at": now - timedelta(minutes=i),
            "state": ApprovalState.REQUESTED,
            "approver": None,
            "decided_at": None,
            "copies": (),
        }
        for i in range(n // 4)
    ]
    _insert(engine, CopyRequestRow.__table__, copies)
    destructions = [
        {
            "id": uuid.uuid4().hex,
            "carriers": (serial(carriers - 100 - i),),
            "requested_by": "carol",
            "requested_at": now - timedelta(minutes=i),
            "place": "secure",
            "method": "粉碎",
            "reason": "到期",
            "state": ApprovalState.REQUESTED,
            "approver": None,
            "decided_at": None,
            "witnesses": (),
            "executed_at": None,
            "executed_by": None,
        }
        for i in range(n // 4)
    ]
    _insert(engine, DestructionRow.__table__, destructions)


def prepare(url: str, carriers: int, alerts: int, ledger: int) -> dict[str, Any]:
    """A database with the site, the cast and their logins, and the seeded records."""
    from tracker.domain.levels import Clearance
    from tracker.domain.model import Role

    engine, key, _ = open_store(url)
    borrows = carriers // 20
    t0 = time.perf_counter()
    seeded = seed(engine, key, carriers, ledger, borrows)
    seeded["ledger_s"] = seed_ledger([engine], key, carriers, ledger)
    seed_alerts(engine, carriers, alerts)
    seed_requests(engine, carriers, borrows)
    if engine.dialect.name == "postgresql":
        # A bulk load leaves no statistics and no visibility map until autovacuum comes
        # by; a database in service has both (index-only scans need the map).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    app = build(url=url, site_file=EXAMPLE_SITE)
    svc = app.services
    hasher = Argon2Hasher(time_cost=1, memory_kib=8, parallelism=1)
    for pid, name, dept, clr, role, badge in CAST:
        people.add_person(svc, "cli:bench", pid, name, dept, Clearance(clr), Role(role))
        people.add_badge(svc, "cli:bench", pid, badge, BadgeKind.EM4100)
        accounts.create_user(svc, "cli:bench", pid, pid, PASSWORD, hasher)
    app.engine.dispose()
    seeded["total_s"] = time.perf_counter() - t0
    return seeded


def console_client(base: str, who: str) -> httpx.Client:
    """A client logged in to the console through its form."""
    c = httpx.Client(base_url=base, timeout=60)
    page = c.get("/")
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert token, "no login form"
    r = c.post("/login", data={"username": who, "password": PASSWORD, "_csrf": token.group(1)})
    assert r.status_code == 303, r.text
    return c


def api_client(base: str, who: str) -> httpx.Client:
    """A client with a bearer token."""
    c = httpx.Client(base_url=base, timeout=60)
    tok = c.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD}).json()
    c.headers["Authorization"] = f"Bearer {tok['access_token']}"
    return c


def measure(fn: Callable[[int], None], n: int, warm: int = 10) -> list[float]:
    """Milliseconds of ``fn(i)`` for ``n`` requests after ``warm`` unmeasured ones."""
    for i in range(warm):
        fn(i)
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def settle(console: httpx.Client, api: httpx.Client, timeout: float = 480.0) -> float:
    """Wait until the scheduler's first overdue sweep has raised an alert for every
    overdue borrow the seed left without one (a one-off burst of ~1,250 alerts at the
    first 5-minute mark after start), so that no page's figures include that burst.
    Returns the seconds waited."""
    t0 = time.monotonic()
    found = re.search(r'data-count="overdue">(\d+)<', console.get("/console/").text)
    assert found, "no overdue tile on the dashboard"
    want = int(found.group(1))
    while time.monotonic() - t0 < timeout:
        r = api.get("/api/v1/alerts", params={"type": "overdue_borrow", "limit": 1})
        if r.status_code == 200 and r.json()["total"] >= want:
            time.sleep(5)  # the sweep's notifications and stream events drain
            return time.monotonic() - t0
        time.sleep(5)
    raise RuntimeError(f"the scheduler raised no overdue alerts in {timeout:.0f} s")


def _ok(r: httpx.Response) -> None:
    if r.status_code != 200:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:300]}")


def run(db: str, carriers: int, alerts: int, ledger: int, requests: int) -> dict[str, Any]:
    """Seed, serve, measure every page and its baseline."""
    url = sqlite_url("bench_console") if db == "sqlite" else postgres_url(PG_DB)
    env = {
        "TRACKER_DATABASE_URL": url,
        "TRACKER_SECRET_KEY": "bench-console-secret-key-0123456789abcdef",
        "TRACKER_LEDGER_KEY": secrets.token_hex(32),
        "TRACKER_ARGON2_TIME_COST": "1",
        "TRACKER_ARGON2_MEMORY_KIB": "8",
        "TRACKER_ARGON2_PARALLELISM": "1",
    }
    os.environ.update(env)
    seeded = prepare(url, carriers, alerts, ledger)
    server = Server(env)
    rnd = random.Random(7)
    try:
        carol, ann = console_client(server.base, "carol"), console_client(server.base, "ann")
        # Access tokens expire before a slow run ends: a fresh pair for each page.
        api = {who: api_client(server.base, who) for who in ("carol", "ann")}
        seeded["settle_s"] = round(settle(carol, api["carol"]), 1)
        print(f"scheduler's first overdue sweep done after {seeded['settle_s']} s", flush=True)
        serials = [serial(rnd.randint(1, carriers)) for _ in range(requests + 20)]
        words = [f"第{rnd.randint(1, carriers)}号" for _ in range(requests + 20)]
        states = [
            "registered",
            "in_safe",
            "out",
            "in_transit",
            "missing",
            "archived",
            "declassified",
            "destroyed",
        ]
        levels = ["top_secret", "secret", "confidential", "internal"]

        def dashboard_api(_: int) -> None:
            for s in states:
                _ok(api["carol"].get("/api/v1/carriers", params={"state": s, "limit": 1}))
            for lv in levels:
                _ok(api["carol"].get("/api/v1/carriers", params={"level": lv, "limit": 1}))
            _ok(api["carol"].get("/api/v1/borrows/overdue", params={"limit": 100}))
            _ok(api["carol"].get("/api/v1/alerts", params={"state": "open", "limit": 10}))

        def carrier_api(i: int) -> None:
            _ok(api["carol"].get(f"/api/v1/carriers/{serials[i]}"))
            _ok(api["carol"].get(f"/api/v1/carriers/{serials[i]}/history"))

        def inbox_api(_: int) -> None:
            _ok(api["ann"].get("/api/v1/borrows", params={"state": "requested", "limit": 200}))
            for path in ("/api/v1/carry-outs", "/api/v1/copies", "/api/v1/destructions"):
                _ok(api["ann"].get(path, params={"limit": 200}))
            _ok(api["ann"].get("/api/v1/circulations", params={"limit": 200}))
            _ok(api["ann"].get("/api/v1/level-changes", params={"state": "requested"}))

        pages: dict[str, tuple[Callable[[int], None], Callable[[int], None]]] = {
            "dashboard": (lambda _: _ok(carol.get("/console/")), dashboard_api),
            "carrier search": (
                lambda i: _ok(carol.get("/console/carriers", params={"q": words[i]})),
                lambda i: _ok(api["carol"].get("/api/v1/carriers", params={"q": words[i]})),
            ),
            "carrier page": (
                lambda i: _ok(carol.get(f"/console/carriers/{serials[i]}")),
                carrier_api,
            ),
            "inbox": (lambda _: _ok(ann.get("/console/inbox")), inbox_api),
        }
        results: dict[str, Any] = {}
        for name, (page, baseline) in pages.items():
            api.update({who: api_client(server.base, who) for who in api})
            ms = measure(page, requests)
            base_ms = measure(baseline, requests)
            results[name] = {
                "console_p50_ms": round(percentile(ms, 50), 1),
                "console_p95_ms": round(percentile(ms, 95), 1),
                "api_p50_ms": round(percentile(base_ms, 50), 1),
                "api_p95_ms": round(percentile(base_ms, 95), 1),
                "ratio_p50": round(percentile(ms, 50) / percentile(base_ms, 50), 2),
            }
            print(name, results[name], flush=True)
    finally:
        server.stop()
        if db == "postgres":
            _drop_pg(PG_DB)
    return {"seed": seeded, "pages": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--carriers", type=int, default=100_000)
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--ledger", type=int, default=0, help="ledger entries (default 2 a carrier)")
    ap.add_argument("--requests", type=int, default=200, help="measured requests per page")
    args = ap.parse_args()
    env = environment()
    ledger = args.ledger or 2 * args.carriers
    out = run(args.db, args.carriers, args.alerts, ledger, args.requests)
    rows = [
        [
            name,
            r["console_p50_ms"],
            r["console_p95_ms"],
            r["api_p50_ms"],
            r["api_p95_ms"],
            r["ratio_p50"],
        ]
        for name, r in out["pages"].items()
    ]
    print()
    print(
        f"{args.db}: {args.carriers:,} carriers, {args.alerts:,} open alerts, "
        f"{ledger:,} ledger entries; load {load()}"
    )
    print(
        table(
            rows,
            [
                "page",
                "console p50 ms",
                "console p95 ms",
                "API p50 ms",
                "API p95 ms",
                "console / API (p50)",
            ],
        )
    )
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"args": vars(args), "environment": env, **out}
    (OUT / f"bench_console_{args.db}.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
