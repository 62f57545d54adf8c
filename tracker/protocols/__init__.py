"""Reader protocols: the registry (:mod:`tracker.protocols.registry`) and the protocols
the project ships (:mod:`tracker.protocols.builtin`, registered on import); beside them
the relay-board protocols of door alarms (:mod:`tracker.protocols.outputs`, the shipped
ones in :mod:`tracker.protocols.output_builtin`).

To add a protocol: a codec module (``drivers/<name>.py``), a reader class, a simulator
(``simulators/<name>.py``) and one ``register(ReaderProtocol(...))`` in ``builtin.py``;
see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from tracker.protocols import (
    builtin,  # noqa: F401  (registers the shipped protocols)
    output_builtin,  # noqa: F401  (and the relay boards)
)
from tracker.protocols.registry import (
    OpenReader,
    Read,
    ReaderHandle,
    ReaderProtocol,
    ReaderStatsLike,
    SimulatedReader,
    get,
    names,
    open_reader,
    register,
    registered,
    unregister,
)

__all__ = [
    "OpenReader",
    "Read",
    "ReaderHandle",
    "ReaderProtocol",
    "ReaderStatsLike",
    "SimulatedReader",
    "get",
    "names",
    "open_reader",
    "register",
    "registered",
    "unregister",
]
