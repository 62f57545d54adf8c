"""Alerts benchmark (issue 7): the time-driven rules over many open borrows, and alerts
per second through the whole path rule → store → email / webhook / stream.

    .venv/bin/python bench/bench_alerts.py                      # defaults below, SQLite
    .venv/bin/python bench/bench_alerts.py --db postgres
    .venv/bin/python bench/bench_alerts.py --borrows 10000 --overdue 500 --sweep-carriers 5000

Part 1 — scheduled jobs (``tracker.services.schedule.run_due``):

* seeding: ``--borrows`` open (checked-out) borrows, ``--overdue`` of them past due,
  spread over ``--people`` borrowers, and their carriers (state ``out``, in the reading
  room, held by the borrower). Seeded FAST with bulk SQLAlchemy Core inserts straight
  into the store's tables (people, carriers, borrows) — not through the use cases, which
  would take hours for 100,000 borrows and are measured in bench_core.py;
* the job marks of the other jobs are put in the future, so ``run_due`` runs ONLY the
  job measured: the overdue run (R4) three times — the first raises an alert per
  overdue borrow, the second (an hour later) sends a reminder for each, the third
  (5 min later) finds nothing to do (the steady state between reminders) — and one
  end-of-day sweep (R7) just after close of business, which raises an alert for every
  carrier not in a safe. The sweep covers ``--sweep-carriers`` of the borrowed carriers
  (the others are put in the state ``in_safe`` for it), one evening per size; the last
  size, 100,000, is every borrowed carrier (the issue's scenario). The baseline for the
  jobs is their own growth: the time per item at 1,000 / 10,000 items against 5,000 /
  100,000 in the same run (a quadratic job shows it at once; until commit c07e27a both
  jobs were, see RESULTS.md). Each run reports its wall time and the CPU time of this
  process (``time.process_time``: on a shared machine the less noisy of the two; the
  database server's own time is in the wall time only, on PostgreSQL).

Part 2 — alerts per second, end to end, on a fresh database with the example site:

* a real SMTP server (aiosmtpd) and a webhook receiver (``http.server``) on 127.0.0.1,
  and a ``services.bus`` subscriber (the API's stream listens there); notifications
  configured with ``dataclasses.replace(site, notifications=NotificationConfig(...))``:
  every alert to its catalogue audience by email, and every alert to the webhook;
* ``--alerts`` unknown tags crossing the secure room's door, applied with
  ``movement.apply_batch`` in batches of ``--batch`` (as a gateway sends them): one
  ``unknown tag`` alert each; then ``notify.delivery.deliver_due`` until the outbox is
  empty; what arrived at each receiver is counted. Reported: alerts/s end to end
  (first batch applied → last notification delivered), and each phase;
* baseline in the same run: the same number of bare sends with ``smtplib`` (a new
  connection per message, as ``SmtpSender`` does) and bare ``urllib`` POSTs to the same
  receivers — the channels' own speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import smtplib
import socket
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    bench_database,
    environment,
    load,
    services_on,
    use_random_ledger_key,
)
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, insert, select, update

from tracker.domain.clock import ManualClock
from tracker.domain.levels import Clearance, Level
from tracker.domain.model import (
    AlertState,
    Borrow,
    BorrowState,
    Carrier,
    CarrierState,
    DeliveryState,
    KnowledgeScope,
    Medium,
    Person,
    Role,
    new_id,
)
from tracker.domain.period import SecrecyPeriod
from tracker.domain.site import NotificationConfig, Route, Webhook
from tracker.notify.delivery import deliver_due
from tracker.notify.senders import senders_for
from tracker.services import people
from tracker.services.base import Event, Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.schedule import JOBS, RunReport, run_due
from tracker.store.tables import AlertRow, BorrowRow, CarrierRow, NotificationRow, PersonRow

SH = ZoneInfo("Asia/Shanghai")
RUN1 = datetime(2026, 11, 24, 16, 0, tzinfo=SH)  # a Tuesday afternoon
DUE_PAST = datetime(2026, 11, 24, 12, 0, tzinfo=SH)
DUE_LATER = datetime(2026, 11, 27, 17, 30, tzinfo=SH)
NEVER = datetime(2030, 1, 1, tzinfo=UTC)
HOOK_SECRET_ENV = "TRACKER_BENCH_HOOK_SECRET"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- receivers -----------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler counting messages and their recipients."""

    def __init__(self) -> None:
        self.messages = 0
        self.recipients: dict[str, int] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Count one message."""
        self.messages += 1
        for r in envelope.rcpt_tos:
            self.recipients[r] = self.recipients.get(r, 0) + 1
        return "250 OK"


class Hooks:
    """A webhook receiver on 127.0.0.1 counting POSTs (and their alerts)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.posts = 0
        self.alerts = 0
        self._lock = threading.Lock()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                n = len(json.loads(body).get("alerts", [])) if self.path == "/hook" else 0
                with hooks._lock:
                    hooks.posts += 1
                    hooks.alerts += n
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


def notification_config(smtp_port: int, hook_port: int) -> NotificationConfig:
    """Every alert to its catalogue audience by email; every alert to the webhook."""
    return NotificationConfig(
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        email_from="tracker@bench.example",
        webhooks=(Webhook("soc", f"http://127.0.0.1:{hook_port}/hook", HOOK_SECRET_ENV),),
        routes=(
            Route(frozenset({"*"}), "info", ("audience",)),
            Route(frozenset({"*"}), "info", ("webhook:soc",)),
        ),
        max_attempts=3,
    )


# --- part 1: scheduled jobs over many borrows --------------------------------------------------


def row_of(obj: Any) -> dict[str, Any]:
    """An entity's fields as a row (the tables have the same column names)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def seed(engine: Engine, n_borrows: int, n_overdue: int, n_people: int) -> None:
    """Bulk-insert borrowers, carriers out on borrow, and the open borrows."""
    step = max(1, n_borrows // max(1, n_overdue))
    overdue_left = n_overdue
    rng = random.Random(2026)  # borrowers at random, so the overdue ones are many people
    with engine.begin() as conn:
        persons = [
            Person(f"P{i:05d}", f"借阅人{i}", "policy", Clearance.CORE, Role.STAFF)
            for i in range(n_people)
        ]
        rows = []
        for p in persons:
            p.email = f"{p.id.lower()}@bench.example"
            rows.append(row_of(p))
        conn.execute(insert(PersonRow.__table__), rows)
    checked_out = RUN1 - timedelta(hours=6)
    chunk = 5000
    for start in range(0, n_borrows, chunk):
        carriers, borrows = [], []
        for i in range(start, min(start + chunk, n_borrows)):
            serial = f"BN-2026-{i:06d}"
            borrower = f"P{rng.randrange(n_people):05d}"
            overdue = overdue_left > 0 and i % step == 0
            overdue_left -= overdue
            c = Carrier(
                serial=serial,
                title=f"借阅载体{i}",
                medium=Medium.PAPER,
                level=Level.SECRET,
                period=SecrecyPeriod.years(10),
                classified_on=datetime(2026, 1, 5).date(),
                issuing_authority="某部办公厅",
                received_on=datetime(2026, 1, 6).date(),
                received_from="某部机要局",
                received_by="carol",
                scope=KnowledgeScope(frozenset(), frozenset({"policy"})),
                home_room="secure",
                home_safe="safe-s1",
                state=CarrierState.OUT,
                location="reading",
                holder=borrower,
                location_at=checked_out,
                epc=f"E2{i:022X}",
            )
            carriers.append(row_of(c) | {"version": 1})
            b = Borrow(
                id=new_id(),
                carrier=serial,
                borrower=borrower,
                destination="reading",
                purpose="阅办",
                requested_at=checked_out - timedelta(minutes=10),
                due_at=DUE_PAST if overdue else DUE_LATER,
                requested_by=borrower,
                state=BorrowState.OUT,
                approver="ann",
                decided_at=checked_out - timedelta(minutes=5),
                checked_out_at=checked_out,
                checked_out_by="carol",
            )
            borrows.append(row_of(b))
        with engine.begin() as conn:
            conn.execute(insert(CarrierRow.__table__), carriers)
            conn.execute(insert(BorrowRow.__table__), borrows)


def set_marks(svc: Services, marks: dict[str, datetime]) -> None:
    """Set the scheduler's last-run marks (so only the job measured is due)."""
    with svc.transaction() as tx:
        for job in JOBS:
            tx.uow.settings.put(f"schedule.{job}", marks.get(job, NEVER).isoformat())


def timed_run(svc: Services, job: str, now: datetime, last: datetime) -> dict[str, Any]:
    """Run ``job`` alone at ``now`` (its mark at ``last``); seconds and what it did."""
    set_marks(svc, {job: last})
    cpu, t = time.process_time(), time.perf_counter()
    reports: list[RunReport] = run_due(svc, now)
    seconds = time.perf_counter() - t
    cpu = time.process_time() - cpu
    assert [r.job for r in reports] == [job], reports
    r = reports[0]
    return {
        "job": job,
        "seconds": seconds,
        "cpu_s": cpu,
        "raised": r.raised,
        "reminded": r.reminded,
    }


def count(engine: Engine, table: Any, *where: Any) -> int:
    """Rows of ``table`` matching ``where``."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def part_jobs(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """For each number of overdue borrows: a fresh database, the borrows seeded, the
    overdue runs timed; then the end-of-day sweeps on the last one."""
    out: dict[str, Any] = {"borrows": args.borrows, "overdue": []}
    for i, n_overdue in enumerate(args.overdue):
        last = i == len(args.overdue) - 1
        with bench_database(kind, "bench_alerts_jobs", keep=args.keep and last) as url:
            clock = ManualClock(RUN1)
            engine, svc = services_on(url, clock)
            svc.site = dataclasses.replace(svc.site, notifications=notification_config(1, 1))
            try:
                t = time.perf_counter()
                seed(engine, args.borrows, n_overdue, args.people)
                seed_s = time.perf_counter() - t
                print(
                    f"[{kind}] seeded {args.borrows:,} borrows ({n_overdue:,} overdue) in "
                    f"{seed_s:.0f} s",
                    flush=True,
                )
                runs = []
                for now, mark, what in (
                    (RUN1, RUN1 - timedelta(minutes=5), "first run: raises"),
                    (RUN1 + timedelta(hours=1), RUN1, "an hour later: reminds"),
                    (RUN1 + timedelta(minutes=65), RUN1 + timedelta(hours=1), "5 min later: idle"),
                ):
                    clock.set(now)
                    r = timed_run(svc, "overdue", now, mark)
                    r["what"], r["load"] = what, load()
                    runs.append(r)
                    print(
                        f"[{kind}]   overdue run ({what}): {r['seconds']:.2f} s "
                        f"(CPU {r['cpu_s']:.2f} s), raised "
                        f"{r['raised']:,}, reminded {r['reminded']:,}; load {r['load']}",
                        flush=True,
                    )
                out["overdue"].append(
                    {
                        "overdue": n_overdue,
                        "seed_s": seed_s,
                        "runs": runs,
                        "notifications": count(engine, NotificationRow.__table__),
                    }
                )
                if last:
                    out["sweeps"] = sweeps(kind, engine, svc, clock, args)
            finally:
                engine.dispose()
    return out


def sweeps(
    kind: str, engine: Engine, svc: Services, clock: ManualClock, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """End-of-day sweeps over growing numbers of loose carriers, each on its own evening.

    The carriers not swept are moved to the state ``in_safe`` for the sweep (directly in
    the table), so the borrows stay as seeded and only the number of loose carriers
    changes; alerts of the previous sweep are resolved the same way in between."""
    out = []
    sizes = sorted({min(s, args.borrows) for s in args.sweep_carriers})
    close = datetime(2026, 11, 24, 17, 30, tzinfo=SH)
    for day, size in enumerate(sizes):
        evening = close + timedelta(days=day)
        while evening.weekday() >= 5:
            evening += timedelta(days=1)
        serials = [f"BN-2026-{i:06d}" for i in range(size)]
        with engine.begin() as conn:
            c = CarrierRow.__table__.c
            conn.execute(update(CarrierRow.__table__).values(state=CarrierState.IN_SAFE))
            for i in range(0, size, 5000):
                conn.execute(
                    update(CarrierRow.__table__)
                    .where(c.serial.in_(serials[i : i + 5000]))
                    .values(state=CarrierState.OUT)
                )
            conn.execute(update(AlertRow.__table__).values(state=AlertState.RESOLVED))
        now = evening + timedelta(minutes=1)
        clock.set(now)
        r = timed_run(svc, "end_of_day", now, evening - timedelta(hours=1))
        r["loose_carriers"] = size
        r["load"] = load()
        r["alerts_per_s"] = r["raised"] / r["seconds"] if r["seconds"] else None
        out.append(r)
        print(
            f"[{kind}] end-of-day sweep over {size:,} loose carriers: {r['seconds']:.2f} s "
            f"(CPU {r['cpu_s']:.2f} s) "
            f"({r['raised']:,} raised), load {r['load']}",
            flush=True,
        )
        if r["seconds"] > args.sweep_limit:
            print(f"[{kind}] sweep took over {args.sweep_limit} s: not trying larger", flush=True)
            break
    return out


# --- part 2: alerts per second through the whole path ------------------------------------------


def part_path(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Raise ``--alerts`` alerts, deliver them, count arrivals, and the bare baseline."""
    os.environ[HOOK_SECRET_ENV] = "bench-secret"
    inbox = Inbox()
    smtp_port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    ctl.start()
    hooks = Hooks()
    stream: list[Event] = []
    out: dict[str, Any] = {"alerts": args.alerts, "batch": args.batch}
    try:
        with bench_database(kind, "bench_alerts_path", keep=args.keep) as url:
            clock = ManualClock(RUN1, speed=1.0)
            engine, svc = services_on(url, clock)
            try:
                svc.site = dataclasses.replace(
                    svc.site, notifications=notification_config(smtp_port, hooks.port)
                )
                for pid in ("carol", "oscar"):
                    people.update_person(svc, "cli:bench", pid, email=f"{pid}@bench.example")
                unsubscribe = svc.bus.subscribe(
                    lambda ev: stream.append(ev) if ev.kind == "alert" else None
                )
                senders = senders_for(svc.site.notifications)
                out["load_before"] = load()
                t0 = time.perf_counter()
                for start in range(0, args.alerts, args.batch):
                    batch = [
                        Observation(
                            f"bench-{i}",
                            "crossing",
                            clock.now(),
                            code=f"AD{i:022X}",
                            door="door-secure",
                            direction="out",
                        )
                        for i in range(start, min(start + args.batch, args.alerts))
                    ]
                    apply_batch(svc, "gw-bench", batch)
                t1 = time.perf_counter()
                delivered = 0
                while True:
                    sent = deliver_due(svc, senders)
                    delivered += sent
                    pending = count(
                        engine,
                        NotificationRow.__table__,
                        NotificationRow.__table__.c.state == DeliveryState.PENDING,
                    )
                    if not pending or not sent:
                        break
                t2 = time.perf_counter()
                unsubscribe()
                notes = count(engine, NotificationRow.__table__)
                failed = count(
                    engine,
                    NotificationRow.__table__,
                    NotificationRow.__table__.c.state != DeliveryState.SENT,
                )
                stored = count(engine, AlertRow.__table__)
            finally:
                engine.dispose()
        time.sleep(0.2)  # the SMTP server's handler runs in its own loop thread
        out.update(
            {
                "alerts_stored": stored,
                "stream_events": len(stream),
                "notifications": notes,
                "not_sent": failed,
                "delivered": delivered,
                "emails_received": inbox.messages,
                "email_recipients": dict(inbox.recipients),
                "webhook_posts": hooks.posts,
                "webhook_alerts": hooks.alerts,
                "raise_s": t1 - t0,
                "deliver_s": t2 - t1,
                "total_s": t2 - t0,
                "alerts_per_s": args.alerts / (t2 - t0),
                "raise_alerts_per_s": args.alerts / (t1 - t0),
                "deliver_notifications_per_s": delivered / (t2 - t1),
            }
        )
        out["baseline"] = bare_channels(smtp_port, hooks.port, args.alerts)
        slowest = min(out["baseline"]["smtp_per_s"], out["baseline"]["webhook_per_s"])
        # Each alert is one email and one webhook: the bare channels' combined ceiling.
        both = 1 / (1 / out["baseline"]["smtp_per_s"] + 1 / out["baseline"]["webhook_per_s"])
        out["baseline"]["both_channels_per_s"] = both
        out["ratio_vs_bare_channels"] = out["alerts_per_s"] / both
        out["slowest_bare_channel_per_s"] = slowest
        out["load_after"] = load()
    finally:
        hooks.close()
        ctl.stop()
    return out


def bare_channels(smtp_port: int, hook_port: int, n: int) -> dict[str, float]:
    """The channels alone: ``n`` emails with smtplib (new connection each) and ``n``
    webhook POSTs with urllib, to the same receivers."""
    body = "- 【警告】未登记标签（新告警）：在door-secure发现未登记的标签或条码\n" * 2
    t = time.perf_counter()
    for i in range(n):
        msg = EmailMessage()
        msg["From"], msg["To"] = "tracker@bench.example", "carol@bench.example"
        msg["Subject"] = f"【警告】涉密载体管理告警 1 条 ({i})"
        msg.set_content(body)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as s:
            s.send_message(msg)
    smtp_s = time.perf_counter() - t
    payload = json.dumps({"run": "bare", "alerts": [{"alert": "x" * 32}]}).encode()
    t = time.perf_counter()
    for _ in range(n):
        req = urllib.request.Request(
            f"http://127.0.0.1:{hook_port}/bare",
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
    hook_s = time.perf_counter() - t
    return {"smtp_per_s": n / smtp_s, "webhook_per_s": n / hook_s}


# --- main ----------------------------------------------------------------------------------


def report(kind: str, r: dict[str, Any]) -> None:
    """Print the figures of one database."""
    print(f"\n== {kind} ==")
    jobs = r.get("jobs")
    if jobs:
        for o in jobs["overdue"]:
            print(f"{jobs['borrows']:,} open borrows, {o['overdue']:,} overdue (seeded in bulk)")
            for run in o["runs"]:
                print(
                    f"  overdue run, {run['what']:24s} {run['seconds']:8.2f} s "
                    f"(CPU {run['cpu_s']:.2f} s)  raised "
                    f"{run['raised']:,}, reminded {run['reminded']:,}  (load {run['load']})"
                )
        for s in jobs.get("sweeps", []):
            print(
                f"  end-of-day sweep, {s['loose_carriers']:>7,} loose carriers "
                f"{s['seconds']:8.2f} s (CPU {s['cpu_s']:.2f} s) raised {s['raised']:,}  "
                f"(load {s['load']})"
            )
    p = r.get("path")
    if p:
        b = p["baseline"]
        print(
            f"{p['alerts']:,} unknown-tag alerts in batches of {p['batch']}: stored "
            f"{p['alerts_stored']:,}, stream events {p['stream_events']:,}, notifications "
            f"{p['notifications']:,} ({p['not_sent']} not sent), emails received "
            f"{p['emails_received']:,}, webhook posts {p['webhook_posts']:,}"
        )
        print(
            f"  end to end {p['alerts_per_s']:.1f} alerts/s ({p['total_s']:.1f} s): raise + store "
            f"{p['raise_alerts_per_s']:.1f} alerts/s, delivery "
            f"{p['deliver_notifications_per_s']:.1f} notifications/s"
        )
        print(
            f"  bare channels: smtplib {b['smtp_per_s']:.1f}/s, urllib POST "
            f"{b['webhook_per_s']:.1f}/s, both per alert {b['both_channels_per_s']:.1f}/s; "
            f"end to end / bare = {p['ratio_vs_bare_channels']:.2f}"
        )
        print(f"  load before {p['load_before']}, after {p['load_after']}")


def main() -> None:
    """Parse the options, run, print and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--borrows", type=int, default=100_000)
    ap.add_argument(
        "--overdue",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 5000],
        help="comma-separated numbers of overdue borrows, each on a fresh database",
    )
    ap.add_argument("--people", type=int, default=1_000, help="borrowers")
    ap.add_argument(
        "--sweep-carriers",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 100_000],
        help="comma-separated numbers of loose carriers to sweep",
    )
    ap.add_argument("--sweep-limit", type=float, default=240.0, help="stop growing past this (s)")
    ap.add_argument("--alerts", type=int, default=1_000, help="alerts through the whole path")
    ap.add_argument("--batch", type=int, default=50, help="observations per apply_batch")
    ap.add_argument("--part", choices=["jobs", "path", "both"], default="both")
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args()
    use_random_ledger_key()
    out: dict[str, Any] = {"env": environment(), "args": vars(args) | {"json": str(args.json)}}
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        out[kind] = {}
        if args.part in ("jobs", "both"):
            out[kind]["jobs"] = part_jobs(kind, args)
        if args.part in ("path", "both"):
            out[kind]["path"] = part_path(kind, args)
        report(kind, out[kind])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
