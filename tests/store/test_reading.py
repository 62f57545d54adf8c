"""The read-only Core transaction of the reading commands (``tracker.store.reading``):
it reads what the unit of work wrote, the same way, and checks the ledger the same way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from tests.store import samples
from tests.store.test_ledger import draft, drop_triggers, sql
from tracker.domain import model as m
from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import StoreError
from tracker.domain.ledger import EntryDraft
from tracker.domain.levels import Clearance
from tracker.store.errors import ConcurrentUpdate, translate
from tracker.store.reading import Reading
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]


def person() -> m.Person:
    return m.Person("alice", "李核心", "policy", Clearance.CORE, m.Role.STAFF, True)


def test_reading_sees_what_the_unit_of_work_wrote(
    engine: Engine, ledger_key: bytes, uow_factory: Factory
) -> None:
    with uow_factory() as uow:
        uow.carriers.add(samples.carrier())
        uow.carriers.add(samples.carrier("JM-2026-000002", epc=None))
        uow.people.add(person())
        for i in range(1, 4):
            uow.ledger.append(draft(i))
        uow.ledger.append(draft(4, carrier="JM-2026-000002"))
        uow.admin_log.append(EntryDraft(AdminAction.LOGIN, samples.T, "alice"))
        uow.commit()
    with uow_factory(write=False) as uow:
        head, admin_head = uow.ledger.head(), uow.admin_log.head()
        last = uow.ledger.entry(4)
        mine = uow.ledger.for_carrier("JM-2026-000001")
        carrier = uow.carriers.get("JM-2026-000001")
    with Reading(engine, ledger_key) as r:
        assert r.ledger.head() == head
        assert r.admin_log.head() == admin_head
        assert r.ledger.entry(4) == last
        assert r.ledger.entry(5) is None
        assert r.ledger.for_carrier("JM-2026-000001") == mine
        assert r.carriers.get("JM-2026-000001") == carrier == samples.carrier()
        assert r.carriers.get("JM-2026-404") is None
        assert [c.serial for c in r.carriers.find(order_by="-serial")] == [
            "JM-2026-000002",
            "JM-2026-000001",
        ]
        assert r.people.get("alice") == person()
        assert r.ledger.verify().ok
        assert r.admin_log.verify().ok  # under the administration log's own key


def test_reading_finds_a_tampered_ledger(
    engine: Engine, ledger_key: bytes, uow_factory: Factory
) -> None:
    """Tamper detection through the Core reading is the unit of work's: an edited entry
    is found."""
    with uow_factory() as uow:
        for i in range(1, 4):
            uow.ledger.append(draft(i))
        uow.commit()
    drop_triggers(engine)
    sql(engine, "UPDATE ledger_entries SET reason = 'edited' WHERE seq = 2")
    with Reading(engine, ledger_key) as r:
        result = r.ledger.verify()
    assert not result.ok and result.problem is not None
    assert (result.problem.kind, result.problem.seq) == ("edited", 2)


def test_reading_writes_nothing_on_postgresql(engine: Engine, ledger_key: bytes) -> None:
    """The transaction is read-only where the database can say so (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no read-only transactions; the Reading has no commit")
    with Reading(engine, ledger_key) as r, pytest.raises(DBAPIError, match="read-only"):
        r.connection().execute(text("UPDATE ledger_head SET count = 0"))


def test_reading_needs_the_key_and_an_open_block(engine: Engine, ledger_key: bytes) -> None:
    with pytest.raises(StoreError):
        Reading(engine, b"")
    reading = Reading(engine, ledger_key)
    with pytest.raises(StoreError):
        reading.connection()
    assert not hasattr(reading, "commit")


def test_a_stale_orm_update_is_still_a_concurrent_update() -> None:
    """errors.translate recognises the ORM's StaleDataError without importing the ORM
    itself (it looks the class up once the ORM is loaded, as it is here)."""
    assert isinstance(translate(StaleDataError("stale")), ConcurrentUpdate)
