"""``tracker serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
import uvicorn

from api.app import create_app
from tracker.bootstrap import build

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run the HTTP API.", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def serve(
    site: Path | None = typer.Option(
        None, "--site", help="Site file to load first (default: the site loaded last)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the API. The database is ``TRACKER_DATABASE_URL`` (default: the SQLite file
    ``./data/tracker.db``), migrated on first start; ``/docs`` shows every endpoint."""
    built = build(site_file=site, load=site is not None)
    api = create_app(built.services)
    logger.info("serving on http://%s:%d", host, port)
    uvicorn.run(api, host=host, port=port, log_level=log_level, proxy_headers=False)
