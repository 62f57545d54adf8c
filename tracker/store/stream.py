"""The live stream in the database, for several processes on one PostgreSQL database.

A transaction's events are one row of ``stream_events`` (a JSON list), written at commit
by :class:`SqlStreamLog`. On PostgreSQL the row is inserted under a transaction-level
advisory lock, so row ids follow commit order (the lock is released only once the
commit is visible), and ``pg_notify`` names the new id — the payload stays a few bytes
whatever the events hold (NOTIFY payloads stop at 8000 bytes). PostgreSQL already
serialises committing transactions that notify, so the lock costs no extra waiting.

:class:`StreamListener` holds one connection with ``LISTEN``; on every notification it
reads the rows after the last one it delivered, in id order, and hands them on. Because
ids follow commit order, "after the last id" misses nothing, also after a lost
connection (it catches up from the table). Rows older than the newest ``keep`` are
deleted now and then by whichever listener gets there.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table, insert, text
from sqlalchemy.orm import Mapped, Session

from tracker.store import schema
from tracker.store.errors import translated
from tracker.store.tables import Base

if TYPE_CHECKING:  # imported where it is used: SQLite commands never load psycopg
    import psycopg

logger = logging.getLogger(__name__)

CHANNEL = "tracker_stream"
APP_NAME = "tracker-stream-listener"  # how its connection shows in pg_stat_activity
# pg_advisory_xact_lock key of the stream's commit order ("stream" in ASCII).
LOCK_KEY = 0x73747265616D

Items = list[tuple[str, dict[str, Any]]]
# (batch id, its events, live): live False for rows read when the listener starts.
OnBatch = Callable[[int, Items, bool], None]


class StreamEventRow(Base):
    """One committed transaction's stream events."""

    __table__ = schema.stream_events

    id: Mapped[int]
    at: Mapped[datetime]
    events: Mapped[str]


_T: Table = schema.stream_events


def _items(raw: str) -> Items:
    return [(str(e["kind"]), dict(e["data"])) for e in json.loads(raw)]


class SqlStreamLog:
    """:class:`~tracker.services.ports.StreamLog` on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.pending: Items = []

    def append(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Queue events for :meth:`flush` (the commit)."""
        self.pending.extend(events)

    @translated
    def flush(self) -> int | None:
        """Write the queued events as one row, in commit order; returns its id. Called
        by the unit of work last before committing, so the lock is held only while the
        transaction commits."""
        if not self.pending:
            return None
        conn = self._session.connection()
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        body = json.dumps(
            [{"kind": k, "data": d} for k, d in self.pending],
            ensure_ascii=False,
            default=str,
            separators=(",", ":"),
        )
        row_id = int(
            conn.execute(
                insert(_T).values(at=datetime.now(UTC), events=body).returning(_T.c.id)
            ).scalar_one()
        )
        if pg:
            conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": str(row_id)})
        self.pending = []
        return row_id

    def reset(self) -> None:
        """Forget queued events (after commit or rollback)."""
        self.pending = []


class StreamListener:
    """Delivers every committed stream row of a PostgreSQL database, in commit order
    (module docstring). ``on_batch(id, events, live)``: first with the newest rows up to
    ``prime`` events (``live`` False, for reconnecting stream clients), then with every
    new row."""

    def __init__(
        self,
        engine: Engine,
        on_batch: OnBatch,
        *,
        prime: int = 1000,
        keep: int = 10_000,
        wait: float = 1.0,
        retry: float = 2.0,
        prune_every: float = 300.0,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("the stream listener needs PostgreSQL (LISTEN/NOTIFY)")
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._on_batch = on_batch
        self.prime, self.keep, self.wait, self.retry = prime, keep, wait, retry
        self.prune_every = prune_every
        self.last: int | None = None  # the id of the last row delivered
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stream-listener", daemon=True)

    def start(self) -> StreamListener:
        """Start listening (in a thread of its own)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(self.wait + 5)

    def _run(self) -> None:
        import psycopg  # only a PostgreSQL listener needs it (~0.25 s of a CLI start)

        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._dsn, autocommit=True, connect_timeout=5, application_name=APP_NAME
                ) as conn:
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                logger.warning("stream listener lost the database (%s); retrying", first)
                self._stop.wait(self.retry)
            except Exception:  # a bug in a subscriber must not end the stream for good
                self.connected.clear()
                logger.exception("stream listener failed; restarting")
                self._stop.wait(self.retry)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(f"LISTEN {CHANNEL}")
        if self.last is None:
            self._prime(conn)
        self._catch_up(conn)  # what was committed while (re)connecting
        self.connected.set()
        pruned = 0.0
        while not self._stop.is_set():
            heard = False
            for _ in conn.notifies(timeout=self.wait, stop_after=1):
                heard = True
            if heard:
                self._catch_up(conn)
            pruned += 0 if heard else self.wait
            if pruned >= self.prune_every:
                pruned = 0.0
                self._prune(conn)

    def _prime(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute(
            "SELECT id, events FROM stream_events ORDER BY id DESC LIMIT %s", (self.prime,)
        ).fetchall()
        self.last = int(rows[0][0]) if rows else 0
        kept: list[tuple[int, Items]] = []
        count = 0
        for row_id, raw in rows:
            if count >= self.prime:
                break
            items = _items(raw)
            kept.append((int(row_id), items))
            count += len(items)
        for row_id, items in reversed(kept):
            self._on_batch(row_id, items, False)

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        while True:
            rows = conn.execute(
                "SELECT id, events FROM stream_events WHERE id > %s ORDER BY id LIMIT 500",
                (self.last or 0,),
            ).fetchall()
            for row_id, raw in rows:
                self.last = int(row_id)
                self._on_batch(int(row_id), _items(raw), True)
            if len(rows) < 500:
                return

    def _prune(self, conn: psycopg.Connection[Any]) -> None:
        if self.last is not None and self.last > self.keep:
            conn.execute("DELETE FROM stream_events WHERE id <= %s", (self.last - self.keep,))


def listen(engine: Engine, on_batch: OnBatch, **options: Any) -> StreamListener:
    """Start a :class:`StreamListener` on ``engine`` (what
    :class:`tracker.services.bus.SharedBus` starts at its first subscription)."""
    return StreamListener(engine, on_batch, **options).start()
