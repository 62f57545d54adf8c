"""The unit of work: one transaction holding a use case's changes and ledger entries.

``with SqlUnitOfWork(engine, key) as uow: …; uow.commit()`` — leaving the block without
``commit()`` rolls everything back; a failing commit writes nothing. A writing unit of
work begins with ``BEGIN IMMEDIATE`` on SQLite (writers queue for the lock up front); a
read-only one (``write=False``) begins a deferred transaction on SQLite and a read-only
``REPEATABLE READ`` one on PostgreSQL, so everything it reads is one snapshot.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.domain import accounts as acc
from tracker.domain import model as m
from tracker.domain import sessions as ses
from tracker.domain.adminlog import KEY_PURPOSE
from tracker.domain.attachments import Attachment
from tracker.domain.disclosure import Disclosure, Handling
from tracker.domain.errors import StoreError, TrackerError
from tracker.domain.ledger import derive_key
from tracker.domain.meetings import Handout, Meeting
from tracker.domain.rules import CustodyChanges
from tracker.domain.seals import Seal
from tracker.store.counters import SqlCounters, SqlIngestLog, SqlSettings
from tracker.store.db import reader, unavailable, writer
from tracker.store.errors import translate, translating
from tracker.store.evidence import SqlEvidence
from tracker.store.ledger import ADMIN_LOG, SqlLedger
from tracker.store.repositories import (
    SqlAlertRepository,
    SqlBorrowRepository,
    SqlCarrierRepository,
    SqlMovementRepository,
    SqlRepository,
)
from tracker.store.schema import ENTITY_TABLES
from tracker.store.stream import SqlStreamLog
from tracker.store.throttle import SqlLoginThrottle

logger = logging.getLogger(__name__)


class SqlUnitOfWork:
    """The :class:`~tracker.services.ports.UnitOfWork` port on SQLAlchemy."""

    carriers: SqlCarrierRepository
    people: SqlRepository[m.Person]
    badges: SqlRepository[m.Badge]
    places: SqlRepository[m.Place]
    doors: SqlRepository[m.Door]
    borrows: SqlBorrowRepository
    circulations: SqlRepository[m.Circulation]
    carry_outs: SqlRepository[m.CarryOut]
    copy_requests: SqlRepository[m.CopyRequest]
    inventories: SqlRepository[m.Inventory]
    destructions: SqlRepository[m.Destruction]
    level_changes: SqlRepository[m.LevelChange]
    handovers: SqlRepository[m.Handover]
    loss_reports: SqlRepository[m.LossReport]
    movements: SqlMovementRepository
    alerts: SqlAlertRepository
    notifications: SqlRepository[m.Notification]
    attachments: SqlRepository[Attachment]
    disclosures: SqlRepository[Disclosure]
    handlings: SqlRepository[Handling]
    users: SqlRepository[acc.User]
    devices: SqlRepository[acc.Device]
    console_sessions: SqlRepository[ses.ConsoleSession]
    ledger: SqlLedger
    counters: SqlCounters
    settings: SqlSettings
    ingest: SqlIngestLog
    admin_log: SqlLedger
    throttle: SqlLoginThrottle
    evidence: SqlEvidence
    stream: SqlStreamLog
    meetings: SqlRepository[Meeting]
    handouts: SqlRepository[Handout]
    seals: SqlRepository[Seal]

    def __init__(self, engine: Engine, ledger_key: bytes, *, write: bool = True) -> None:
        if not ledger_key:
            raise StoreError("a unit of work needs the ledger key", zh="缺少台账密钥")
        self.engine = engine
        self.write = write
        self._key = ledger_key
        self._admin_key = derive_key(ledger_key, KEY_PURPOSE)
        self._session: Session | None = None
        self._repos: list[SqlRepository[Any]] = []

    # --- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> Self:
        """Begin the transaction (on SQLite a writer takes the write lock now)."""
        if self._session is not None:
            raise StoreError("this unit of work is already open")
        bind = writer(self.engine) if self.write else reader(self.engine)
        session = Session(bind=bind, autoflush=False, expire_on_commit=False)
        try:
            session.connection()  # begin now: BEGIN IMMEDIATE / the snapshot's isolation
        except SQLAlchemyError as exc:
            session.close()
            raise unavailable(self.engine, exc) from exc
        self._session = session
        self._build(session)
        return self

    def _build(self, session: Session) -> None:
        def repo(entity: type[Any], cls: type[SqlRepository[Any]] = SqlRepository) -> Any:
            r = cls(self, session, entity, ENTITY_TABLES[entity])
            self._repos.append(r)
            return r

        self._repos = []
        self.carriers = repo(m.Carrier, SqlCarrierRepository)
        self.people = repo(m.Person)
        self.badges = repo(m.Badge)
        self.places = repo(m.Place)
        self.doors = repo(m.Door)
        self.borrows = repo(m.Borrow, SqlBorrowRepository)
        self.circulations = repo(m.Circulation)
        self.carry_outs = repo(m.CarryOut)
        self.copy_requests = repo(m.CopyRequest)
        self.inventories = repo(m.Inventory)
        self.destructions = repo(m.Destruction)
        self.level_changes = repo(m.LevelChange)
        self.handovers = repo(m.Handover)
        self.loss_reports = repo(m.LossReport)
        self.movements = repo(m.Movement, SqlMovementRepository)
        self.alerts = repo(m.Alert, SqlAlertRepository)
        self.notifications = repo(m.Notification)
        self.attachments = repo(Attachment)
        self.disclosures = repo(Disclosure)
        self.handlings = repo(Handling)
        self.users = repo(acc.User)
        self.devices = repo(acc.Device)
        self.console_sessions = repo(ses.ConsoleSession)
        self.meetings = repo(Meeting)
        self.handouts = repo(Handout)
        self.seals = repo(Seal)
        self.ledger = SqlLedger(session, self._key, write=self.write)
        self.counters = SqlCounters(session)
        self.settings = SqlSettings(session)
        self.ingest = SqlIngestLog(session)
        self.admin_log = SqlLedger(session, self._admin_key, write=self.write, tables=ADMIN_LOG)
        self.throttle = SqlLoginThrottle(session)
        self.evidence = SqlEvidence(session)
        self.stream = SqlStreamLog(session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything not committed and release the connection."""
        session = self._session
        if session is None:
            return
        self._session = None
        try:
            session.rollback()
        except SQLAlchemyError as error:
            # The transaction is gone with the connection; nothing was committed.
            logger.warning("rollback on leaving a unit of work failed: %s", error)
        finally:
            session.close()
            for r in self._repos:
                r.forget()

    @property
    def session(self) -> Session:
        """The open session (only inside the ``with`` block)."""
        if self._session is None:
            raise StoreError("the unit of work is not open; use it in a `with` block")
        return self._session

    # --- writing ---------------------------------------------------------------------

    def custody_changes(self) -> CustodyChanges:
        """What this transaction changed of custody and what it recorded (R14)."""
        requests = (
            self.borrows,
            self.circulations,
            self.carry_outs,
            self.copy_requests,
            self.destructions,
            self.level_changes,
            self.handlings,
            self.meetings,
            self.handouts,
            self.seals,
        )
        entries, recorded = self.ledger.appended
        return CustodyChanges(
            carriers=frozenset(self.carriers.custody_changed()),
            requests=frozenset(f"{r.table}:{key}" for r in requests for key in r.custody_changed()),
            recorded=recorded,
            entries=entries,
        )

    def flush(self, repo: SqlRepository[Any] | None = None) -> None:
        """Send the changes so far to the database (inside the transaction), so queries
        see them. A repository about to query passes itself: a query reads one table, so
        only that repository's changed objects need writing first (and new rows), which
        keeps a long use case linear instead of re-checking every tracked object before
        every query."""
        session = self.session
        repos = self._repos if repo is None else (repo,)
        with translating("writing changes"):
            for r in repos:
                r.sync()
            if session.new or session.dirty:  # the few records kept as ORM objects
                session.flush()
        if repo is None:
            self.ledger.flush()
            self.admin_log.flush()

    def has_changes(self) -> bool:
        """True when committing would write something."""
        session = self.session
        if self.ledger.pending or self.admin_log.pending or session.new or session.dirty:
            return True
        return any(r.pending() for r in self._repos)

    def commit(self) -> None:
        """Write every change made through the repositories, and the ledger entries."""
        session = self.session
        if not self.write and self.has_changes():
            raise StoreError(
                "this unit of work is read-only (write=False) but has changes to commit",
                zh="只读事务中有未提交的修改",
            )
        try:
            self.flush()
            self.stream.flush()  # last: it fixes the commit order (tracker.store.stream)
            with translating("committing"):
                session.commit()
        except TrackerError:
            self._discard(session)
            raise
        except SQLAlchemyError as error:
            self._discard(session)
            raise translate(error, "committing") from error
        self.ledger.reset()
        self.admin_log.reset()
        self.stream.reset()

    def rollback(self) -> None:
        """Discard every change; objects handed out before are no longer tracked."""
        self._discard(self.session)

    def _discard(self, session: Session) -> None:
        try:
            session.rollback()
        except SQLAlchemyError as error:
            logger.warning("rollback failed: %s", error)
        session.expunge_all()
        for r in self._repos:
            r.forget()
        self.ledger.reset()
        self.admin_log.reset()
        self.stream.reset()
