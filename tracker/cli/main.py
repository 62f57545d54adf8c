"""Entry point of the ``tracker`` console script: registers every command group."""

from __future__ import annotations

import logging
import os
import sys

import typer

from tracker.domain.errors import TrackerError

app = typer.Typer(
    name="tracker",
    help="Custody tracking for classified carriers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # One line per command group; each module exposes a typer app named ``app``.
    from tracker.cli import audit, carrier, db, person, site

    app.add_typer(db.app, name="db")
    app.add_typer(site.app, name="site")
    app.add_typer(carrier.app, name="carrier")
    app.add_typer(person.app, name="person")
    app.add_typer(audit.app, name="audit")
    from tracker.cli import scan

    app.add_typer(scan.app, name="scan")
    from tracker.cli import epc as epc_cli
    from tracker.cli import label as label_cli

    app.add_typer(epc_cli.app, name="epc")
    app.add_typer(label_cli.app, name="label")
    from tracker.cli import rfid, sim

    app.add_typer(rfid.app, name="rfid")
    app.add_typer(sim.app, name="sim")


def run() -> None:
    """Console-script entry: run the CLI, turning project errors into a clear message."""
    logging.basicConfig(
        level=os.environ.get("TRACKER_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _register()
    try:
        app()
    except TrackerError as exc:
        lang = os.environ.get("TRACKER_LANG", "zh")
        typer.echo(f"error: {exc.text(lang)}", err=True)
        sys.exit(2)
