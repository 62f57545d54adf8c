"""Entry point of the ``tracker`` console script.

Every command group lives in its own module, imported only when that command runs:
``tracker --help`` and light commands (``audit head``, ``carrier show``) do not pay for
FastAPI, OpenCV, fpdf2, matplotlib or the simulators. :data:`COMMANDS` names each
command's module and its one-line help (checked against the module by the tests)."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from tracker.domain.errors import TrackerError

# name -> (module, attribute, one-line help). The attribute is a Typer group or a command
# function. The order is the order ``tracker --help`` lists them in.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "report": (
        "tracker.cli.report",
        "report",
        "Write a register for a period as PDF, XLSX or CSV, as the person ``--as`` may read it.",
    ),
    "gateway": (
        "tracker.cli.gateway",
        "gateway",
        "Run the readers of a site's doors, safes and reading desks and report what they see.",
    ),
    "demo": (
        "tracker.cli.demo",
        "demo",
        "Bring up a simulated office, play a scripted day, print the timeline and alerts.",
    ),
    "db": ("tracker.cli.db", "app", "Database schema: upgrade, current revision."),
    "site": ("tracker.cli.site", "app", "The site: rooms, doors, safes, readers, calendar."),
    "carrier": ("tracker.cli.carrier", "app", "Carriers: receive, show, list, put away."),
    "person": (
        "tracker.cli.person",
        "app",
        "People who hold carriers, with clearance, role and badges.",
    ),
    "audit": ("tracker.cli.audit", "app", "Custody ledger: verify the chain, print its head."),
    "scan": ("tracker.cli.scan", "app", "Read carrier labels with a camera (barcode scan)."),
    "epc": ("tracker.cli.epc", "app", "Encode / decode GS1 GIAI-96 and GIAI-202 EPCs."),
    "label": ("tracker.cli.label", "app", "Render and test-print carrier labels."),
    "rfid": (
        "tracker.cli.rfid",
        "app",
        "RFID readers (every protocol of the registry: UHF M100, LLRP, UHFReader18, EM4100, …).",
    ),
    "notify": ("tracker.cli.notify", "app", "Alert notifications (email, webhooks)."),
    "sim": ("tracker.cli.sim", "app", "Device simulators."),
    "serve": ("tracker.cli.serve", "app", "Run the HTTP API."),
    "user": ("tracker.cli.users", "app", "Password logins for people."),
    "device": ("tracker.cli.users", "device_app", "Gateway devices and their tokens."),
    "disclosure": (
        "tracker.cli.disclosure",
        "app",
        "The disclosure record of top-secret carriers (知悉记录, R16).",
    ),
    "handling": (
        "tracker.cli.disclosure",
        "handling_app",
        "Three-day handling of top-secret receipts (批办 / 办理, R18).",
    ),
    "meeting": ("tracker.cli.meetings", "app", "Classified meetings (R17)."),
    "seal": ("tracker.cli.meetings", "seal_app", "Holiday sealing of safes (R19)."),
}


def _root() -> None:
    # Typer makes a group only of an app with a callback or registered commands; the
    # commands are found by LazyGroup, so the root has an (empty) callback.
    pass


def load_command(name: str) -> Any:
    """The real click command ``name`` of :data:`COMMANDS` (its module imported now),
    built as it would be had it been registered on the root app."""
    module, attribute, _help = COMMANDS[name]
    # Importing a command's module (SQLAlchemy, the store's tables) allocates hundreds of
    # thousands of objects and none of them is garbage: the cyclic collector running
    # meanwhile is a tenth of a command's start (issue 16 goal 5), so it waits.
    collecting = gc.isenabled()
    gc.disable()
    try:
        obj = getattr(importlib.import_module(module), attribute)
    finally:
        if collecting:
            gc.enable()
    holder = typer.Typer()
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name)(obj)
    holder.callback()(_root)  # a group, so its one command stays a subcommand
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


class LazyGroup(TyperGroup):
    """The root group: lists every command from :data:`COMMANDS` by name and help, and
    imports a command's module only when that command is the one being run."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (_module, _attribute, text) in COMMANDS.items():
            # A placeholder carrying the help line, replaced by the real command on use.
            self.commands.setdefault(name, _Placeholder(name, help=text))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        """Import the module of the command about to run, then resolve as usual."""
        if args and isinstance(self.commands.get(args[0]), _Placeholder):
            self.commands[args[0]] = load_command(args[0])
        return super().resolve_command(ctx, args)


class _Placeholder(TyperCommand):
    """A command known by name and help only (its module not imported yet)."""


app = typer.Typer(
    name="tracker",
    help="Custody tracking for classified carriers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


app.callback()(_root)


def _register() -> None:
    """Kept for callers that registered the commands before running ``app``: the root
    group now finds every command in :data:`COMMANDS` by itself."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return the exit code; a project error prints a clear
    one-line message (Chinese unless ``TRACKER_LANG=en``) instead of a traceback."""
    try:
        # Without standalone mode click returns a typer.Exit's code instead of raising.
        code = app(args=argv, standalone_mode=False)
    except TrackerError as exc:
        lang = os.environ.get("TRACKER_LANG", "zh")
        typer.echo(f"error: {exc.text(lang)}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # a usage error: click's message, no traceback
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"Error: {exc.format_message()}", err=True)
        return exc.exit_code
    except typer.Abort:
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
