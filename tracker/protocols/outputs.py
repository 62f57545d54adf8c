"""The output-protocol registry: the relay boards that drive a door's stack light and
buzzer, beside the reader protocols of :mod:`tracker.protocols.registry` and built the
same way — a codec (pure frames), a driver, a simulator (the board's side) and one
:func:`register` call (:mod:`tracker.protocols.output_builtin`).

The site-file parser finds the protocol names, their own keys and channel counts here;
the gateway opens each door's board through :func:`open_output`; the simulated office
finds each board's simulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tracker.config.outputs import OutputConfig
from tracker.domain.errors import ConfigError


class OutputStatsLike(Protocol):
    """What the gateway's health thread needs from an output driver."""

    @property
    def connected(self) -> bool:
        """True while the line is open and (for a board that answers) it answers."""
        ...

    @property
    def last_ok(self) -> float | None:
        """Monotonic time of the last command or probe the board confirmed."""
        ...


class OutputHandle(Protocol):
    """A running relay-board driver. :meth:`set` never blocks: commands are queued and
    written by the driver's own thread, so a slow or dead board cannot hold up a door."""

    def start(self) -> None:
        """Open the line (and keep reopening it) in the background."""
        ...

    def close(self) -> None:
        """Stop and close the line."""
        ...

    def set(self, channel: int, on: bool) -> None:
        """Energise (``on``) or release relay ``channel`` (1-based)."""
        ...

    def stats(self) -> OutputStatsLike:
        """Connection state."""
        ...


class SimulatedOutput(Protocol):
    """A running relay-board simulator."""

    @property
    def url(self) -> str:
        """Where a driver reaches it."""
        ...

    def start(self) -> object:
        """Power the board."""
        ...

    def stop(self) -> None:
        """Take it down and clean up."""
        ...

    def unplug(self, seconds: float | None = None) -> None:
        """Pull the cable; plug it back after ``seconds`` (never if None)."""
        ...

    def state(self) -> dict[int, bool]:
        """Which relays are energised now."""
        ...

    def report(self, last: int = 20) -> dict[str, Any]:
        """The relays' state and the last commands the board was told, with their
        times (``{"state": {relay: on}, "commands": [{"at", "relay", "on"}]}``)."""
        ...


#: Checks a protocol's own ``[[outputs]]`` keys, reporting ``problem(key, message)``,
#: and returns the configuration with ``options`` filled in.
Configure = Callable[[OutputConfig, Mapping[str, Any], Callable[[str, str], None]], OutputConfig]


def _no_keys(
    cfg: OutputConfig, keys: Mapping[str, Any], problem: Callable[[str, str], None]
) -> OutputConfig:
    for k in keys:
        problem(k, "unknown key")
    return cfg


@dataclass(frozen=True)
class OutputProtocol:
    """One relay-board protocol. ``answers``: the board confirms every command (and is
    probed while idle), so one that stops answering is offline; a write-only board
    (False) is judged by its line alone. ``max_channels``: the most relays a board of
    this kind has."""

    name: str
    summary: str
    answers: bool
    open: Callable[[OutputConfig], OutputHandle]
    simulate: Callable[[Path, OutputConfig], SimulatedOutput]
    baudrate: int
    max_channels: int = 8
    configure: Configure = _no_keys


_lock = threading.Lock()
_protocols: dict[str, OutputProtocol] = {}


def register(protocol: OutputProtocol, *, replace: bool = False) -> OutputProtocol:
    """Make ``protocol`` known by its name (twice is an error unless ``replace``)."""
    with _lock:
        if protocol.name in _protocols and not replace:
            raise ConfigError(f"output protocol {protocol.name!r} is registered twice")
        _protocols[protocol.name] = protocol
    return protocol


def unregister(name: str) -> None:
    """Forget the protocol ``name`` (for tests)."""
    with _lock:
        _protocols.pop(name, None)


def names() -> tuple[str, ...]:
    """The known output protocol names, in registration order."""
    with _lock:
        return tuple(_protocols)


def get(name: str) -> OutputProtocol:
    """The protocol called ``name``; ConfigError naming the known ones otherwise."""
    with _lock:
        found = _protocols.get(name)
    if found is None:
        known = ", ".join(names())
        raise ConfigError(
            f"unknown output protocol {name!r} (expected one of {known})",
            zh=f"未知的报警输出协议 {name!r}（可用：{known}）",
        )
    return found


def open_output(cfg: OutputConfig) -> OutputHandle:
    """The driver for the board ``cfg`` (not started)."""
    return get(cfg.protocol).open(cfg)
