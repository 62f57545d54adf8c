"""Where the time of where-is and healthz goes under load: bench_http.py's set-up, a
real ``tracker serve``, wrk at 50 connections, and py-spy sampling the server.

    .venv/bin/python bench/profile_http.py --path where-is --seconds 10
    .venv/bin/python bench/profile_http.py --path healthz --db postgres

py-spy is not a project dependency (``.venv/bin/pip install py-spy``). Prints the
functions with the most samples, inclusive (on the stack) and own (on top), over every
thread of the server (``--idle`` off: a thread waiting for work is not counted), and
keeps the raw collapsed stacks in ``bench/out/profile_http_<path>.txt``.
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import OUT, drop_postgres
from bench_api import PASSWORD, Server, serial
from bench_http import LUA, PG_DB, prepare


def summarise(raw: Path, top: int) -> None:
    """The functions with the most samples, inclusive and own."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f.split(" (")[0] + " " + _where(f) for f in stack.split(";")[1:]]
        total += n
        for f in set(frames):
            inclusive[f] += n
        if frames:
            own[frames[-1]] += n
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("own", own)):
        print(f"\n-- {title} --")
        for f, n in counter.most_common(top):
            print(f"{100 * n / max(total, 1):5.1f} %  {f}")


def _where(frame: str) -> str:
    # "fn (path/to/file.py:12)" -> "file.py"
    inside = frame.partition(" (")[2].rstrip(")")
    return Path(inside.split(":")[0]).name


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--path", choices=["where-is", "healthz"], default="where-is")
    p.add_argument("--carriers", type=int, default=10_000)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists() or shutil.which("wrk") is None:
        sys.exit("needs py-spy in the venv and wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    os.environ["TRACKER_LEDGER_KEY"] = key.hex()
    (OUT / "bench_http.lua").write_text(LUA, encoding="utf-8")
    paths = [f"/api/v1/carriers/{serial(i % args.carriers + 1)}" for i in range(1, 5000)]
    (OUT / "bench_http_paths.txt").write_text("\n".join(paths) + "\n", encoding="utf-8")
    url = prepare(args.db, args.carriers, key)
    env = {
        "TRACKER_DATABASE_URL": url,
        "TRACKER_LEDGER_KEY": key.hex(),
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_LOG_LEVEL": "WARNING",
    }
    server = Server(env)
    raw = OUT / f"profile_http_{args.path}.txt"
    try:
        tok = httpx.post(
            f"{server.base}/api/v1/auth/token", data={"username": "carol", "password": PASSWORD}
        ).json()["access_token"]
        wrk = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s"]
        if args.path == "where-is":
            wrk += ["-H", f"Authorization: Bearer {tok}", "-s", str(OUT / "bench_http.lua")]
            target = f"{server.base}/api/v1/carriers/x"
        else:
            target = f"{server.base}/healthz"
        rec = subprocess.Popen(
            [
                *(str(spy), "record", "--pid", str(server.proc.pid), "--rate", "100"),
                *("--nonblocking", "--format", "raw", "--output", str(raw)),
                *("--duration", str(args.seconds)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [*wrk, target],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "BENCH_PATHS": str(OUT / "bench_http_paths.txt")},
        ).stdout
        rec.wait(60)
        print(out)
    finally:
        server.stop()
        if args.db == "postgres":
            drop_postgres(PG_DB)
    summarise(raw, args.top)


if __name__ == "__main__":
    main()
