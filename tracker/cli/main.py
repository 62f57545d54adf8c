"""Entry point of the ``tracker`` console script: registers every command group."""

from __future__ import annotations

import logging
import os
import sys

import click
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
    from tracker.cli import audit, carrier, db, person, report, site

    app.add_typer(db.app, name="db")
    app.add_typer(site.app, name="site")
    app.add_typer(carrier.app, name="carrier")
    app.add_typer(person.app, name="person")
    app.add_typer(audit.app, name="audit")
    app.command("report")(report.report)
    from tracker.cli import scan

    app.add_typer(scan.app, name="scan")
    from tracker.cli import epc as epc_cli
    from tracker.cli import label as label_cli

    app.add_typer(epc_cli.app, name="epc")
    app.add_typer(label_cli.app, name="label")
    from tracker.cli import rfid, sim

    app.add_typer(rfid.app, name="rfid")
    from tracker.cli import gateway

    app.command("gateway")(gateway.gateway)
    from tracker.cli import demo, notify

    app.add_typer(notify.app, name="notify")

    app.command("demo")(demo.demo)
    app.add_typer(sim.app, name="sim")
    from tracker.cli import serve, users

    app.add_typer(serve.app, name="serve")
    app.add_typer(users.app, name="user")
    app.add_typer(users.device_app, name="device")
    from tracker.cli import meetings

    app.add_typer(meetings.app, name="meeting")
    app.add_typer(meetings.seal_app, name="seal")


_registered: list[bool] = []  # registration happens once per process


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code; a project error prints a clear
    one-line message (Chinese unless ``TRACKER_LANG=en``) instead of a traceback."""
    if not _registered:
        _register()
        _registered.append(True)
    try:
        # Without standalone mode click returns a typer.Exit's code instead of raising.
        code = app(args=argv, standalone_mode=False)
    except TrackerError as exc:
        lang = os.environ.get("TRACKER_LANG", "zh")
        typer.echo(f"error: {exc.text(lang)}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        return 1
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


def run() -> None:
    """Console-script entry point. Every file the service writes (database, keys,
    outboxes, sockets, labels) is for its user alone: 0600 files in 0700 folders."""
    os.umask(0o077)
    logging.basicConfig(
        level=os.environ.get("TRACKER_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sys.exit(main())
