"""Walking a whole chain on the database for :meth:`SqlLedger.verify`, in constant memory
and at the speed of the hashes.

The database puts each entry's canonical bytes together from its columns - strings
quoted as JSON (``json_quote`` / ``to_json``), the time as the canonical ISO text, the
data as the canonical text the store keeps (:class:`~tracker.store.types.ChainData`) - a
window of entries at a time (key-set paging on ``seq`` with the driver's own cursor,
inside the unit of work's snapshot), and the pure
:class:`~tracker.domain.ledger_walk.StoredWalk` checks hash, HMAC, link and numbering.

Accepting bytes put together so is sound: every part but the data is a quoted JSON
string, which cannot contain an unescaped quote, so the bytes equal the sealed canonical
bytes (pinned by the hash and its HMAC) only if every column holds exactly the sealed
value - the stored row reads back as the entry that was sealed. Quoting that differs
from Python's in some corner only gives other bytes, and the row is read the slow way.

From a row the walk does not accept, the rest of its window is read in parts and each
entry re-encoded in Python: entries stored before the store kept the data's canonical
text pass so (and windows go on that way while they are in the older form). A row that
fails that too goes to :func:`~tracker.domain.ledger.verify_chain`, which names the
problem exactly as a walk over every entry would.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from functools import cache
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, Text, cast, select

from tracker.domain.ledger import (
    Entry,
    Verification,
    canonical_data,
    canonical_text,
    verify_chain,
)
from tracker.domain.ledger_walk import StoredWalk

logger = logging.getLogger(__name__)

BATCH = 5000
# Entry's fields in order: rows selected in this order become entries positionally
# (by name costs ~40 % more when streaming millions).
_COLUMNS = tuple(f.name for f in dataclasses.fields(Entry))


def entry_from_row(row: Row[Any]) -> Entry:
    """An :class:`Entry` from a row of :func:`select_entries`."""
    return Entry(*row)  # type: ignore[call-arg]  # a row of all 13 fields, in order


def select_entries(table: Table) -> Select[Any]:
    """SELECT of a chain's entries with the columns in :class:`Entry`'s field order."""
    return select(*(table.c[name] for name in _COLUMNS))


_PG_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
# SQLite keeps a time as the text its dialect writes ("2026-11-24 02:00:00.123456",
# UTC): rearranged into the canonical text where it has that separator (the hash covers
# the rest); in any other form the row is read the slow way.
_SQLITE_AT = "substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z'"
_STRINGS = ("action", "actor", "approver", "carrier", "from_place", "to_place", "reason")
_PARTS = "action, {at}, actor, carrier, approver, from_place, to_place, reason, {data}"
_PARTS_AT = {
    "sqlite": f"CASE WHEN substr(at, 11, 1) = ' ' THEN {_SQLITE_AT} END",
    "postgresql": _PG_AT,
}
SEPARATOR = b"\x1e"  # between entries' bytes in a window (escaped in canonical JSON)


def _quoted(column: str, dialect: str) -> str:
    """SQL for a nullable string column as JSON: between quotes, or ``null``."""
    return f"{'ifnull' if dialect == 'sqlite' else 'coalesce'}('\"' || {column} || '\"', 'null')"


# An entry's prev_hash, hash and mac, then its canonical text with a place for every
# part (keys in sorted order, see canonical_text): what StoredWalk.feed_packed reads.
# SQLite's and PostgreSQL's format() both fill %s from their arguments.
_TEMPLATE = (
    '%s%s%s{"action":"%s","actor":"%s","approver":%s,"at":"%s","carrier":%s,"data":%s,'
    '"from":%s,"prev":"%s","reason":"%s","to":%s}'
)


def _body(dialect: str, checked: bool) -> str:
    """SQL for an entry's :func:`~tracker.domain.ledger_walk.packed` text - its three
    hashes and its canonical text (:func:`canonical_text`) from its columns - or empty
    text where it cannot be put together that way.

    Strings go in between quotes as they are. That is the canonical quoting exactly when
    a string needs no escape; a string with a quote or a control character then gives
    other bytes and fails the hash, and one with a backslash - which could fake an
    escape - is not put together at all: ``checked`` looks for one in every row; without
    it the caller looks for one in the whole window's text (cheaper: one search in
    Python instead of one per row in SQL) and reads the window again checked if any.

    The text is made by one ``format()`` call, hashes included: not a chain of ``||``
    (which copies the growing text at every step; SQLite's CPU 3.6 -> 2.4 µs an entry),
    nor a second text of the hashes in a second aggregate (``bench/profile_verify.py``,
    bench/RESULTS.md goal 3). On PostgreSQL this expression is most of the server's
    time (≈ 3 µs an entry however it is written)."""
    sqlite = dialect == "sqlite"
    # SQLite: the dialect's text with its one space (checked below) made the "T"; the
    # canonical text has no other space and one "T", so only that form gives it.
    at = "replace(at, ' ', 'T') || 'Z'" if sqlite else _PG_AT
    args = ", ".join(
        (
            "prev_hash",
            "hash",
            "mac",
            "action",
            "actor",
            _quoted("approver", dialect),
            at,
            _quoted("carrier", dialect),
            "data" if sqlite else "data::text",
            _quoted("from_place", dialect),
            "prev_hash",
            "reason",
            _quoted("to_place", dialect),
        )
    )
    text = f"format('{_TEMPLATE}', {args})"
    # format() writes NULL as nothing for %s in both databases: the strings joined.
    strings = f"format('{'%s' * len(_STRINGS)}', {', '.join(_STRINGS)})"
    find = "instr" if sqlite else "strpos"
    ok = [f"{find}({strings}, '\\') = 0"] if checked else []
    if sqlite:
        # SQLite keeps any text in a column: data that is not JSON, or a hash one
        # character too long with the MAC one short, could give the sealed bytes from
        # columns that do not hold the sealed values (the end of the data moved into the
        # place after it; PostgreSQL refuses both, its data being json and its hashes
        # varchar(64)). With JSON data and a hash of 64 characters the bytes can only
        # be split into columns one way (tests/store/test_ledger_verify.py).
        ok[:0] = ["substr(at, 11, 1) = ' '", "json_valid(data)", "length(hash) = 64"]
    if not ok:
        return text
    return f"CASE WHEN {' AND '.join(ok)} THEN {text} ELSE '' END"


def _window_sql(dialect: str, table: str, checked: bool) -> str:
    """One row for a window of entries after a seq: how many, the first and last seq,
    and their :func:`~tracker.domain.ledger_walk.packed` texts joined by
    :data:`SEPARATOR` (read as bytes: a SQLite blob; PostgreSQL's text with a loader
    that keeps the bytes - a bytea would travel as hex, twice the size).

    PostgreSQL's ``string_agg`` is not told the order (that sorts the window a second
    time): it gets the sub-select's, and were it ever another, the links would not hold
    and the window would be read in parts."""
    if dialect == "sqlite":  # the sub-select's order is the order group_concat sees
        return (
            "SELECT count(*), min(seq), max(seq), CAST(group_concat(b, char(30)) AS BLOB) "
            f"FROM (SELECT seq, {_body(dialect, checked)} AS b "
            f"FROM {table} WHERE seq > ? ORDER BY seq LIMIT ?)"
        )
    body = _body(dialect, checked).replace("%", "%%")  # psycopg's placeholders are %s
    return (
        "SELECT count(*), min(seq), max(seq), string_agg(b, chr(30)) "
        f"FROM (SELECT seq, {body} AS b FROM {table} WHERE seq > %s ORDER BY seq LIMIT %s) w"
    )


@cache
def _bytes_loader() -> type:
    """A psycopg loader that reads a PostgreSQL text as its bytes (the window's text is
    hashed as bytes: no decoding and encoding again). Made on first use: the commands
    that never verify on PostgreSQL do not import psycopg (CLI start, issue 16 goal 5)."""
    from psycopg.adapt import Loader

    class BytesLoader(Loader):
        def load(self, data: Any) -> bytes:
            return bytes(data)

    return BytesLoader


class _Rows:
    """The chain a window at a time (key-set paging on ``seq``), read with the driver's
    cursor inside the unit of work's transaction: one snapshot with the head read.
    ``raw``: another driver connection to read with (one in the same snapshot)."""

    def __init__(self, conn: Connection, table: Table, raw: Any = None) -> None:
        dialect = conn.dialect.name
        self._raw: Any = raw if raw is not None else conn.connection.driver_connection
        self._postgres = dialect == "postgresql"
        p = "?" if dialect == "sqlite" else "%s"
        parts = _PARTS.format(
            at=_PARTS_AT[dialect], data="data" if dialect == "sqlite" else "data::text"
        )
        self.windows = _window_sql(dialect, table.name, checked=False)
        self.checked = _window_sql(dialect, table.name, checked=True)
        self.parts = (
            f"SELECT seq, {parts}, prev_hash, hash, mac FROM {table.name} "
            f"WHERE seq >= {p} ORDER BY seq LIMIT {p}"
        )

    def fetch(self, sql: str, seq: int, limit: int, as_bytes: bool = False) -> list[Any]:
        """The rows of ``sql`` for (``seq``, ``limit``); ``as_bytes``: texts as bytes."""
        cursor = self._raw.cursor()
        try:
            if as_bytes and self._postgres:
                cursor.adapters.register_loader("text", _bytes_loader())
            cursor.execute(sql, (seq, limit))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def window(self, after: int) -> tuple[int, int, list[bytes]] | None:
        """The next window after seq ``after`` as (count, first seq, packed texts), or
        None at the end. A window whose texts are not ``count`` consecutive entries comes
        back with no texts (it is read in parts instead)."""
        count, first, last, joined = self.fetch(self.windows, after, BATCH, as_bytes=True)[0]
        if not count:
            return None
        if b"\\" in (joined or b""):  # an escape in the data, or a string not to be put together
            count, first, last, joined = self.fetch(self.checked, after, BATCH, as_bytes=True)[0]
        texts = bytes(joined or b"").split(SEPARATOR)
        if len(texts) != count or last - first + 1 != count:
            return count, first, []
        return count, first, texts


@contextmanager
def _snapshot_readers(conn: Connection, table: Table) -> Iterator[list[_Rows]]:
    """The readers of the walk: the unit of work's connection and, on PostgreSQL in a
    REPEATABLE READ transaction (a read-only unit of work, what ``audit verify`` runs),
    a second connection importing its snapshot (``pg_export_snapshot``), so two server
    processes put windows together at once - there, the server's assembling of the text
    (≈ 4 µs an entry) is what the walk waits for (bench/RESULTS.md, goal 3). Both read
    the very same snapshot as the head. Elsewhere, or when the second connection cannot
    be had, the one reader."""
    readers = [_Rows(conn, table)]
    level = None
    if conn.dialect.name == "postgresql":
        level = conn.exec_driver_sql("SHOW transaction_isolation").scalar()
    if level != "repeatable read":
        yield readers
        return
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    other = None
    try:
        other = conn.engine.raw_connection()
        cursor = other.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        cursor.close()
        readers.append(_Rows(conn, table, raw=other.driver_connection))
    except Exception:  # noqa: BLE001 - no second connection: the walk goes on with one
        logger.info("ledger verify: one reader (no second connection in the snapshot)")
    try:
        yield readers
    finally:
        if other is not None:
            with suppress(Exception):
                other.rollback()
            other.close()  # back to the pool


class _Prefetch:
    """Reads the next windows on other threads while this one is being checked: the
    database's work (SQLite's runs without the GIL; PostgreSQL's in the server) overlaps
    the hashing. Each reader (connection) is used by one thread at a time; with two
    readers the window after the next is read too, assuming the next is full and its
    seqs consecutive (as a chain's are; otherwise that read is dropped)."""

    def __init__(self, readers: list[_Rows]) -> None:
        self._readers = readers
        self._pools = [ThreadPoolExecutor(1, thread_name_prefix="ledger-verify") for _ in readers]
        self._ahead: dict[int, tuple[int, Future[Any]]] = {}  # after -> (reader, read)
        self._threaded = True

    def __enter__(self) -> _Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
        for pool in self._pools:
            pool.shutdown()

    def window(self, after: int) -> tuple[int, int, list[bytes]] | None:
        """The window after ``after``; the next ones start being read."""
        found = None
        pending = self._ahead.pop(after, None)
        if pending is not None:
            try:
                found = pending[1].result()
            except Exception:  # noqa: BLE001 - e.g. a connection bound to its thread: read it here
                self._threaded = False
        if found is None:
            self.cancel()
            found = self._readers[0].window(after)
        if found is None or not self._threaded:
            self.cancel()
            return found
        following = found[1] + found[0] - 1
        wanted = [following + i * BATCH for i in range(len(self._readers))]
        for stale in [a for a in self._ahead if a not in wanted]:
            self._drop(stale)
        for start in wanted:
            if start not in self._ahead:
                busy = {r for r, _ in self._ahead.values()}
                reader = min(set(range(len(self._readers))) - busy)
                read = self._pools[reader].submit(self._readers[reader].window, start)
                self._ahead[start] = (reader, read)
        return found

    def _drop(self, after: int) -> None:
        _, read = self._ahead.pop(after)
        with suppress(Exception):
            read.result()  # its connection is free again

    def cancel(self) -> None:
        """Wait for the windows being read (the connections are then free), drop them."""
        for after in list(self._ahead):
            self._drop(after)


# Entries walked between two moments the walk lets the other threads run.
YIELD_EVERY = 500


def _feed(walk: StoredWalk, first: int, texts: list[bytes]) -> int:
    """:meth:`StoredWalk.feed_packed` in slices, giving up the GIL between them. The
    thread reading the next window needs the GIL back when its read ends; the walk
    holds it while hashing (small entries), so without a pause that thread would wait
    the interpreter's switch interval (5 ms) at the end of every window."""
    done = 0
    for i in range(0, len(texts), YIELD_EVERY):
        part = texts[i : i + YIELD_EVERY]
        accepted = walk.feed_packed(first + i, part)
        done += accepted
        if accepted < len(part):
            break
        time.sleep(0)  # releases the GIL: a waiting thread takes it now
    return done


def _accept_parts(walk: StoredWalk, row: Any) -> tuple[bool, bool]:
    """Check one row from its parts, its data re-encoded: (accepted, data already in
    canonical form)."""
    seq, action, at, actor, carrier, approver, frm, to, reason, data, prev, digest, mac = row
    if at is None or not isinstance(data, str):
        return False, False
    try:
        text = canonical_data(dict(json.loads(data) or {}))
        body = canonical_text(action, at, actor, carrier, approver, frm, to, reason, text, prev)
        return walk.accept(seq, body.encode(), prev, digest, mac), text == data
    except (TypeError, ValueError, AttributeError):
        return False, False


def _stored_data(stored: str | None) -> dict[str, Any] | None:
    """An entry's data from its stored text; None when the text is not a JSON object."""
    try:
        data = json.loads(stored or "{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def walk_chain(
    conn: Connection,
    table: Table,
    key: bytes,
    head: tuple[int, str],
    expect_count: int | None,
    locate: Callable[[str], int | None],
) -> tuple[Verification, str | None]:
    """Verify the chain in ``table`` against its stored ``head`` (count, last hash):
    the verification, and the hash of entry ``expect_count`` if the walk got there.

    Window by window, the database puts each entry's canonical bytes together and
    :class:`StoredWalk` checks them. From a row it does not accept, the rest of the
    window is read in parts and each entry re-encoded (entries stored before the data
    was kept in canonical form pass so); windows keep being read that way while entries
    are in the older form. The first row that fails that too goes to
    :func:`verify_chain`, which names the problem."""
    walk = StoredWalk(key, expect_count)
    stopped: int | None = None  # the seq of the first row not accepted either way
    after, fast = 0, True
    with _snapshot_readers(conn, table) as readers, _Prefetch(readers) as ahead:
        rows = readers[0]
        while stopped is None:
            if fast:
                window = ahead.window(after)
                if window is None:
                    break
                count, first, texts = window
                done = _feed(walk, first, texts)
                if done == count:
                    after = first + count - 1
                    continue
                ahead.cancel()  # the connection is needed for the parts now
                start, size = first + done, count - done
            else:
                start, size, done = after + 1, BATCH, 0
            parts = rows.fetch(rows.parts, start, size)
            if not parts:
                break
            canonical = False
            for row in parts:
                accepted, canonical = _accept_parts(walk, row)
                if not accepted:
                    stopped = row[0]
                    break
            after = parts[-1][0]
            fast = canonical or done > 0  # back to the fast way once entries are canonical
    seen = {"hash": walk.seen}
    last = None if walk.last_seq is None else (walk.last_seq, walk.last_hash)

    def rest() -> Iterator[Entry]:
        # From the first row not accepted on, every entry the way the store reads it.
        if stopped is None:
            return
        # The data as its stored text, parsed here: a column that is not JSON (SQLite
        # keeps any text) is an edit to report, not an error reading the row.
        columns = [cast(table.c.data, Text) if n == "data" else table.c[n] for n in _COLUMNS]
        stmt = select(*columns).where(table.c.seq >= stopped).order_by(table.c.seq)
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        at_data, at_hash = _COLUMNS.index("data"), _COLUMNS.index("hash")
        for r in result:
            values = list(r)
            data = _stored_data(values[at_data])
            if data is None:  # never sealed so: an empty hash, and verify_chain says edited
                data, values[at_hash] = {}, ""
            values[at_data] = data
            e = Entry(*values)
            if e.seq == expect_count:
                seen["hash"] = e.hash
            yield e

    verified = verify_chain(rest(), key, head[0], head[1], locate, after=last, counted=walk.count)
    return verified, seen["hash"]
