"""The baseline of bench_http.py: a bare FastAPI app answering the same two paths with
the same JSON (read from a file written by the benchmark), served by the same uvicorn
settings as ``tracker serve`` (:func:`api.server.config`) - no authentication, no
database, no middleware.

    .venv/bin/python bench/bare_app.py --port 8001 --body bench/out/bare_body.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from fastapi import FastAPI

from api.server import config


def make(body: dict[str, Any]) -> FastAPI:
    """The bare app returning ``body`` for every serial."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "database": "ok"}

    @app.get("/api/v1/carriers/{serial}")
    async def carrier(serial: str) -> dict[str, Any]:
        return body

    return app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--body", type=Path, required=True)
    args = p.parse_args()
    app = make(json.loads(args.body.read_text(encoding="utf-8")))
    uvicorn.Server(config(app, "127.0.0.1", args.port, "warning")).run()


if __name__ == "__main__":
    main()
