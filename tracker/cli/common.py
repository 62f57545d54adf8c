"""Shared pieces of the command line: building the services, printing results."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from tracker.bootstrap import App
    from tracker.store.reading import Reading

ActorOption = typer.Option(..., "--as", help="Person id of whoever does this (signs the register).")
JsonOption = typer.Option(False, "--json", help="Print JSON instead of text.")


def cli_actor() -> str:
    """The register's actor for administrative commands run on the server itself."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}"


def app(site_file: Path | None = None, *, load: bool = False) -> App:
    """The wired services, from the database's loaded site unless a file is given."""
    from tracker.bootstrap import build  # the whole service: only for commands that use it

    return build(site_file=site_file, load=load)


@contextmanager
def reading() -> Iterator[Reading]:
    """A read-only transaction on the configured database through SQLAlchemy Core
    (:class:`~tracker.store.reading.Reading`), without wiring the services (site, bus,
    migrations) or importing the ORM: what a command that only reads needs, and quick to
    start (issue 16: ``tracker audit head`` and ``tracker carrier show`` within 0.5 s)."""
    from tracker.store.db import database_url, make_engine
    from tracker.store.keys import ledger_key
    from tracker.store.reading import Reading

    engine = make_engine(database_url())
    try:
        with Reading(engine, ledger_key(engine)) as uow:
            yield uow
    finally:
        engine.dispose()


def plain(value: Any) -> Any:
    """A JSON-ready form of dataclasses, enums, dates and collections."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def emit(value: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``value`` as JSON, or ``text`` (or a readable rendering) otherwise."""
    if as_json:
        typer.echo(json.dumps(plain(value), ensure_ascii=False, indent=2, sort_keys=True))
    elif text is not None:
        typer.echo(text)
    else:
        data = plain(value)
        if isinstance(data, dict):
            width = max((len(k) for k in data), default=0)
            for k, v in data.items():
                typer.echo(f"{k:<{width}}  {v}")
        else:
            typer.echo(str(data))
