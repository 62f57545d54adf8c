"""``tracker rfid``: check an RFID reader from the command line.

``tracker rfid listen --protocol m100 --port /dev/serial/by-id/... --json`` prints one
JSON object per valid frame — ``{"protocol", "id", "rssi" (UHF only), "time"}`` — and
nothing for invalid ones: the tool an installer uses to see that a reader, its cable
and its antenna work. Exit status: 0 done, 1 ``--count`` not reached before
``--timeout``, 2 the port cannot be opened.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import time
from typing import Annotated

import typer

from drivers.reads import BadgeRead, TagRead
from tracker import protocols
from tracker.domain.errors import ConfigError

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="rfid",
    help="RFID readers (every protocol of the registry: UHF M100, LLRP, UHFReader18, EM4100, …).",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """RFID readers (every protocol of the registry: UHF M100, LLRP, UHFReader18, EM4100, …)."""


def _lang() -> str:
    return os.environ.get("TRACKER_LANG", "zh")


def reader_protocol(name: str) -> protocols.ReaderProtocol:
    """The registered protocol ``name``, or a usage error naming the known ones."""
    try:
        return protocols.get(name)
    except ConfigError as exc:
        raise typer.BadParameter(exc.text(_lang()), param_hint="'--protocol'") from None


def format_read(protocol: str, read: TagRead | BadgeRead, as_json: bool) -> str:
    """One output line for ``read``."""
    from tracker.gateway.events import to_wall_clock

    when = to_wall_clock(read.at).isoformat(timespec="milliseconds")
    if isinstance(read, TagRead):
        if as_json:
            record = {"protocol": protocol, "id": read.epc, "rssi": read.rssi, "time": when}
            return json.dumps(record)
        return f"{when}  {protocol}  {read.epc}  {read.rssi} dBm"
    if as_json:
        return json.dumps({"protocol": protocol, "id": read.badge, "time": when})
    return f"{when}  {protocol}  {read.badge}"


@app.command()
def listen(
    protocol: Annotated[
        str, typer.Option(help=f"Reader protocol: {', '.join(protocols.names())}.")
    ],
    port: Annotated[
        str,
        typer.Option(
            help="Device path or URL: /dev/serial/by-id/..., socket://host:port, "
            "rfc2217://host:port; llrp://host[:port] for an LLRP reader."
        ),
    ],
    count: Annotated[int | None, typer.Option(min=1, help="Exit after N valid frames.")] = None,
    timeout: Annotated[float | None, typer.Option(min=0.0, help="Exit after S seconds.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    baudrate: Annotated[
        int | None,
        typer.Option(
            help="Override the protocol's baud rate (M100 115200, UHFReader18 57600, EM4100 9600)."
        ),
    ] = None,
) -> None:
    """Print every valid frame a reader sends (repeats included), nothing for bad ones."""
    from drivers.errors import PortUnavailable
    from tracker.config import ReaderConfig

    proto = reader_protocol(protocol)
    why = proto.check_url(port)
    if why:
        raise typer.BadParameter(f"{port!r}: {why}", param_hint="'--port'")
    reads: queue.SimpleQueue[TagRead | BadgeRead] = queue.SimpleQueue()
    cfg = ReaderConfig(id="cli", protocol=proto.name, url=port, baudrate=baudrate)
    reader = proto.open(cfg, reads.put)
    try:
        reader.start(require_port=True)
    except PortUnavailable as exc:
        typer.echo(f"error: {exc.text(_lang())}", err=True)
        raise typer.Exit(2) from None
    deadline = None if timeout is None else time.monotonic() + timeout
    printed = 0
    try:
        while count is None or printed < count:
            wait = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
            if wait <= 0:
                break
            try:
                read = reads.get(timeout=wait)
            except queue.Empty:
                continue
            typer.echo(format_read(proto.name, read, as_json))
            printed += 1
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    if count is not None and printed < count:
        raise typer.Exit(1)
