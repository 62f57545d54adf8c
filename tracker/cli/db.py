"""``tracker db``: the database schema (Alembic migrations shipped in the package)."""

from __future__ import annotations

import json
import logging
import os
from typing import Annotated

import typer

from tracker.domain.errors import TrackerError
from tracker.store import migrate
from tracker.store.db import database_url, safe_url

logger = logging.getLogger(__name__)

app = typer.Typer(help="Database schema: upgrade, current revision.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _zh() -> bool:
    return os.environ.get("TRACKER_LANG", "zh").startswith("zh")


def _fail(exc: TrackerError) -> typer.Exit:
    typer.echo(f"error: {exc.text('zh' if _zh() else 'en')}", err=True)
    return typer.Exit(2)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    as_json: JsonOpt = False,
) -> None:
    """Migrate the database (TRACKER_DATABASE_URL, default ./data/tracker.db) and print
    the revision it is at."""
    url = database_url()
    try:
        at = migrate.upgrade(url, revision)
    except TrackerError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps({"database": safe_url(url), "revision": at}))
    elif _zh():
        typer.echo(f"数据库 {safe_url(url)} 已升级到版本 {at}")
    else:
        typer.echo(f"database {safe_url(url)} is at revision {at}")


@app.command()
def current(as_json: JsonOpt = False) -> None:
    """Print the revision the database is at (``none`` if never migrated) and the newest."""
    url = database_url()
    try:
        at = migrate.current(url)
    except TrackerError as exc:
        raise _fail(exc) from exc
    head = migrate.head_revision()
    if as_json:
        typer.echo(json.dumps({"database": safe_url(url), "revision": at, "head": head}))
        return
    state = "up to date" if at == head else f"behind (newest is {head})"
    if _zh():
        state = "已是最新" if at == head else f"需要升级（最新版本 {head}）"
        typer.echo(f"数据库 {safe_url(url)} 版本 {at or 'none'}，{state}")
    else:
        typer.echo(f"database {safe_url(url)} at revision {at or 'none'}, {state}")
