"""How the API is served: uvicorn without its own access log (it prints the raw request
line, query string and all - a title search would land in the log; the app logs the
route template instead, see :mod:`api.metrics`) and without a ``server`` banner."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn
from fastapi import FastAPI


class _NoAccessLines(logging.Filter):
    """Drops uvicorn's request lines even if a logging set-up gives its access logger a
    handler again (uvicorn's ``access_log=False`` only removes the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def quiet_access_log() -> None:
    """Keep uvicorn's request lines out of the log (in this process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoAccessLines) for f in access.filters):
        access.addFilter(_NoAccessLines())


# What every ``tracker serve`` tells uvicorn, one process or several.
OPTIONS: dict[str, Any] = {
    "access_log": False,
    "server_header": False,
    "proxy_headers": False,  # the client address is the peer's: login throttling keys on it
}


def config(app: FastAPI, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration every ``tracker serve`` uses."""
    quiet_access_log()
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, **OPTIONS)


def serve(app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    """Run ``app`` until interrupted."""
    uvicorn.Server(config(app, host, port, log_level)).run()


def serve_workers(host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Run ``workers`` processes on one listening socket until interrupted, each building
    its own app with :func:`api.asgi.create` (uvicorn's supervisor restarts a worker
    that dies)."""
    quiet_access_log()
    uvicorn.run(
        "api.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        **OPTIONS,
    )
