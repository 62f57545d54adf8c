"""The reader-protocol registry: every part that needs to know a reader protocol finds
it here — the site-file parser (is the name known, is the URL right for its link, what
its own keys mean), the composition root and the gateway (which driver to open, can it
be probed), the command line (``rfid listen``, ``sim rfid``) and the simulated office
(which simulator stands in for it).

A protocol is a codec module (pure frames), a reader class (a driver), a simulator (the
device side) and one :func:`register` call binding them. Factories are called only when
a reader or simulator is wanted, so registering imports neither drivers nor simulators.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from drivers.reads import BadgeRead, TagRead
from tracker.config.devices import ReaderConfig
from tracker.config.urls import check_device_url
from tracker.domain.errors import ConfigError

Read = TagRead | BadgeRead


class ReaderStatsLike(Protocol):
    """What the gateway's health thread needs from a driver's statistics."""

    @property
    def connected(self) -> bool: ...

    @property
    def last_heard(self) -> float | None: ...


class ReaderHandle(Protocol):
    """A running reader driver."""

    def start(self, *, require_port: bool = False) -> None:
        """Open the line (reconnecting in the background if it is not there yet); with
        ``require_port`` a line that cannot be opened raises now."""
        ...

    def close(self) -> None:
        """Stop reading and close the line."""
        ...

    def stats(self) -> ReaderStatsLike:
        """Connection state and when the reader was last heard."""
        ...


class SimulatedReader(Protocol):
    """A running reader simulator, as the simulated office and ``tracker sim`` drive it.
    Its field is driven through :class:`simulators.device.TagField` (UHF) or
    :class:`simulators.device.BadgeField` (125 kHz)."""

    @property
    def url(self) -> str:
        """Where a driver reaches it (known once constructed)."""
        ...

    def start(self) -> object:
        """Bring the device up."""
        ...

    def stop(self) -> None:
        """Take it down and clean up."""
        ...

    def unplug(self, seconds: float | None = None) -> None:
        """Pull the cable; plug it back after ``seconds`` (never if None)."""
        ...

    def noise(self, count: int) -> None:
        """Send ``count`` garbage bytes."""
        ...


OpenReader = Callable[[ReaderConfig, Callable[[Read], None]], ReaderHandle]


class Simulate(Protocol):
    """Makes the simulator of one reader at ``link`` (a path it may publish a device at);
    ``faults`` is a :class:`simulators.device.Faults` or None."""

    def __call__(
        self, link: Path, *, seed: int | None = None, faults: Any = None
    ) -> SimulatedReader: ...


#: Checks a protocol's own site-file keys: gets the reader's generic configuration and
#: the keys of its ``[[readers]]`` table the generic part does not know, reports each
#: problem as ``problem(key, message)``, and returns the configuration to use (with
#: ``options`` and ``points`` — e.g. antennas as read points — filled in).
Configure = Callable[[ReaderConfig, Mapping[str, Any], Callable[[str, str], None]], ReaderConfig]


@dataclass(frozen=True)
class ReaderProtocol:
    """One reader protocol.

    ``reads``: what its driver delivers (``tag``: UHF EPCs as TagRead; ``badge``:
    125 kHz badges as BadgeRead). ``probes``: the driver keeps the reader answering (it
    probes a silent reader), so a reader not heard for its heartbeat is offline;
    a listen-only reader (False) only talks when something is in its field and is
    judged by its link alone. ``baudrate``: its usual line speed (None for a network
    reader). ``check_url``: why a URL is unusable for it, or None (serial device URLs by
    default). ``configure``: checks the protocol's own site-file keys (None: it has none).
    """

    name: str
    summary: str
    reads: Literal["tag", "badge"]
    probes: bool
    open: OpenReader
    simulate: Simulate
    baudrate: int | None = None
    check_url: Callable[[str], str | None] = check_device_url
    configure: Configure | None = None


_lock = threading.Lock()
_protocols: dict[str, ReaderProtocol] = {}


def register(protocol: ReaderProtocol, *, replace: bool = False) -> ReaderProtocol:
    """Make ``protocol`` known by its name; a second protocol of the same name is an
    error unless ``replace``."""
    with _lock:
        if protocol.name in _protocols and not replace:
            raise ConfigError(f"reader protocol {protocol.name!r} is registered twice")
        _protocols[protocol.name] = protocol
    return protocol


def unregister(name: str) -> None:
    """Forget the protocol ``name`` (for tests)."""
    with _lock:
        _protocols.pop(name, None)


@contextmanager
def registered(protocol: ReaderProtocol) -> Iterator[ReaderProtocol]:
    """Register ``protocol`` for the duration of a ``with`` block."""
    register(protocol)
    try:
        yield protocol
    finally:
        unregister(protocol.name)


def names() -> tuple[str, ...]:
    """The known protocol names, in registration order."""
    with _lock:
        return tuple(_protocols)


def get(name: str) -> ReaderProtocol:
    """The protocol called ``name``; ConfigError naming the known ones otherwise."""
    with _lock:
        found = _protocols.get(name)
    if found is None:
        known = ", ".join(names())
        raise ConfigError(
            f"unknown reader protocol {name!r} (expected one of {known})",
            zh=f"未知的读写器协议 {name!r}（可用：{known}）",
        )
    return found


def open_reader(cfg: ReaderConfig, on_read: Callable[[Read], None]) -> ReaderHandle:
    """The driver for the reader ``cfg``, chosen by its protocol (not started)."""
    return get(cfg.protocol).open(cfg, on_read)
