"""The gateway's durable outbox: observations wait on disk until the custody service has
taken them, so nothing is lost while the server is down or the gateway restarts. A
batch the server refuses as malformed moves to a dead-letter table, kept for inspection,
instead of blocking everything behind it."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from tracker.domain.model import MovementSource
from tracker.services.movement import Observation


def observation_to_json(obs: Observation) -> dict[str, Any]:
    """The wire form of an observation (as ``POST /api/v1/events`` takes it)."""
    out: dict[str, Any] = {}
    for k, v in asdict(obs).items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, Enum):
            out[k] = v.value
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out


def observation_from_json(data: dict[str, Any]) -> Observation:
    """Inverse of :func:`observation_to_json`."""
    d = dict(data)
    d["at"] = datetime.fromisoformat(d["at"])
    d["badges"] = tuple(d.get("badges", ()))
    d["stills"] = tuple(d.get("stills", ()))
    d["codes"] = tuple(d.get("codes", ()))
    d["source"] = MovementSource(d.get("source", "rfid"))
    return Observation(**d)


class Outbox:
    """A small SQLite file of pending observations (``:memory:`` for tests)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, event_id TEXT UNIQUE, "
                "body TEXT NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS dead (id INTEGER PRIMARY KEY, event_id TEXT, "
                "body TEXT NOT NULL, error TEXT NOT NULL)"
            )

    def put(self, observations: list[Observation]) -> None:
        """Queue observations, all or none (one transaction: one sync to disk, not one
        per row); an event id already queued is not queued twice."""
        rows = [(o.event_id, json.dumps(observation_to_json(o))) for o in observations]
        with self._lock, self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO pending (event_id, body) VALUES (?, ?)", rows
            )

    def peek(self, limit: int = 100) -> list[tuple[int, Observation]]:
        """The oldest ``limit`` pending observations with their row ids."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, body FROM pending ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [(rid, observation_from_json(json.loads(body))) for rid, body in rows]

    def ack(self, ids: list[int]) -> None:
        """Forget observations the service has taken (one transaction)."""
        with self._lock, self._transaction():
            self._db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])

    def bury(self, ids: list[int], error: str) -> None:
        """Move observations the service refused as malformed to the dead-letter table."""
        with self._lock, self._transaction():
            for i in ids:
                self._db.execute(
                    "INSERT INTO dead (event_id, body, error) SELECT event_id, body, ? "
                    "FROM pending WHERE id = ?",
                    (error, i),
                )
                self._db.execute("DELETE FROM pending WHERE id = ?", (i,))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT (ROLLBACK on error) on the autocommit connection; the caller
        holds the lock."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def counts(self) -> tuple[int, int]:
        """How many observations are pending and dead."""
        with self._lock:
            pending = self._db.execute("SELECT count(*) FROM pending").fetchone()[0]
            dead = self._db.execute("SELECT count(*) FROM dead").fetchone()[0]
        return int(pending), int(dead)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
