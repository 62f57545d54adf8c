"""Sections that one process at a time may run, across every process on one database
(the scheduler's round, notification delivery). On PostgreSQL a transaction-level
advisory lock, tried without waiting and held by a connection of its own until the
section ends — also when the process dies, since the lock goes with its connection;
SQLite serves one process, so the section is always its own."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Engine, text

from tracker.store.errors import translating


def lock_key(name: str) -> int:
    """The advisory-lock key of a section: CRC-32 of its name (apart from the stream's
    key, :data:`tracker.store.stream.LOCK_KEY`, which is larger than any CRC-32)."""
    return zlib.crc32(f"tracker:{name}".encode())


def exclusive(engine: Engine) -> Callable[[str], AbstractContextManager[bool]]:
    """``exclusive(name)``: a context that yields True when this process holds the
    section ``name`` until it ends, False when another process holds it now."""

    @contextmanager
    def section(name: str) -> Iterator[bool]:
        if engine.dialect.name != "postgresql":
            yield True
            return
        with translating(f"taking the lock of {name}"):
            conn = engine.connect()
        # Closing the connection ends its transaction (the pool rolls back), and with it
        # the lock.
        with conn:
            with translating(f"taking the lock of {name}"):
                got = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(name)}
                ).scalar_one()
            yield bool(got)

    return section
