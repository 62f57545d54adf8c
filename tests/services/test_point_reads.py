"""Point reads (tracker/store/point.py): one record by key in one statement on the
driver's connection give the very object a repository reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from tests.services.conftest import receive_one
from tracker.domain.errors import StoreUnavailable
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, Person
from tracker.services import receive
from tracker.services.base import Services
from tracker.store.db import make_engine
from tracker.store.point import PointReads


def test_a_point_read_is_what_the_repository_reads(svc: Services, engine: Engine) -> None:
    reads = PointReads(engine)
    top = receive_one(svc, Level.TOP_SECRET)
    plain = receive_one(svc, Level.SECRET)
    receive.store_in_safe(svc, "carol", plain.serial, None)
    for serial in (top.serial, plain.serial):
        with svc.read() as uow:
            stored = uow.carriers.get(serial)
        assert stored is not None
        assert reads.get(Carrier, serial) == stored
    with svc.read() as uow:
        carol = uow.people.get("carol")
    assert reads.get(Person, "carol") == carol
    assert reads.get(Carrier, "no-such-serial") is None
    reads.close()


def test_a_point_read_sees_a_change_committed_after_the_last_one(svc: Services) -> None:
    assert svc.reads is not None
    c = receive_one(svc, Level.SECRET)
    before = svc.reads.get(Carrier, c.serial)
    assert before is not None
    receive.store_in_safe(svc, "carol", c.serial, None)
    after = svc.reads.get(Carrier, c.serial)
    assert after is not None and after != before
    with svc.read() as uow:
        assert uow.carriers.get(c.serial) == after


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unreachable_database_is_store_unavailable(db_url: str) -> None:
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable):
        PointReads(gone).get(Carrier, "JM-2026-000001")
    with pytest.raises(StoreUnavailable):  # awaited, as the API reads it
        asyncio.run(PointReads(gone).aget(Carrier, "JM-2026-000001"))
    gone.dispose()


def test_an_awaited_point_read_is_what_the_repository_reads(svc: Services, engine: Engine) -> None:
    """The API awaits where-is in its event loop (an asynchronous connection on
    PostgreSQL): the same object as the repository's, None for no such key."""
    reads = PointReads(engine)
    top = receive_one(svc, Level.TOP_SECRET)
    with svc.read() as uow:
        stored = uow.carriers.get(top.serial)
        carol = uow.people.get("carol")

    async def read() -> tuple[object, ...]:
        try:
            return (
                await reads.aget(Carrier, top.serial),
                await reads.aget(Person, "carol"),
                await reads.aget(Carrier, "no-such-serial"),
                await reads.aget(Carrier, top.serial),  # again, on the kept connection
            )
        finally:
            await reads.aclose()

    assert asyncio.run(read()) == (stored, carol, None, stored)
    reads.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_awaited_read_replaces_a_connection_the_server_dropped(
    svc: Services, engine: Engine
) -> None:
    """A kept connection whose backend was terminated (a server restart) is replaced
    once, and the read answers: as the engine's pool pings a connection that lay idle."""
    reads = PointReads(engine)
    c = receive_one(svc, Level.SECRET)

    async def read_kill_read() -> tuple[object, object, int, int]:
        try:
            first = await reads.aget(Carrier, c.serial)
            (conns,) = reads._loops.values()
            (conn,) = conns._idle
            pid = conn.info.backend_pid
            with engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            second = await reads.aget(Carrier, c.serial)
            (again,) = conns._idle
            return first, second, pid, again.info.backend_pid
        finally:
            await reads.aclose()

    first, second, pid, new_pid = asyncio.run(read_kill_read())
    assert first == second is not None
    assert new_pid != pid
    reads.close()


def test_concurrent_awaited_reads_each_get_their_own_record(svc: Services, engine: Engine) -> None:
    """Where-is under load: reads awaited together (on PostgreSQL, those that wait for a
    connection share one statement) each answer with their own key's record - the
    repository's object, None for a key with no record, the same record to two
    requests for one key - and one request given up meanwhile leaves the others whole."""
    reads = PointReads(engine)
    made = [receive_one(svc, Level.SECRET) for _ in range(6)]
    with svc.read() as uow:
        stored = {c.serial: uow.carriers.get(c.serial) for c in made}
    asked = [c.serial for c in made] + ["no-such-serial", made[0].serial] * 3

    async def together() -> list[object]:
        try:
            tasks = [asyncio.create_task(reads.aget(Carrier, s)) for s in asked]
            given_up = asyncio.create_task(reads.aget(Carrier, made[1].serial))
            await asyncio.sleep(0)
            given_up.cancel()
            return list(await asyncio.gather(*tasks))
        finally:
            await reads.aclose()

    for _ in range(3):  # the first opens connections; later rounds reuse them
        assert asyncio.run(together()) == [stored.get(s) for s in asked]
    reads.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_reads_waiting_for_a_connection_share_one_statement(svc: Services, engine: Engine) -> None:
    """With every connection busy, the keys asked for meanwhile are read in one
    statement when one is free (under load: one round trip for many requests)."""
    reads = PointReads(engine)
    made = [receive_one(svc, Level.SECRET) for _ in range(8)]
    statements: list[object] = []

    async def count() -> list[object]:
        try:
            await reads.aget(Carrier, made[0].serial)  # the loop's connections made
            (conns,) = reads._loops.values()
            real = conns._fetch

            async def counted(conn: object, sql: str, params: object) -> list[object]:
                statements.append(params)
                return await real(conn, sql, params)

            conns._fetch = counted  # type: ignore[method-assign]
            return list(await asyncio.gather(*(reads.aget(Carrier, c.serial) for c in made)))
        finally:
            await reads.aclose()

    found = asyncio.run(count())
    assert [c.serial for c in found if isinstance(c, Carrier)] == [c.serial for c in made]
    assert len(statements) < len(made)  # at most one a free connection, then the rest
    reads.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_failed_shared_read_fails_every_request_in_it(svc: Services, engine: Engine) -> None:
    """The database gone while reads wait together: each of them is StoreUnavailable
    (none waits for ever, none answers 'no such carrier')."""
    reads = PointReads(engine)
    made = [receive_one(svc, Level.SECRET) for _ in range(4)]

    async def fail() -> list[object]:
        try:
            await reads.aget(Carrier, made[0].serial)
            (conns,) = reads._loops.values()
            conns._cparams["port"] = 1  # any new connection is refused
            for conn in conns._idle:
                with engine.connect() as admin:
                    admin.exec_driver_sql(f"SELECT pg_terminate_backend({conn.info.backend_pid})")
            return list(
                await asyncio.gather(
                    *(reads.aget(Carrier, c.serial) for c in made), return_exceptions=True
                )
            )
        finally:
            await reads.aclose()

    answers = asyncio.run(fail())
    assert all(isinstance(a, StoreUnavailable) for a in answers), answers
    reads.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_keys_travel_as_an_array_text_the_server_reads_back_exactly(engine: Engine) -> None:
    """Shared reads send their keys as one array text: any key - quotes, backslashes,
    commas, braces, spaces, the word NULL, an empty one, Chinese - comes back as it was."""
    from tracker.store.point_pg import array_literal

    keys = ["JM-2026-000001", 'a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "", "机要-1", "\\"]
    with engine.connect() as conn:
        back = conn.exec_driver_sql(
            "SELECT unnest(%(keys)s::VARCHAR[])", {"keys": array_literal(keys)}
        ).scalars()
        assert list(back) == keys
