"""One record by its key in one statement, for the hottest read-only requests (a
carrier's where-is): the repository's own statement, compiled once per entity, run on
the driver's connection - no Session, no unit of work, none of SQLAlchemy's per-call
execution machinery - with the columns' types applied as SQLAlchemy applies them
(:meth:`TypeEngine.result_processor`), so the object is the one a repository returns
(checked by ``tests/services/test_point_reads.py``). One statement is one snapshot: SQLite runs
it in a transaction of its own (the connection is in autocommit mode, ``db.py``),
PostgreSQL in autocommit too.

On SQLite a read takes some tens of microseconds and never waits for writers (WAL), so
it is cheap enough to run in the API's event loop (``PointReads.in_loop``); it uses
a connection of its own there, so a pool emptied by worker threads never stalls the
loop. On PostgreSQL the read crosses the network: the event loop awaits it on an
asynchronous connection (:meth:`PointReads.aget`, :mod:`tracker.store.point_pg`), and a
synchronous caller runs it on a pooled connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import PoolProxiedConnection

from tracker.store.db import unavailable
from tracker.store.errors import translate
from tracker.store.point_pg import LoopConnections
from tracker.store.repositories import _shape, binds_as_array, one_of
from tracker.store.tables import ENTITY_ROWS

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _Plan:
    sql: str
    params: Callable[[str], Any]
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, its type's processor)
    fields: int
    # PostgreSQL, a plain text key: the same read for a list of keys (``keys``) and the
    # key's column, so concurrent reads can share one statement (point_pg.keyed).
    many: str | None = None
    key_index: int = 0


class PointReads:
    """Reads of one entity by key (the :class:`~tracker.services.ports.KeyReads` port)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.in_loop = engine.dialect.name == "sqlite"
        self._plans: dict[type[Any], _Plan] = {}
        self._own: PoolProxiedConnection | None = None  # SQLite: the event loop's own
        self._own_lock = threading.Lock()
        # PostgreSQL: each event loop's asynchronous connections (one loop in a server;
        # tests open several).
        self._loops: dict[asyncio.AbstractEventLoop, LoopConnections] = {}

    def _plan(self, entity: type[Any]) -> _Plan:
        found = self._plans.get(entity)
        if found is None:
            dialect = self.engine.dialect
            shape = _shape(entity, ENTITY_ROWS[entity])
            compiled = shape.by_key.compile(dialect=dialect)
            names = compiled.positiontup
            if dialect.positional and names is not None:
                order = tuple(names)

                def params(key: str) -> Any:
                    return tuple(key for _ in order)

            else:

                def params(key: str) -> Any:
                    return {"key": key}

            processors = [
                c.type.dialect_impl(dialect).result_processor(dialect, None)
                for c in shape.columns[: len(shape.fields)]
            ]
            convert = tuple((i, f) for i, f in enumerate(processors) if f is not None)
            many = None
            key = shape.columns[shape.key_index]
            if binds_as_array(dialect.name, key) and not dialect.positional:
                where = one_of(dialect.name, key, "keys")
                many = select(*shape.columns).where(where).compile(dialect=dialect).string
            found = self._plans[entity] = _Plan(
                compiled.string, params, convert, len(shape.fields), many, shape.key_index
            )
        return found

    def get(self, entity: type[T], key: str) -> T | None:
        """The stored ``entity`` with ``key``, or None."""
        plan = self._plan(entity)
        if self.in_loop and self._own_lock.acquire(blocking=False):
            try:
                row = self._on_own(plan, key)
            finally:
                self._own_lock.release()
        else:
            row = self._on_pooled(plan, key)
        return self._made(entity, plan, row)

    async def aget(self, entity: type[T], key: str) -> T | None:
        """:meth:`get` for the event loop: awaited on an asynchronous connection on
        PostgreSQL, read at once on SQLite (on the loop's own connection)."""
        if self.engine.dialect.name != "postgresql":
            return self.get(entity, key)
        plan = self._plan(entity)
        loop = asyncio.get_running_loop()
        conns = self._loops.get(loop)
        if conns is None:
            for old in [other for other in self._loops if other.is_closed()]:
                del self._loops[old]  # a finished loop's connections went with it
            conns = self._loops[loop] = LoopConnections(self.engine)
        if plan.many is not None:
            row = await conns.keyed(plan.many, key, plan.key_index)
        else:
            row = await conns.fetchone(plan.sql, plan.params(key))
        return self._made(entity, plan, row)

    @staticmethod
    def _made(entity: type[T], plan: _Plan, row: Any) -> T | None:
        if row is None:
            return None
        values = list(row[: plan.fields])
        for i, convert in plan.convert:
            values[i] = convert(values[i])
        return entity(*values)

    def _on_own(self, plan: _Plan, key: str) -> Any:
        conn = self._own
        if conn is None:
            conn = self._connect()
            conn.detach()  # kept out of the pool: this reader's alone
            self._own = conn
        try:
            return self._run(conn, plan, key)
        except Exception:
            self._own = None  # a fresh connection next time
            conn.close()
            raise

    def _on_pooled(self, plan: _Plan, key: str) -> Any:
        conn = self._connect()
        try:
            return self._run(conn, plan, key, autocommit=self.engine.dialect.name == "postgresql")
        finally:
            conn.close()  # back to the pool (or away, when it was lost)

    def _connect(self) -> PoolProxiedConnection:
        # As a unit of work says it (tracker.store.db.unavailable): naming the database.
        try:
            return self.engine.raw_connection()
        except (sa_exc.SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error) as exc:
            raise unavailable(self.engine, exc) from exc

    def _run(
        self, conn: PoolProxiedConnection, plan: _Plan, key: str, *, autocommit: bool = False
    ) -> Any:
        dialect = self.engine.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        driver: Any = conn.driver_connection
        cursor = None
        try:
            if autocommit:
                driver.autocommit = True  # one statement, no BEGIN/ROLLBACK round trips
            cursor = conn.cursor()
            cursor.execute(plan.sql, plan.params(key))
            row = cursor.fetchone()
            if autocommit:
                driver.autocommit = False
            return row
        except dbapi_error as exc:
            # What a Connection would do: a lost connection is not given back to the pool.
            lost = dialect.is_disconnect(exc, conn.dbapi_connection, cursor) or autocommit
            if lost:  # (or left in autocommit: not to be used again either)
                conn.invalidate(exc)
            wrapped = sa_exc.DBAPIError.instance(
                plan.sql, None, exc, dbapi_error, connection_invalidated=lost
            )
            raise translate(wrapped, "reading") from exc
        finally:
            if cursor is not None and conn.is_valid:
                cursor.close()

    async def aclose(self) -> None:
        """Close the running event loop's asynchronous connections (at its end)."""
        conns = self._loops.pop(asyncio.get_running_loop(), None)
        if conns is not None:
            await conns.close()

    def close(self) -> None:
        """Close the event loop's own connection, if one was opened."""
        with self._own_lock:
            if self._own is not None:
                self._own.close()
                self._own = None
