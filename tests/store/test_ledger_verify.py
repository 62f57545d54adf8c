"""Verifying a stored chain the fast way (issue 16) finds what the full walk finds: the
data is stored as its canonical text, entries written before that (or with their time
in another form) still verify, and a problem after them is still named exactly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from tests.store.samples import T
from tests.store.test_ledger import Factory, draft, drop_triggers, fill, sql, verify
from tracker.domain.ledger import Action, EntryDraft, canonical, canonical_data


def stored_data(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT CAST(data AS TEXT) FROM ledger_entries ORDER BY seq"))
        return [r[0] for r in rows]


def test_the_data_is_stored_as_the_text_the_hash_covers(
    engine: Engine, uow_factory: Factory
) -> None:
    fill(uow_factory, 3)
    texts = stored_data(engine)
    with uow_factory(write=False) as uow:
        entries = uow.ledger.entries()
    assert texts == [canonical_data(e.data) for e in entries]
    assert '"note":"机要"' in texts[0]  # UTF-8 as is, no spaces


def rewrite_in_the_old_form(engine: Engine) -> None:
    """Store every entry's data the way the store wrote it before (``json.dumps``:
    spaces, ASCII escapes, the dict's own key order)."""
    drop_triggers(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, CAST(data AS TEXT) FROM ledger_entries")).all()
    cast = "CAST(:data AS JSON)" if engine.dialect.name == "postgresql" else ":data"
    for seq, data in rows:
        old = json.dumps(dict(reversed(list(json.loads(data).items()))))
        sql(engine, f"UPDATE ledger_entries SET data = {cast} WHERE seq = :seq", data=old, seq=seq)


def test_entries_stored_in_the_old_form_still_verify(engine: Engine, uow_factory: Factory) -> None:
    hashes = fill(uow_factory, 6)
    rewrite_in_the_old_form(engine)
    assert (
        stored_data(engine)[0] == '{"people": ["alice", "bob"], "note": "\\u673a\\u8981", "i": 1}'
    )
    result = verify(uow_factory, expect_count=4, expect_hash=hashes[3])
    assert result.ok and result.entries == 6
    wrong = verify(uow_factory, expect_count=4, expect_hash=hashes[2])
    assert wrong.problem is not None and wrong.problem.kind == "head"


def test_an_edit_after_old_form_entries_is_named(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory, 6)
    rewrite_in_the_old_form(engine)
    sql(engine, "UPDATE ledger_entries SET reason = 'nothing happened' WHERE seq = 5")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 5)


def test_a_data_edit_is_found_in_either_form(engine: Engine, uow_factory: Factory) -> None:
    fill(uow_factory, 4)
    drop_triggers(engine)
    cast = "CAST(:data AS JSON)" if engine.dialect.name == "postgresql" else ":data"
    edited = '{"i":2,"note":"机要","people":["alice","mallory"]}'
    sql(engine, f"UPDATE ledger_entries SET data = {cast} WHERE seq = 2", data=edited)
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 2)


def test_a_time_stored_in_another_form_is_read_as_the_store_reads_it(
    engine: Engine, uow_factory: Factory
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite keeps times as text")
    hashes = fill(uow_factory, 5)
    drop_triggers(engine)
    # The same instant written with a "T": the store reads the same time, so the entry
    # is intact; the walk goes on the full way from there and still checks the rest.
    sql(engine, "UPDATE ledger_entries SET at = replace(at, ' ', 'T') WHERE seq = 2")
    result = verify(uow_factory, expect_count=5, expect_hash=hashes[4])
    assert result.ok and result.entries == 5
    sql(engine, "UPDATE ledger_entries SET reason = 'x' WHERE seq = 4")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 4)


AWKWARD = [
    'say "hi"',
    "back\\slash",
    "tab\tnew\nline\r",
    "\x01\x08\x0c\x1f\x7f",
    "机要★",
    "😀\u2028\u2029",
    "",
]


def test_strings_needing_escapes_are_checked_their_own_way(
    engine: Engine, uow_factory: Factory
) -> None:
    """The database puts an entry's bytes together with strings as they are: right for
    plain strings (most entries), and an entry with a string that needs escaping is
    re-encoded in Python instead - either way the chain verifies and any edit shows."""
    from tracker.store.ledger import ENTRIES
    from tracker.store.ledger_verify import _Rows

    with uow_factory() as uow:
        for i, s in enumerate(["plain", *AWKWARD, "plain again"]):
            uow.ledger.append(
                EntryDraft(
                    Action.MOVE, T + timedelta(seconds=i), s, carrier=s or None, approver=s,
                    from_place=s, to_place=None, reason=s, data={s: [s, i, None, 1.5]},
                )
            )  # fmt: skip
        uow.commit()
    with uow_factory(write=False) as uow:
        entries = uow.ledger.entries()
        window = _Rows(uow.session.connection(), ENTRIES).window(0)
        assert uow.ledger.verify().ok
    assert window is not None
    _count, _first, texts = window
    bodies = [t[192:] for t in texts]  # after each entry's prev_hash, hash and mac
    expected = [
        canonical(
            e.action, e.at, e.actor, e.carrier, e.approver, e.from_place, e.to_place,
            e.reason, e.data, e.prev_hash,
        )
        for e in entries
    ]  # fmt: skip
    assert bodies[0] == expected[0] and bodies[-1] == expected[-1]
    for got, want, s in zip(bodies[1:-1], expected[1:-1], AWKWARD, strict=True):
        plain = not any(c in s for c in '"\\') and all(ord(c) >= 0x20 for c in s)
        assert (got == want) is plain, s  # a string with an escape never passes as it is
    drop_triggers(engine)
    sql(engine, "UPDATE ledger_entries SET reason = 'tab' WHERE seq = 4")
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 4)


def test_text_moved_from_one_column_into_the_next_is_an_edit(
    engine: Engine, uow_factory: Factory
) -> None:
    """The bytes the database puts together from the columns are the sealed bytes, but
    the columns do not hold the sealed values: the end of the data moved into the place
    after it, or the end of the hash into the MAC's column. Found as an edit (SQLite
    does not check that the data is JSON or a hash's length; PostgreSQL refuses both)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the data as JSON and the hashes as 64 characters")
    with uow_factory() as uow:
        for i in range(3):
            uow.ledger.append(
                EntryDraft(
                    Action.MOVE, T + timedelta(seconds=i), "carol", carrier="JM-1",
                    approver=None, from_place="secure", to_place="reading", reason="r",
                    data={"a": i, "from": "x"},
                )
            )  # fmt: skip
        uow.commit()
    drop_triggers(engine)
    assert verify(uow_factory).ok
    with engine.connect() as conn:
        data, digest, mac = conn.execute(
            text("SELECT data, hash, mac FROM ledger_entries WHERE seq = 2")
        ).one()
    assert data == '{"a":1,"from":"x"}'
    # "data":{"a":1,"from":"x"},"from":"secure" put together from other columns
    sql(engine, "UPDATE ledger_entries SET data = :d, from_place = :f WHERE seq = 2",
        d='{"a":1', f='x"},"from":"secure')  # fmt: skip
    p = verify(uow_factory).problem
    assert p is not None and (p.kind, p.seq) == ("edited", 2)
    sql(engine, "UPDATE ledger_entries SET data = :d, from_place = 'secure' WHERE seq = 2", d=data)
    assert verify(uow_factory).ok
    sql(engine, "UPDATE ledger_entries SET hash = :h, mac = :m WHERE seq = 2",
        h=digest + mac[0], m=mac[1:])  # fmt: skip
    p = verify(uow_factory).problem
    assert p is not None and p.seq == 2


def test_a_walk_of_many_windows_on_two_readers_finds_an_edit_in_any(
    engine: Engine, uow_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows of 4 entries over 30: on PostgreSQL the windows after the next are read
    on a second connection in the same snapshot; every window is checked, whichever
    connection read it, and an edit is named wherever it is."""
    from tracker.store import ledger_verify

    monkeypatch.setattr(ledger_verify, "BATCH", 4)
    hashes = fill(uow_factory, 30)
    result = verify(uow_factory, expect_count=29, expect_hash=hashes[28])
    assert result.ok and result.entries == 30
    drop_triggers(engine)
    for seq in (27, 14, 6):  # each in a later window than the one before it
        sql(engine, f"UPDATE ledger_entries SET reason = 'nothing happened' WHERE seq = {seq}")
        p = verify(uow_factory).problem
        assert p is not None and (p.kind, p.seq) == ("edited", seq)


def test_every_reader_walks_the_snapshot_of_the_head(
    engine: Engine, uow_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries appended after a read-only unit of work took its snapshot are in none of
    its windows - also not in those the second connection reads - so the chain ends at
    the head it read."""
    from tracker.store import ledger_verify

    monkeypatch.setattr(ledger_verify, "BATCH", 4)
    fill(uow_factory, 10)  # windows 1-4, 5-8 and 9-10: the last on the second reader
    with uow_factory(write=False) as reading:
        assert reading.ledger.head()[0] == 10  # the snapshot is taken
        with uow_factory() as writing:
            for i in range(11, 31):
                writing.ledger.append(draft(i))
            writing.commit()
        result = reading.ledger.verify()
    assert result.ok and result.entries == 10, result.problem
    after = verify(uow_factory)
    assert after.ok and after.entries == 30
