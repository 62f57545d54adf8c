"""The gateway's durable outbox: observations wait on disk until the custody service has
taken them, so nothing is lost while the server is down or the gateway restarts. A
batch the server refuses as malformed moves to a dead-letter table, kept for inspection,
instead of blocking everything behind it."""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from tracker.domain.model import MovementSource
from tracker.services.movement import Observation

logger = logging.getLogger(__name__)


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


class Spool:
    """Hands observations to an :class:`Outbox` from a thread of its own, so that the
    door logic never waits for the disk: an outbox write is a sync to disk, which on a
    busy machine can take a hundred milliseconds, and the first outer-zone read behind
    it — the one that must sound a door's alarm — would wait as long (the alarm
    benchmark's profile). An observation is in memory only until the next write, at
    most one sync later, and observations keep their order; ``on_saved`` is called
    after each write (to wake the sender)."""

    def __init__(self, outbox: Outbox, on_saved: Callable[[], None] = lambda: None) -> None:
        self.outbox, self.on_saved = outbox, on_saved
        self._queue: queue.SimpleQueue[list[Observation]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._waiting = 0  # observations queued and not yet written

    def put(self, observations: list[Observation]) -> None:
        """Queue ``observations`` for the outbox; returns at once."""
        if observations:
            with self._lock:
                self._waiting += len(observations)
            self._queue.put(list(observations))

    def idle(self) -> bool:
        """True when nothing waits to be written."""
        with self._lock:
            return self._waiting == 0

    def start(self) -> Spool:
        """Start writing."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gw-spool", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Write what is queued and stop."""
        self._stop.set()
        self._queue.put([])  # wakes the thread's wait for work
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        try:
            self._write([])  # anything queued after the thread's last round
        except sqlite3.Error:
            logger.exception("observations could not be written to the outbox at stop")

    def _run(self) -> None:
        batch: list[Observation] = []
        while not self._stop.is_set():
            if not batch:
                batch = self._queue.get()  # stop() puts an empty batch to end the wait
            try:
                self._write(batch)
                batch = []
            except sqlite3.Error:  # a full disk must not lose the batch or stop the thread
                logger.exception("writing to the outbox failed; retrying")
                self._stop.wait(1.0)
        if batch:
            self._write(batch)

    def _write(self, batch: list[Observation]) -> None:
        """Write ``batch`` and everything queued behind it, in order, in one transaction
        (on failure nothing is written and ``batch`` alone is lost from the queue: the
        caller keeps it)."""
        more: list[Observation] = []
        while True:
            try:
                more.extend(self._queue.get_nowait())
            except queue.Empty:
                break
        rows = batch + more
        if not rows:
            return
        try:
            self.outbox.put(rows)
        except sqlite3.Error:
            for obs in more:  # keep what was queued behind it, behind it
                batch.append(obs)
            raise
        with self._lock:
            self._waiting -= len(rows)
        self.on_saved()
