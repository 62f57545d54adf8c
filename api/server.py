"""How the API is served: uvicorn without its own access log (it prints the raw request
line, query string and all - a title search would land in the log; the app logs the
route template instead, see :mod:`api.metrics`) and without a ``server`` banner."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI


class _NoAccessLines(logging.Filter):
    """Drops uvicorn's request lines even if a logging set-up gives its access logger a
    handler again (uvicorn's ``access_log=False`` only removes the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def config(app: FastAPI, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration every ``tracker serve`` uses."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoAccessLines) for f in access.filters):
        access.addFilter(_NoAccessLines())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # the client address is the peer's: login throttling keys on it
    )


def serve(app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    """Run ``app`` until interrupted."""
    uvicorn.Server(config(app, host, port, log_level)).run()
