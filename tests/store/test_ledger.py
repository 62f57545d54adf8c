"""The custody ledger on the real databases: chaining, verification, and tampering done
the way an attacker with database access would (drop the triggers, then edit rows)."""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.store.samples import T
from tracker.domain.errors import LedgerError
from tracker.domain.ledger import GENESIS, Action, EntryDraft, canonical, head_mac, seal
from tracker.store.uow import SqlUnitOfWork

Factory = Callable[..., SqlUnitOfWork]


def draft(i: int, carrier: str | None = "JM-2026-000001") -> EntryDraft:
    return EntryDraft(
        Action.MOVE,
        T + timedelta(minutes=i),
        "carol",
        carrier=carrier,
        approver="dave",
        from_place="secure",
        to_place="reading",
        reason=f"step {i}",
        data={"i": i, "people": ["alice", "bob"], "note": "机要"},
    )


def fill(uow_factory: Factory, n: int = 6) -> list[str]:
    """Append ``n`` entries over several transactions; returns their hashes."""
    hashes = []
    for start in range(0, n, 2):
        with uow_factory() as uow:
            for i in range(start, min(start + 2, n)):
                hashes.append(uow.ledger.append(draft(i + 1)).hash)
            uow.commit()
    return hashes


def verify(uow_factory: Factory, **kw: object):  # type: ignore[no-untyped-def]
    with uow_factory(write=False) as uow:
        return uow.ledger.verify(**kw)  # type: ignore[arg-type]


def drop_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER ledger_entries_no_update ON ledger_entries"))
            conn.execute(text("DROP TRIGGER ledger_entries_no_truncate ON ledger_entries"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
            conn.execute(text("DROP TRIGGER ledger_entries_no_delete"))


def sql(engine: Engine, *statements: str, **params: object) -> None:
    with engine.begin() as conn:
        for s in statements:
            conn.execute(text(s), params)


# --- normal operation ---------------------------------------------------------------


def test_appends_chain_across_and_within_transactions(uow_factory: Factory) -> None:
    hashes = fill(uow_factory, 5)
    with uow_factory(write=False) as uow:
        entries = uow.ledger.entries()
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert [e.hash for e in entries] == hashes
        assert entries[0].prev_hash == GENESIS
        for before, after in itertools.pairwise(entries):
            assert after.prev_hash == before.hash
        assert uow.ledger.head() == (5, hashes[-1])
        assert [e.seq for e in uow.ledger.entries(after_seq=3)] == [4, 5]
        assert [e.seq for e in uow.ledger.entries(after_seq=1, limit=2)] == [2, 3]
        # What was stored hashes to what was sealed (times, unicode and data survive).
        e = entries[2]
        assert e.at == T + timedelta(minutes=3) and e.at.tzinfo is not None
        assert e.data == {"i": 3, "people": ["alice", "bob"], "note": "机要"}
        body = canonical(
            e.action,
            e.at,
            e.actor,
            e.carrier,
            e.approver,
            e.from_place,
            e.to_place,
            e.reason,
            e.data,
            e.prev_hash,
        )
        assert hashlib.sha256(body).hexdigest() == e.hash
    result = verify(uow_factory)
    assert result.ok and result.entries == 5 and result.seconds > 0


def test_entries_are_visible_inside_their_transaction(uow_factory: Factory) -> None:
    with uow_factory() as uow:
        uow.ledger.append(draft(1, carrier="A"))
        uow.ledger.append(draft(2, carrier="B"))
        uow.ledger.append(draft(3, carrier="A"))
        assert [e.seq for e in uow.ledger.for_carrier("A")] == [1, 3]
        assert uow.ledger.head()[0] == 3
        assert uow.ledger.verify().ok
        uow.commit()
    with uow_factory(write=False) as uow:
        assert [e.seq for e in uow.ledger.for_carrier("A", limit=1)] == [1]
        assert uow.ledger.entry(2) is not None and uow.ledger.entry(9) is None


def test_concurrent_appends_form_one_chain(uow_factory: Factory) -> None:
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def worker(k: int) -> None:
        try:
            start.wait(10)
            for i in range(10):
                with uow_factory() as uow:
                    uow.ledger.append(draft(k * 100 + i))
                    uow.commit()
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    assert errors == []
    result = verify(uow_factory)
    assert result.ok and result.entries == 40


def test_the_database_refuses_updates_and_deletes(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory, 2)
    for statement in (
        "UPDATE ledger_entries SET reason = 'x' WHERE seq = 1",
        "DELETE FROM ledger_entries WHERE seq = 2",
        "DELETE FROM ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            sql(engine, statement)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            sql(engine, "TRUNCATE ledger_entries")
    assert verify(uow_factory).entries == 2


# --- tampering ------------------------------------------------------------------------


def test_an_edited_field_is_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    drop_triggers(engine)
    sql(engine, "UPDATE ledger_entries SET reason = 'nothing happened' WHERE seq = 3")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 3)


def test_an_entry_rehashed_without_the_key_is_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    with uow_factory(write=False) as uow:
        e = uow.ledger.entry(3)
    assert e is not None
    forged = seal(
        EntryDraft(Action.MOVE, e.at, "mallory", carrier=e.carrier, reason="forged"),
        3,
        e.prev_hash,
        b"not the key" * 3,
    )
    drop_triggers(engine)
    sql(
        engine,
        "UPDATE ledger_entries SET actor = :actor, reason = :reason, hash = :hash, mac = :mac,"
        " approver = NULL, from_place = NULL, to_place = NULL, data = :data WHERE seq = 3",
        actor=forged.actor,
        reason=forged.reason,
        hash=forged.hash,
        mac=forged.mac,
        data="{}",
    )
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 3)


def test_a_deleted_entry_is_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    drop_triggers(engine)
    sql(engine, "DELETE FROM ledger_entries WHERE seq = 3")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("removed", 4)
    assert "#2" in p.message


def test_an_inserted_entry_is_found(
    engine: Engine, uow_factory: Factory, ledger_key: bytes
) -> None:
    fill(uow_factory)
    with uow_factory(write=False) as uow:
        e3 = uow.ledger.entry(3)
    assert e3 is not None
    forged = seal(draft(99), 4, e3.hash, b"guessed key material")
    drop_triggers(engine)
    # Make room after entry 3, then slip the forged entry in as number 4.
    sql(
        engine,
        "UPDATE ledger_entries SET seq = seq + 1000 WHERE seq > 3",
        "UPDATE ledger_entries SET seq = seq - 999 WHERE seq > 1000",
    )
    columns = "seq, action, at, actor, carrier, approver, from_place, to_place, reason, data,"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO ledger_entries ({columns} prev_hash, hash, mac) VALUES "
                "(:seq, :action, :at, :actor, :carrier, :approver, :from_place, :to_place,"
                " :reason, :data, :prev_hash, :hash, :mac)"
            ),
            {
                "seq": 4,
                "action": forged.action,
                "at": forged.at
                if engine.dialect.name == "postgresql"
                else forged.at.replace(tzinfo=None),
                "actor": forged.actor,
                "carrier": forged.carrier,
                "approver": forged.approver,
                "from_place": forged.from_place,
                "to_place": forged.to_place,
                "reason": forged.reason,
                "data": '{"i": 99, "note": "\\u673a\\u8981", "people": ["alice", "bob"]}',
                "prev_hash": forged.prev_hash,
                "hash": forged.hash,
                "mac": forged.mac,
            },
        )
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("inserted", 4)


def test_swapped_entries_are_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    drop_triggers(engine)
    sql(
        engine,
        "UPDATE ledger_entries SET seq = -2 WHERE seq = 2",
        "UPDATE ledger_entries SET seq = 2 WHERE seq = 3",
        "UPDATE ledger_entries SET seq = 3 WHERE seq = -2",
    )
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("reordered", 2)


def test_entries_cut_off_the_end_are_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    drop_triggers(engine)
    sql(engine, "DELETE FROM ledger_entries WHERE seq > 4")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("truncated", 5)


def test_a_head_moved_back_without_the_key_is_found(engine: Engine, uow_factory: Factory) -> None:
    hashes = fill(uow_factory)
    drop_triggers(engine)
    # Cut the last two entries and move the head back to match: consistent, but the
    # head's seal was made for (6, h6) and cannot be redone without the key.
    sql(engine, "DELETE FROM ledger_entries WHERE seq > 4")
    sql(engine, "UPDATE ledger_head SET count = 4, last_hash = :h", h=hashes[3])
    p = verify(uow_factory).problem
    assert p is not None and p.kind == "head"
    # And nothing more is recorded on a head that fails its seal.
    with uow_factory() as uow, pytest.raises(LedgerError, match="seal"):
        uow.ledger.append(draft(7))


def test_a_changed_head_is_found(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory)
    sql(engine, "UPDATE ledger_head SET count = 9")
    p = verify(uow_factory).problem
    assert p is not None and p.kind == "truncated"
    sql(engine, "UPDATE ledger_head SET count = 3")
    p = verify(uow_factory).problem
    assert p is not None and p.kind == "head"


def test_a_rewrite_with_the_key_is_caught_by_the_recorded_head(
    engine: Engine, uow_factory: Factory, ledger_key: bytes
) -> None:
    hashes = fill(uow_factory)
    recorded = (6, hashes[5])
    assert verify(uow_factory, expect_count=6, expect_hash=hashes[5]).ok
    # Someone with the key drops the last two entries and re-seals the head.
    drop_triggers(engine)
    sql(engine, "DELETE FROM ledger_entries WHERE seq > 4")
    sql(
        engine,
        "UPDATE ledger_head SET count = 4, last_hash = :h, mac = :mac",
        h=hashes[3],
        mac=head_mac(ledger_key, 4, hashes[3]),
    )
    assert verify(uow_factory).ok  # only the officer's record can tell now
    p = verify(uow_factory, expect_count=recorded[0], expect_hash=recorded[1]).problem
    assert p is not None and (p.kind, p.seq) == ("truncated", 5)
    # ... and then appends two different entries in their place.
    with uow_factory() as uow:
        uow.ledger.append(draft(50))
        uow.ledger.append(draft(51))
        uow.commit()
    assert verify(uow_factory).ok
    p = verify(uow_factory, expect_count=recorded[0], expect_hash=recorded[1]).problem
    assert p is not None and (p.kind, p.seq) == ("head", 6)
    # A head recorded before the rewrite point still matches.
    assert verify(uow_factory, expect_count=4, expect_hash=hashes[3]).ok


# --- the key ----------------------------------------------------------------------------


def test_a_wrong_key_cannot_append_and_fails_verification(
    engine: Engine, uow_factory: Factory
) -> None:
    fill(uow_factory, 2)
    with (
        SqlUnitOfWork(engine, b"another key entirely", write=True) as uow,
        pytest.raises(LedgerError, match="key"),
    ):
        uow.ledger.append(draft(3))
    with SqlUnitOfWork(engine, b"another key entirely", write=False) as uow:
        p = uow.ledger.verify().problem
    assert p is not None and (p.kind, p.seq) == ("edited", 1)
