"""HTTP throughput of where-is and healthz against a bare FastAPI app (issue 16, goal 1).

    .venv/bin/python bench/bench_http.py --json bench/out/bench_http.json
    .venv/bin/python bench/bench_http.py --db postgres --rounds 3

Set-up (not timed): a fresh database (SQLite file bench/out/bench_http.db, or PostgreSQL
``tracker_bench_http``) with the example site, the cast, a custodian login and
``--carriers`` carriers bulk-inserted (bench_api.seed); a real ``tracker serve``
(uvicorn, one process) on 127.0.0.1; one carrier's where-is answer is saved and a bare
FastAPI app (bench/bare_app.py: same uvicorn settings, async endpoints, no auth, no
database, no middleware) returns that JSON for every serial, and ``{"status": "ok",
"database": "ok"}`` for ``/healthz``.

Timed with wrk (Debian's ``wrk``, a second process; ``--threads`` threads,
``--connections`` keep-alive connections, ``--seconds`` a run): ``GET
/api/v1/carriers/{serial}`` with the custodian's bearer token and a random serial per
request (a Lua script), and ``GET /healthz``; each against the service and the bare app
in turn, ``--rounds`` times, the order swapped every round; the ratio is the median
service rate over the median bare rate, and beside it the median of each round's
service rate over the bare rate of the same round, and each server's CPU time per
request (from /proc: the load of other processes moves it less than it moves rates).
Then one client (``-c 1``): p50 and p99.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import CAST, EXAMPLE_SITE, OUT, ROOT, drop_postgres, environment, load, table
from _common import postgres_url as pg_url
from _common import sqlite_url as lite_url
from bench_api import PASSWORD, Server, free_port, seed, serial

from tracker.bootstrap import build
from tracker.domain.model import BadgeKind
from tracker.services import accounts, people

PG_DB = "tracker_bench_http"
LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def prepare(kind: str, carriers: int, key: bytes) -> str:
    """A fresh database with the site, the cast, carol's login and the carriers."""
    url = lite_url("bench_http") if kind == "sqlite" else pg_url(PG_DB)
    built = build(url=url, site_file=EXAMPLE_SITE)
    svc = built.services
    from api.security import Argon2Hasher

    for pid, name, dept, clr, role, badge in CAST:
        people.add_person(svc, "cli:bench", pid, name, dept, clr, role)
        people.add_badge(svc, "cli:bench", pid, badge, BadgeKind.EM4100)
    accounts.create_user(svc, "cli:bench", "carol", "carol", PASSWORD, Argon2Hasher())
    seed(built.engine, key, carriers, 0, 0)
    if kind != "sqlite":
        # Statistics as autovacuum would have them on a working database: straight after
        # a bulk load the planner may take the serials' trigram index for `= ANY(...)`.
        with built.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    built.engine.dispose()
    return url


def export(rev: str) -> Path:
    """The code of git revision ``rev`` under bench/out (byte-compiled), to serve from."""
    src = OUT / "http-rev"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    for package in ("tracker", "api", "drivers", "labels"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", package], cwd=src, check=True)
    return src


class Bare:
    """bench/bare_app.py in a subprocess."""

    def __init__(self, body: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        script = ROOT / "bench" / "bare_app.py"
        cmd = [sys.executable, str(script), "--port", str(self.port), "--body", str(body)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare app did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    base: str, path: str, args: argparse.Namespace, *, one: bool = False, pid: int = 0, **env: str
) -> Any:
    """One wrk run; requests/s, latency percentiles (ms), non-2xx answers, and the CPU
    time the server (process ``pid``) spent per request."""
    threads, conns = (1, 1) if one else (args.threads, args.connections)
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{args.seconds}s", "--latency"]
    if "BENCH_TOKEN" in env:
        cmd += ["-H", f"Authorization: Bearer {env['BENCH_TOKEN']}"]
    if "BENCH_PATHS" in env:
        cmd += ["-s", str(OUT / "bench_http.lua")]
    cpu = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(
        [*cmd, base + path], capture_output=True, text=True, check=True, env={**os.environ, **env}
    ).stdout
    cpu = cpu_seconds(pid) - cpu if pid else 0.0
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk said:\n{out}")
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)$", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    count = int(total.group(1)) if total else 0
    return {
        "req_per_s": float(found.group(1)),
        "cpu_us_per_req": round(cpu / count * 1e6, 1) if count and pid else None,
        "p50_ms": _ms(lat.get("50", "nan")),
        "p99_ms": _ms(lat.get("99", "nan")),
        "errors": int(bad.group(1)) if bad else 0,
    }


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def measure(
    service: str, bare: str, token: str, args: argparse.Namespace, pids: dict[str, int]
) -> dict[str, Any]:
    """Both endpoints against both apps, interleaved, and one client on each."""
    where = {"BENCH_TOKEN": token, "BENCH_PATHS": str(OUT / "bench_http_paths.txt")}
    cases = {"where-is": ("/api/v1/carriers/x", where), "healthz": ("/healthz", {})}
    out: dict[str, Any] = {}
    for name, (path, env) in cases.items():
        runs: dict[str, list[dict[str, Any]]] = {"service": [], "bare": []}
        for r in range(args.rounds):
            order = [("service", service), ("bare", bare)]
            for who, base in order if r % 2 == 0 else order[::-1]:
                runs[who].append(wrk(base, path, args, pid=pids[who], **env))
                print(f"  {name} {who}: {runs[who][-1]}", flush=True)
        one = {who: wrk(base, path, args, one=True, **env) for who, base in order}
        svc = statistics.median(x["req_per_s"] for x in runs["service"])
        base_rate = statistics.median(x["req_per_s"] for x in runs["bare"])
        out[name] = {
            "service": runs["service"],
            "bare": runs["bare"],
            "service_req_per_s": round(svc, 1),
            "bare_req_per_s": round(base_rate, 1),
            "ratio": round(svc / base_rate, 3),
            # Each round's service run over the bare run beside it (the load on a shared
            # machine drifts between rounds more than within one).
            "paired_ratio": round(
                statistics.median(
                    s["req_per_s"] / b["req_per_s"]
                    for s, b in zip(runs["service"], runs["bare"], strict=True)
                ),
                3,
            ),
            "one_client": one,
            "errors": sum(x["errors"] for x in runs["service"] + runs["bare"]),
            # The server's own CPU time per request: less moved by the load of others.
            "cpu_us_per_req": {
                who: statistics.median(x["cpu_us_per_req"] for x in runs[who]) for who in runs
            },
        }
    return out


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--carriers", type=int, default=10_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--seconds", type=int, default=6)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--rev", help="run the service from this git revision (e.g. the code before)")
    p.add_argument("--json", type=Path, default=OUT / "bench_http.json")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    os.environ["TRACKER_LEDGER_KEY"] = key.hex()
    (OUT / "bench_http.lua").write_text(LUA, encoding="utf-8")
    rng = random.Random(1)
    paths = [f"/api/v1/carriers/{serial(rng.randint(1, args.carriers))}" for _ in range(10_000)]
    (OUT / "bench_http_paths.txt").write_text("\n".join(paths) + "\n", encoding="utf-8")
    url = prepare(args.db, args.carriers, key)
    env = {
        "TRACKER_DATABASE_URL": url,
        "TRACKER_LEDGER_KEY": key.hex(),
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_LOG_LEVEL": "WARNING",
    }
    if args.rev:
        env["PYTHONPATH"] = str(export(args.rev))
    report: dict[str, Any] = {"environment": environment(), "args": vars(args) | {"json": ""}}
    server = Server(env)
    bare: Bare | None = None
    try:
        tok = httpx.post(
            f"{server.base}/api/v1/auth/token", data={"username": "carol", "password": PASSWORD}
        ).json()["access_token"]
        answer = httpx.get(f"{server.base}{paths[0]}", headers={"Authorization": f"Bearer {tok}"})
        answer.raise_for_status()
        body = OUT / "bare_body.json"
        body.write_text(answer.text, encoding="utf-8")
        bare = Bare(body)
        report["load_start"] = load()
        pids = {"service": server.proc.pid, "bare": bare.proc.pid}
        report["results"] = measure(server.base, bare.base, tok, args, pids)
        report["load_end"] = load()
    finally:
        server.stop()
        if bare is not None:
            bare.stop()
        if args.db == "postgres" and not args.keep:
            drop_postgres(PG_DB)
    args.json.write_text(json.dumps(report, indent=2, default=str))
    rows = []
    for name, r in report["results"].items():
        one = r["one_client"]
        rows.append(
            [
                name,
                r["service_req_per_s"],
                r["bare_req_per_s"],
                r["ratio"],
                r["paired_ratio"],
                f"{r['cpu_us_per_req']['service']:.0f} / {r['cpu_us_per_req']['bare']:.0f}",
                f"{one['service']['p50_ms']:.2f} / {one['service']['p99_ms']:.1f}",
                f"{one['bare']['p50_ms']:.2f} / {one['bare']['p99_ms']:.1f}",
                r["errors"],
            ]
        )
    print(
        table(
            rows,
            [
                f"{args.db}: endpoint",
                f"service req/s ({args.connections} conns)",
                "bare FastAPI req/s",
                "ratio",
                "median of paired ratios",
                "server CPU µs a request (service / bare)",
                "one client p50 / p99 ms",
                "bare one client p50 / p99 ms",
                "errors",
            ],
        )
    )
    print(f"load {report['load_start']} → {report['load_end']}")


if __name__ == "__main__":
    main()
