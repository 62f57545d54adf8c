"""``tracker sim``: device simulators for demos, installers and tests.

``tracker sim rfid --protocol m100 --link /tmp/dev/rfid-door1`` creates a pseudo-terminal
that behaves like the reader, publishes it at the link path (printed on the first line
of output), and is driven by a scene file (``--scene``) and/or commands on stdin — see
:mod:`simulators.scene` for the command language. It runs until ``quit``, a scene's
``quit`` step, Ctrl-C or SIGTERM; stdin reaching its end does not stop it.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from tracker import protocols
from tracker.cli.rfid import reader_protocol
from tracker.domain.errors import ConfigError, InvalidInput

logger = logging.getLogger(__name__)

app = typer.Typer(name="sim", help="Device simulators.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Device simulators."""


def _lang() -> str:
    return os.environ.get("TRACKER_LANG", "zh")


def _stdin_lines(out: queue.SimpleQueue[str | None]) -> None:
    for line in sys.stdin:
        out.put(line)
    out.put(None)


@app.command("rfid")
def rfid(
    link: Annotated[Path, typer.Option(help="Path of the symlink to publish the device at.")],
    protocol: Annotated[
        str, typer.Option(help=f"Reader protocol: {', '.join(protocols.names())}.")
    ] = "m100",
    scene: Annotated[Path | None, typer.Option(help="TOML or JSON scene file.")] = None,
    noise_prob: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Noise before a frame.")
    ] = 0.0,
    corrupt_prob: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Damaged copy before a frame.")
    ] = 0.0,
    truncate_prob: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Cut copy before a frame.")
    ] = 0.0,
    byte_at_a_time: Annotated[bool, typer.Option(help="Write one byte per write().")] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed (repeatable runs).")] = None,
) -> None:
    """Run an RFID reader simulator on a pseudo-terminal."""
    from simulators.device import Faults
    from simulators.scene import SceneRunner, apply, load_scene, parse_command

    proto = reader_protocol(protocol)
    steps = []
    if scene is not None:
        try:
            steps = load_scene(scene)
        except ConfigError as exc:
            typer.echo(f"error: {exc.text(_lang())}", err=True)
            raise typer.Exit(2) from None
    faults = Faults(
        noise_prob=noise_prob,
        corrupt_prob=corrupt_prob,
        truncate_prob=truncate_prob,
        byte_at_a_time=byte_at_a_time,
    )
    sim = proto.simulate(link, seed=seed, faults=faults)
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    sim.start()
    runner = SceneRunner(sim, steps).start() if steps else None
    typer.echo(sim.url)
    sys.stdout.flush()
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    threading.Thread(target=_stdin_lines, args=(lines,), daemon=True).start()
    stdin_open = True
    try:
        while not stop.is_set():
            if runner is not None and runner.quit_requested.is_set():
                break
            if not stdin_open:
                stop.wait(0.1)
                continue
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                stdin_open = False
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                if apply(sim, parse_command(line)):
                    break
            except InvalidInput as exc:
                typer.echo(f"error: {exc.text(_lang())}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        if runner is not None:
            runner.cancel()
        sim.stop()
        signal.signal(signal.SIGTERM, previous)


# --- driving the simulated office of `tracker serve --simulate` ----------------------

SocketOption = Annotated[
    Path,
    typer.Option(
        "--socket",
        envvar="TRACKER_SIM_SOCKET",
        help="Control socket of the running simulated office.",
    ),
]
DEFAULT_SOCKET = Path("data/sim.sock")


def _send(socket_path: Path, cmd: dict[str, object]) -> dict[str, object]:
    from simulators.control import send

    answer = send(socket_path, cmd)
    if not answer.get("ok"):
        raise InvalidInput("command", str(answer.get("error")), zh=str(answer.get("error")))
    return answer


def _tags_and_badges(serials: list[str], people: list[str]) -> tuple[list[str], list[str]]:
    """EPCs of carriers (or raw EPC hex for tags that are no carrier's) and badges of people."""
    from tracker.cli.common import app as build_app
    from tracker.domain.model import BadgeKind

    with build_app().services.read() as uow:
        tags = []
        for s in serials:
            c = uow.carriers.get(s)
            tags.append(c.epc if c is not None and c.epc else s.upper())
        badges = []
        for p in people:
            found = [
                b for b in uow.badges.find(person=p, active=True) if b.kind is BadgeKind.EM4100
            ]
            if not found:
                raise InvalidInput("person", f"{p!r} has no EM4100 badge", zh=f"{p!r} 没有工卡")
            badges.append(found[0].code)
    return tags, badges


@app.command("carry")
def carry(
    serials: Annotated[list[str], typer.Argument(help="Carrier serials (or raw EPC hex).")],
    door: Annotated[str, typer.Option(help="Door id.")],
    direction: Annotated[str, typer.Option(help="in (outer → inner) or out.")] = "out",
    person: Annotated[list[str] | None, typer.Option(help="Person crossing (repeat).")] = None,
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Someone carries carriers through a door of the simulated office."""
    tags, badges = _tags_and_badges(serials, person or [])
    _send(
        socket_path,
        {"cmd": "carry", "door": door, "direction": direction, "tags": tags, "badges": badges},
    )
    typer.echo(f"{', '.join(serials)} → {door} ({direction})")


@app.command("put")
def put(
    serial: str,
    safe: Annotated[str, typer.Option(help="Safe id.")],
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Lay a carrier into a safe of the simulated office (its reader sees the tag)."""
    tags, _ = _tags_and_badges([serial], [])
    _send(socket_path, {"cmd": "put", "safe": safe, "tag": tags[0]})
    typer.echo(f"{serial} → {safe}")


@app.command("take")
def take(
    serial: str,
    safe: Annotated[str, typer.Option(help="Safe id.")],
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Take a carrier out of a safe of the simulated office."""
    tags, _ = _tags_and_badges([serial], [])
    _send(socket_path, {"cmd": "take", "safe": safe, "tag": tags[0]})
    typer.echo(f"{serial} ← {safe}")


@app.command("lay")
def lay(
    serial: str,
    desk: Annotated[str, typer.Option(help="Reading desk id.")],
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Lay a carrier on a reading desk of the simulated office (its pad sees the tag)."""
    tags, _ = _tags_and_badges([serial], [])
    _send(socket_path, {"cmd": "lay", "desk": desk, "tag": tags[0]})
    typer.echo(f"{serial} → {desk}")


@app.command("lift")
def lift(
    serial: str,
    desk: Annotated[str, typer.Option(help="Reading desk id.")],
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Pick a carrier up from a reading desk of the simulated office."""
    tags, _ = _tags_and_badges([serial], [])
    _send(socket_path, {"cmd": "lift", "desk": desk, "tag": tags[0]})
    typer.echo(f"{serial} ← {desk}")


@app.command("badge")
def badge(
    person: str,
    desk: Annotated[str, typer.Option(help="Reading desk id.")],
    seconds: Annotated[float, typer.Option(help="How long the badge is held there.")] = 1.0,
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Someone holds their badge to a reading desk: reading begins, or ends (R16)."""
    _, badges = _tags_and_badges([], [person])
    _send(socket_path, {"cmd": "badge", "desk": desk, "badge": badges[0], "seconds": seconds})
    typer.echo(f"{person} badged at {desk}")


@app.command("unplug")
def unplug(
    reader: str,
    seconds: Annotated[float, typer.Option(help="Plug it back after this long.")] = 30.0,
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Pull a simulated reader's cable (it comes back after --seconds)."""
    _send(socket_path, {"cmd": "unplug", "reader": reader, "seconds": seconds})
    typer.echo(f"{reader} unplugged for {seconds:g} s")


@app.command("show")
def show(
    serial: str,
    camera: Annotated[str, typer.Option(help="Camera id.")],
    seconds: Annotated[float, typer.Option()] = 1.5,
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """Hold a carrier's label in front of a simulated camera."""
    _send(socket_path, {"cmd": "show", "camera": camera, "code": serial, "seconds": seconds})
    typer.echo(f"{serial} shown to {camera}")


@app.command("status")
def status(socket_path: SocketOption = DEFAULT_SOCKET) -> None:
    """List the simulated readers (and their device links) and cameras."""
    answer = _send(socket_path, {"cmd": "status"})
    readers = answer.get("readers")
    assert isinstance(readers, dict)
    for r, link in sorted(readers.items()):
        typer.echo(f"{r:<22} {link}")
    cameras = answer.get("cameras")
    names = [str(c) for c in cameras] if isinstance(cameras, list) else []
    typer.echo(f"cameras: {', '.join(names)}")


@app.command("relays")
def relays(
    last: Annotated[int, typer.Option(min=0, help="Commands shown per board.")] = 20,
    socket_path: SocketOption = DEFAULT_SOCKET,
) -> None:
    """What each simulated door-alarm relay board was told, with the time it arrived."""
    answer = _send(socket_path, {"cmd": "relays", "last": last})
    outputs = answer.get("outputs")
    assert isinstance(outputs, dict)
    if not outputs:
        typer.echo("没有模拟的继电器板" if _lang() == "zh" else "no simulated relay boards")
    for board, report in sorted(outputs.items()):
        state = report.get("state", {})
        on = ", ".join(f"{r}={'on' if v else 'off'}" for r, v in state.items()) or "-"
        typer.echo(f"{board}: {on}")
        for c in report.get("commands", []):
            typer.echo(f"  {c['at']}  relay {c['relay']} {'on' if c['on'] else 'off'}")
