"""PostgreSQL point reads awaited in the API's event loop (psycopg's asynchronous
driver), for :meth:`tracker.store.point.PointReads.aget`.

A where-is on PostgreSQL is one indexed statement and a network round trip. Run through
the synchronous driver it needs a worker thread per request, and the hop there and back
(plus the GIL convoy between the loop and 40 threads) cost more than the read itself
(bench/RESULTS.md, "HTTP"). Awaited here, the loop sends the statement and serves other
requests until the row comes.

Connections belong to the event loop that opened them (psycopg's asynchronous
connections cannot be shared across loops): at most ``size`` per loop, kept open,
autocommit (one statement is one snapshot: no BEGIN, no ROLLBACK round trips), made with
the same connection arguments as the engine's (SQLAlchemy's psycopg dialect gives its
type adapters, so a row's values are the ones the synchronous reads get).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from tracker.store.db import PG_CONNECT_TIMEOUT_S, unavailable
from tracker.store.errors import translate


def array_literal(keys: Iterable[str]) -> str:
    """``keys`` as the text of a PostgreSQL array (every element quoted), sent as one
    text parameter and cast by the statement: psycopg's adaptation of a Python list
    looks at every element's type first (~20 µs a read, more than the rest of it)."""
    quoted = (k.replace("\\", "\\\\").replace('"', '\\"') for k in keys)
    return "{" + ",".join(f'"{k}"' for k in quoted) + "}"


class LoopConnections:
    """Up to ``size`` asynchronous connections of one event loop, reused. Few: the loop
    is one thread, a read holds its connection only for the round trip, and every
    worker of ``tracker serve --workers N`` has its own beside its engine's pool (5 + 10)
    and its stream listener, within PostgreSQL's default of 100 connections."""

    def __init__(self, engine: Engine, size: int = 4) -> None:
        self.engine = engine
        self._idle: list[Any] = []
        self._slots = asyncio.Semaphore(size)
        self._cargs, self._cparams = engine.dialect.create_connect_args(engine.url)
        self._cparams.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
        # Point reads by key waiting for a connection, by statement: key -> requests.
        self._queued: dict[str, dict[str, list[asyncio.Future[Any]]]] = {}
        self._starting: set[str] = set()  # statements whose next read waits for a slot
        self._tasks: set[asyncio.Task[None]] = set()

    async def fetchone(self, sql: str, params: Any) -> Any:
        """The first row of ``sql`` (None when there is none)."""
        async with self._slots:
            rows = await self._read(sql, params)
        return rows[0] if rows else None

    async def keyed(self, sql: str, key: str, column: int) -> Any:
        """The row of ``sql`` whose ``column`` is ``key`` (None when there is none);
        ``sql`` takes a list of keys as its parameter ``keys``.

        Requests that arrive while every connection is busy wait together: when one is
        free, the keys asked for meanwhile are read in one statement (under load, a
        round trip and an execution in the server for many requests instead of one
        each). A key asked for alone is read at once. Each answer comes from a statement
        started after it was asked for, so it is never older than the request."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queued.setdefault(sql, {}).setdefault(key, []).append(future)
        if sql not in self._starting:  # else a read about to start will take this key
            self._starting.add(sql)
            task = loop.create_task(self._drain(sql, column))
            self._tasks.add(task)  # held: the loop keeps only a weak reference
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self, sql: str, column: int) -> None:
        async with self._slots:
            self._starting.discard(sql)
            batch = self._queued.pop(sql, {})
            if not batch:
                return
            try:
                rows = await self._read(sql, {"keys": array_literal(batch)})
            except asyncio.CancelledError:
                for waiters in batch.values():
                    for future in waiters:
                        future.cancel()
                raise
            except Exception as exc:  # noqa: BLE001 - every waiter gets the read's error
                for waiters in batch.values():
                    for future in waiters:
                        if not future.done():
                            future.set_exception(exc)
                return
        found = {row[column]: row for row in rows}
        for key, waiters in batch.items():
            row = found.get(key)
            for future in waiters:
                if not future.done():  # not a request given up meanwhile
                    future.set_result(row)

    async def _read(self, sql: str, params: Any) -> list[Any]:
        # Every row of ``sql`` on a kept connection. A reused connection that fails is
        # replaced once (as the engine's pool pings one that lay idle; reads are
        # idempotent) and a fresh one that fails is StoreUnavailable.
        import psycopg

        if self._idle:
            conn = self._idle.pop()
            try:
                rows = await self._fetch(conn, sql, params)
            except psycopg.OperationalError:
                await conn.close()  # the server restarted since it was last used
            else:
                self._idle.append(conn)
                return rows
        conn = await self._connect()
        try:
            rows = await self._fetch(conn, sql, params)
        except psycopg.OperationalError as exc:
            await conn.close()
            raise unavailable(self.engine, exc) from exc
        self._idle.append(conn)
        return rows

    async def _fetch(self, conn: Any, sql: str, params: Any) -> list[Any]:
        import psycopg

        try:
            cursor = await conn.execute(sql, params)
            rows: list[Any] = await cursor.fetchall()
            return rows
        except psycopg.OperationalError:
            raise  # the caller decides: replace the connection, or unavailable
        except psycopg.Error as exc:
            await conn.close()
            raise self._translated(sql, exc) from exc

    async def _connect(self) -> Any:
        import psycopg

        try:
            conn = await psycopg.AsyncConnection.connect(
                *self._cargs, autocommit=True, **self._cparams
            )
            # These connections only read records by primary key, for which the generic
            # plan (an index scan) is always the right one. Left to choose, PostgreSQL
            # plans `key = ANY($1)` anew at every execution (~50 µs of the server's CPU,
            # the whole difference from a single-key read).
            await conn.execute("SET plan_cache_mode = force_generic_plan")
            return conn
        except psycopg.Error as exc:
            raise unavailable(self.engine, exc) from exc

    def _translated(self, sql: str, exc: Exception) -> Exception:
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        wrapped = sa_exc.DBAPIError.instance(sql, None, exc, dbapi_error)
        return translate(wrapped, "reading")

    async def close(self) -> None:
        """Close the idle connections (those in use close when their read ends)."""
        while self._idle:
            await self._idle.pop().close()
