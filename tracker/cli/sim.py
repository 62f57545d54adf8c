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
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from simulators.device import Faults, SerialDeviceSimulator
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from simulators.scene import SceneRunner, apply, load_scene, parse_command
from tracker.domain.errors import ConfigError, InvalidInput

logger = logging.getLogger(__name__)

app = typer.Typer(name="sim", help="Device simulators.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Device simulators."""


class SimProtocol(str, Enum):
    """Reader protocols the RFID simulator speaks."""

    M100 = "m100"
    EM4100 = "em4100"
    EM4100_DECIMAL = "em4100-decimal"


def _lang() -> str:
    return os.environ.get("TRACKER_LANG", "zh")


def _stdin_lines(out: queue.SimpleQueue[str | None]) -> None:
    for line in sys.stdin:
        out.put(line)
    out.put(None)


@app.command("rfid")
def rfid(
    link: Annotated[Path, typer.Option(help="Path of the symlink to publish the device at.")],
    protocol: Annotated[SimProtocol, typer.Option(help="Reader protocol.")] = SimProtocol.M100,
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
    sim: SerialDeviceSimulator
    if protocol is SimProtocol.M100:
        sim = M100Simulator(link, faults=faults, seed=seed)
    else:
        sim = Rdm6300Simulator(link, mode=protocol.value, faults=faults, seed=seed)
    stop = threading.Event()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    sim.start()
    runner = SceneRunner(sim, steps).start() if steps else None
    typer.echo(str(link))
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
