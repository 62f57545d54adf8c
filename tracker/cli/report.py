"""``tracker report KIND``: a register (登记簿) or the statistics summary as a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.common import ActorOption
from tracker.cli.common import app as build_app
from tracker.services.registers import KINDS

KINDS_HELP = " | ".join(KINDS) + " | summary (statistics with charts, PDF)"


def report(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day (included), YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    actor: str = ActorOption,
    fmt: Annotated[str, typer.Option("--format", help="pdf | xlsx | csv")] = "pdf",
    room: Annotated[str | None, typer.Option(help="Only carriers homed in this room.")] = None,
    level: Annotated[str | None, typer.Option(help="Only carriers of this level.")] = None,
    lang: Annotated[str | None, typer.Option(help="zh (default) or en.")] = None,
) -> None:
    """Write a register for a period as PDF, XLSX or CSV, as the person ``--as`` may read
    it (titles only for those who may know them). The file is written whole or not at
    all, readable by its owner only."""
    from tracker.reports import writer
    from tracker.services.registers.base import RegisterQuery
    from tracker.services.registers.export import export_register

    query = RegisterQuery.parse(start, end, room, level)
    language = lang or os.environ.get("TRACKER_LANG", "zh")
    language = "en" if language.startswith("en") else "zh"
    svc = build_app().services
    target = output.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            done = export_register(svc, actor, kind, query, fmt, fh, writer(), language)
        os.replace(tmp, target)  # mkstemp made it 0600
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    rows = f"{done.rows} rows" if language == "en" else f"{done.rows} 条"
    typer.echo(str(target) if kind == "summary" else f"{target} ({rows})")
