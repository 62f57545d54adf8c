"""The CPU time of one where-is or healthz request inside the app, without sockets:
the ASGI app called directly in one event loop, against the bare app of bare_app.py
(the same JSON) in the same run; a profile of the service's requests with ``--profile``.

    .venv/bin/python bench/profile_http_asgi.py --requests 3000
    .venv/bin/python bench/profile_http_asgi.py --profile --path where-is

CPU time (``time.process_time``) is less disturbed by other load on the machine than
wall time; what the network and uvicorn add is the same for both apps.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import drop_postgres
from bare_app import make
from bench_api import PASSWORD, serial
from bench_http import PG_DB, prepare
from fastapi import FastAPI

from api.app import create_app
from api.settings import ApiSettings
from tracker.bootstrap import build
from tracker.services import accounts


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One GET through the ASGI interface; (status, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"]


async def run(app: Any, paths: list[str], headers: list[tuple[bytes, bytes]]) -> float:
    """CPU seconds per request over ``paths``, one at a time."""
    t0 = time.process_time()
    for p in paths:
        status, _ = await call(app, p, headers)
        assert status == 200, status
    return (time.process_time() - t0) / len(paths)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--path", choices=["where-is", "healthz"], default="where-is")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--carriers", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    key = secrets.token_bytes(32)
    os.environ["TRACKER_LEDGER_KEY"] = key.hex()
    url = prepare(args.db, args.carriers, key)
    built = build(url=url)
    app = create_app(built.services, ApiSettings(secret_key=secrets.token_hex(32)))
    login = accounts.login(built.services, "carol", PASSWORD, "bench", hasher=app.state.ctx.hasher)
    token = app.state.ctx.issuer.issue("carol", generation=login.user.generation).token
    auth = [(b"authorization", f"Bearer {token}".encode())]
    if args.path == "where-is":
        paths = [f"/api/v1/carriers/{serial(i % args.carriers + 1)}" for i in range(args.requests)]
    else:
        paths, auth = ["/healthz"] * args.requests, []

    async def go() -> None:
        await call(app, paths[0], auth)  # warm
        _, body = await call(app, f"/api/v1/carriers/{serial(1)}", auth)
        bare: FastAPI = make(json.loads(body))
        await call(bare, paths[0], [])
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            await run(app, paths, auth)
            prof.disable()
            prof.dump_stats(str(Path("bench/out/profile_http_asgi.prof")))
            pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            return
        svc, base = [], []
        for _ in range(3):
            svc.append(await run(app, paths, auth))
            base.append(await run(bare, paths, []))
        s, b = sorted(svc)[1], sorted(base)[1]
        print(
            f"{args.db} {args.path}: service {s * 1e6:.0f} µs CPU a request, bare {b * 1e6:.0f} µs"
        )
        print(f"ratio (bare / service) {b / s:.3f}")

    try:
        asyncio.run(go())
    finally:
        built.engine.dispose()
        if args.db == "postgres":
            drop_postgres(PG_DB)


if __name__ == "__main__":
    main()
