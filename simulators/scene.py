"""Scripts for the RFID simulators: typed commands and timed scene files.

One small command language serves both stdin and scene files::

    tag add EPC [RSSI]      put a tag in a UHF reader's field (default -50 dBm)
    tag remove EPC          take it out
    pass EPC SECONDS        carry a tag through the field (RSSI -75 → -45 → -75 dBm)
    badge ID SECONDS        hold an EM4100 badge (10 hex digits) at the badge reader
    unplug SECONDS          pull the cable, plug it back in after SECONDS
    noise N                 send N noise bytes
    quit                    stop the simulator

A scene file is TOML (``[[step]]`` tables) or JSON (a list, or ``{"steps": [...]}``) of
steps ``{at = SECONDS, do = "COMMAND"}``; ``at`` counts from the scene's start.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.device import BadgeField, TagField
from simulators.m100 import parse_epc
from tracker.domain.errors import ConfigError, InvalidInput
from tracker.protocols import SimulatedReader

logger = logging.getLogger(__name__)

_ARITY = {
    ("tag", "add"): (1, 2),
    ("tag", "remove"): (1, 1),
    ("pass",): (2, 2),
    ("badge",): (2, 2),
    ("unplug",): (1, 1),
    ("noise",): (1, 1),
    ("quit",): (0, 0),
}


@dataclass(frozen=True)
class Command:
    """A parsed command: ``action`` (``"tag add"``, ``"pass"``, ...) and its arguments."""

    action: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """A command to run ``at`` seconds after the scene starts."""

    at: float
    command: Command


def parse_command(line: str) -> Command:
    """Parse one command line; raise :class:`InvalidInput` naming what is wrong."""
    words = line.split()
    if not words:
        raise InvalidInput("command", "empty command", zh="命令为空")
    key: tuple[str, ...] = (words[0].lower(),)
    if key == ("tag",):
        if len(words) < 2:
            raise InvalidInput("command", "use 'tag add EPC [RSSI]' or 'tag remove EPC'")
        key = ("tag", words[1].lower())
    if key not in _ARITY:
        raise InvalidInput(
            "command", f"unknown command {line.strip()!r}", zh=f"未知命令 {line.strip()!r}"
        )
    args = tuple(words[len(key) :])
    low, high = _ARITY[key]
    if not low <= len(args) <= high:
        raise InvalidInput("command", f"{' '.join(key)} takes {low}..{high} arguments")
    command = Command(" ".join(key), args)
    _check_args(command)
    return command


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidInput(what, f"{text!r} is not a number", zh=f"{text!r} 不是数字") from exc
    if value < 0 and what != "rssi":
        raise InvalidInput(what, f"{text} must not be negative")
    return value


def _check_args(command: Command) -> None:
    a = command.args
    if command.action in ("tag add", "tag remove", "pass"):
        parse_epc(a[0])
    if command.action == "tag add" and len(a) == 2:
        _number(a[1], "rssi")
    if command.action in ("pass", "badge"):
        _number(a[1], "seconds")
    if command.action == "badge" and (
        len(a[0]) != 10 or any(c not in "0123456789abcdefABCDEF" for c in a[0])
    ):
        raise InvalidInput("badge", f"{a[0]!r} is not a 10-hex-digit EM4100 id")
    if command.action in ("unplug", "noise"):
        _number(a[0], command.action)


def apply(sim: SimulatedReader, command: Command) -> bool:
    """Run ``command`` on ``sim``; return True for ``quit``. Raise :class:`InvalidInput`
    when the command does not fit this kind of simulator."""
    action, a = command.action, command.args
    if action == "quit":
        return True
    if action == "unplug":
        sim.unplug(float(a[0]))
    elif action == "noise":
        sim.noise(int(float(a[0])))
    elif isinstance(sim, TagField) and action == "tag add":
        sim.add_tag(a[0], int(float(a[1])) if len(a) > 1 else -50)
    elif isinstance(sim, TagField) and action == "tag remove":
        sim.remove_tag(a[0])
    elif isinstance(sim, TagField) and action == "pass":
        sim.pass_tag(a[0], float(a[1]))
    elif isinstance(sim, BadgeField) and action == "badge":
        sim.present(a[0], float(a[1]))
    else:
        raise InvalidInput(
            "command",
            f"{action!r} does not apply to a {type(sim).__name__}",
            zh=f"该模拟器不支持命令 {action!r}",
        )
    return False


def load_scene(path: str | Path) -> list[Step]:
    """Read a TOML or JSON scene file; raise :class:`ConfigError` naming file and step."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data: Any = json.loads(text) if p.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"scene {p}: {exc}", zh=f"场景文件 {p} 无法读取：{exc}") from exc
    raw = data.get("steps", data.get("step", [])) if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise ConfigError(f"scene {p}: expected a list of steps")
    steps = []
    for i, item in enumerate(raw):
        where = f"scene {p}, step {i + 1}"
        if not isinstance(item, dict) or "at" not in item or "do" not in item:
            raise ConfigError(f"{where}: needs 'at' and 'do'", zh=f"{where}：缺少 at 或 do")
        try:
            steps.append(Step(float(item["at"]), parse_command(str(item["do"]))))
        except (InvalidInput, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}", zh=f"{where}：{exc}") from exc
    return sorted(steps, key=lambda s: s.at)


class SceneRunner:
    """Plays a scene against one simulator in a background thread.

    ``done`` is set when the last step has run; ``quit_requested`` when a ``quit`` step
    ran. A step that fails is logged and skipped (the scene goes on).
    """

    def __init__(
        self,
        sim: SimulatedReader,
        steps: list[Step],
        *,
        on_step: Callable[[Step], None] | None = None,
    ) -> None:
        self.sim = sim
        self.steps = steps
        self.done = threading.Event()
        self.quit_requested = threading.Event()
        self._cancel = threading.Event()
        self._on_step = on_step
        self._thread = threading.Thread(target=self._run, name="scene", daemon=True)

    def start(self) -> SceneRunner:
        """Start playing now."""
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop playing (steps not yet due are skipped)."""
        self._cancel.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        t0 = time.monotonic()
        for step in self.steps:
            if self._cancel.wait(max(0.0, t0 + step.at - time.monotonic())):
                break
            try:
                if apply(self.sim, step.command):
                    self.quit_requested.set()
                    break
            except InvalidInput as exc:
                logger.error("scene step at %.2f s skipped: %s", step.at, exc)
            if self._on_step is not None:
                self._on_step(step)
        self.done.set()
