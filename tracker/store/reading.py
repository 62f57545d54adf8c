"""A read-only transaction through SQLAlchemy Core, for commands that only read.

``with Reading(engine, key) as r: r.ledger.head(); r.carriers.get(serial)`` reads the
ledger, the administration log, carriers and people with the same code as the unit of
work (:class:`~tracker.store.ledger.SqlLedger`, the repositories of
:mod:`tracker.store.repositories`) on one Core connection in one read-only transaction
(a deferred ``BEGIN`` on SQLite, ``REPEATABLE READ READ ONLY`` on PostgreSQL: one
snapshot). It imports neither SQLAlchemy's ORM nor the mapped classes of
:mod:`tracker.store.tables`: a third of the start of ``tracker audit head`` and
``tracker carrier show`` (issue 16 goal 5).
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.domain import model as m
from tracker.domain.adminlog import KEY_PURPOSE
from tracker.domain.errors import StoreError
from tracker.domain.ledger import derive_key
from tracker.store.db import reader, unavailable
from tracker.store.ledger import ADMIN_LOG, SqlLedger
from tracker.store.repositories import SqlCarrierRepository, SqlRepository
from tracker.store.schema import ENTITY_TABLES

logger = logging.getLogger(__name__)


class Reading:
    """The ledger, the administration log, and the carriers' and people's repositories
    (as :class:`~tracker.store.uow.SqlUnitOfWork` names them) in one read-only
    transaction on a Core connection. Nothing can be written through it."""

    carriers: SqlCarrierRepository
    people: SqlRepository[m.Person]
    ledger: SqlLedger
    admin_log: SqlLedger

    def __init__(self, engine: Engine, ledger_key: bytes) -> None:
        if not ledger_key:
            raise StoreError("reading the ledger needs its key", zh="缺少台账密钥")
        self.engine = engine
        self._key = ledger_key
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        """Begin the read-only transaction (its snapshot)."""
        if self._conn is not None:
            raise StoreError("this reading is already open")
        try:
            conn = reader(self.engine).connect()
        except SQLAlchemyError as exc:
            raise unavailable(self.engine, exc) from exc
        try:
            conn.begin()
        except SQLAlchemyError as exc:
            conn.close()
            raise unavailable(self.engine, exc) from exc
        self._conn = conn
        self.carriers = SqlCarrierRepository(self, self, m.Carrier, ENTITY_TABLES[m.Carrier])
        self.people = SqlRepository(self, self, m.Person, ENTITY_TABLES[m.Person])
        self.ledger = SqlLedger(self, self._key, write=False)
        admin_key = derive_key(self._key, KEY_PURPOSE)
        self.admin_log = SqlLedger(self, admin_key, write=False, tables=ADMIN_LOG)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End the transaction (nothing was written) and release the connection."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.rollback()
        except SQLAlchemyError as error:
            logger.warning("ending a read-only transaction failed: %s", error)
        finally:
            conn.close()

    def connection(self) -> Connection:
        """The open transaction's connection (only inside the ``with`` block)."""
        if self._conn is None:
            raise StoreError("the reading is not open; use it in a `with` block")
        return self._conn

    def flush(self, repo: Any = None) -> None:
        """Nothing to write: the repositories call this before every query."""
