"""Where the console's dashboard and inbox spend their time: the pages asked in process
(FastAPI's TestClient, no server, no loopback) on the bench database of
``bench_console.py``, timed and profiled with cProfile, and the dashboard's parts timed
one by one.

    .venv/bin/python bench/profile_console.py                  # SQLite, seeds ~2-4 min
    .venv/bin/python bench/profile_console.py --reuse          # the database of the last run
    .venv/bin/python bench/profile_console.py --db postgres    # database bench_console_prof

The seed is ``bench_console.prepare`` (100,000 carriers, 1,000 open alerts, 60 requests);
the scheduler's overdue sweep is run once in process first, as the benchmark waits for
it. Prints per page the median and p95 of ``--requests`` requests, then the profile's
top functions by cumulative time (``--top``), then the dashboard's parts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EXAMPLE_SITE, OUT, load, percentile, postgres_url, sqlite_url
from _common import drop_postgres as _drop_pg
from bench_api import PASSWORD, serial
from bench_console import prepare
from fastapi.testclient import TestClient

from api.app import create_app
from api.console import web
from api.settings import ApiSettings
from tracker.bootstrap import build
from tracker.domain.model import AlertState
from tracker.services import dashboard, schedule

PG_DB = "bench_console_prof"
ENV = {
    "TRACKER_SECRET_KEY": "bench-console-secret-key-0123456789abcdef",
    "TRACKER_LEDGER_KEY": "ab" * 32,
    "TRACKER_ARGON2_TIME_COST": "1",
    "TRACKER_ARGON2_MEMORY_KIB": "8",
    "TRACKER_ARGON2_PARALLELISM": "1",
}


def login(client: TestClient, who: str) -> None:
    """Log ``client`` in through the console's form."""
    page = client.get("/")
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert token, "no login form"
    r = client.post("/login", data={"username": who, "password": PASSWORD, "_csrf": token.group(1)})
    assert r.status_code == 303, r.text


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Milliseconds of ``n`` calls of ``fn`` (after two unmeasured)."""
    fn()
    fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


_PROFILE: list[cProfile.Profile] = []


def _profiled_threadpool() -> None:
    """Profile what the console runs in its worker threads (the session check, the page
    function, the error pages): TestClient serves in another thread than the caller's,
    and a profiler sees only the thread it was enabled in."""
    original = web.run_in_threadpool

    async def run(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        def inner() -> Any:
            if not _PROFILE:
                return fn(*args, **kw)
            _PROFILE[0].enable()
            try:
                return fn(*args, **kw)
            finally:
                _PROFILE[0].disable()

        return await original(inner)

    web.run_in_threadpool = run  # type: ignore[assignment]


def profile(fn: Callable[[], Any], n: int, top: int) -> str:
    """cProfile (in the worker threads) of ``n`` calls of ``fn``: the ``top`` functions
    by cumulative time."""
    prof = cProfile.Profile()
    _PROFILE.append(prof)
    try:
        for _ in range(n):
            fn()
    finally:
        _PROFILE.clear()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def summary(name: str, ms: list[float]) -> str:
    """``name: p50 / p95 ms``."""
    return f"{name:<28} p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--carriers", type=int, default=100_000)
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    ap.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    ap.add_argument(
        "--service",
        action="store_true",
        help="run the scheduler and notification delivery in process, as tracker serve does",
    )
    args = ap.parse_args()
    os.environ.update(ENV)
    path = OUT / "profile_console.db"
    if args.db == "sqlite":
        url = f"sqlite:///{path}" if args.reuse and path.exists() else sqlite_url("profile_console")
    else:
        url = postgres_url(PG_DB) if not args.reuse else _pg_url()
    os.environ["TRACKER_DATABASE_URL"] = url
    if not args.reuse:
        t = time.perf_counter()
        prepare(url, args.carriers, args.alerts, 2 * args.carriers)
        print(f"seeded in {time.perf_counter() - t:.0f} s", flush=True)
    built = build(url=url, site_file=EXAMPLE_SITE)
    svc = built.services
    schedule.run_due(svc)  # the overdue sweep's alerts, as bench_console waits for them
    workers: list[Any] = []
    if args.service:
        from tracker.notify.delivery import DeliveryWorker
        from tracker.notify.senders import senders_for
        from tracker.scheduler import Scheduler

        workers = [
            Scheduler(svc).start(),
            DeliveryWorker(svc, senders_for(svc.site.notifications)).start(),
        ]
    try:
        with svc.read() as uow:
            n_alerts = uow.alerts.count(state=[AlertState.OPEN, AlertState.ACKNOWLEDGED])
        print(f"{args.db}: {n_alerts} open alerts; load {load()}", flush=True)
        _profiled_threadpool()
        app = create_app(svc, ApiSettings())
        carol = TestClient(app, base_url="http://testserver", follow_redirects=False)
        ann = TestClient(app, base_url="http://testserver", follow_redirects=False)
        login(carol, "carol")
        login(ann, "ann")

        def get(client: TestClient, url: str) -> Callable[[], Any]:
            def fn() -> None:
                r = client.get(url)
                assert r.status_code == 200, r.text[:300]

            return fn

        pages = {
            "dashboard (carol)": get(carol, "/console/"),
            "dashboard (ann)": get(ann, "/console/"),
            "inbox (ann)": get(ann, "/console/inbox"),
            "carrier search (carol)": get(carol, "/console/carriers?q=%E7%AC%AC54321%E5%8F%B7"),
            "carrier page (carol)": get(carol, "/console/carriers/" + serial(54321)),
        }
        for name, fn in pages.items():
            print(summary(name, timed(fn, args.requests)), flush=True)
        print()
        for name, fn in pages.items():
            print(f"=== cProfile: {name}, {args.requests} requests")
            print(profile(fn, args.requests, args.top), flush=True)
        parts: dict[str, Callable[[], Any]] = {
            "figures": lambda: dashboard.figures(svc),
            "devices": lambda: dashboard.devices(svc),
            "recent_movements": lambda: dashboard.recent_movements(svc, 12),
            "held": lambda: dashboard.held(svc, 50),
            "pending_approvals": lambda: dashboard.pending_approvals(svc),
        }
        print("=== the dashboard's parts")
        for name, fn in parts.items():
            print(summary(name, timed(fn, args.requests)), flush=True)
        print(f"load {load()}")
    finally:
        for w in workers:
            w.stop()
        built.engine.dispose()
        if args.db == "postgres" and not args.keep:
            _drop_pg(PG_DB)


def _pg_url() -> str:
    from _common import _pg_server

    return _pg_server().set(database=PG_DB).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
