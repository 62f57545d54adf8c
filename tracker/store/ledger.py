"""The custody ledger (R14) and the administration log on the database: append, read,
and verify a chain. Both are the same code over their own pair of tables
(:class:`ChainTables`); the administration log is sealed under a key derived from the
ledger key.

Sealing and checking are pure (:mod:`tracker.domain.ledger`); this module keeps the
entries and the head. Appending locks the head row for the rest of the transaction
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers are serialised by
``BEGIN IMMEDIATE``), chains in memory, and writes the new entries and the new head
(with its HMAC) together before anything reads the ledger or the transaction commits.
Before the first append the stored head is checked against the key, so a head moved
back without the key is never re-sealed (which would hide the tampering).

Entries are never updated or deleted; the migration installs triggers that refuse it.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select, update
from sqlalchemy.orm import Session

from tracker.domain.errors import LedgerError
from tracker.domain.ledger import (
    GENESIS,
    Entry,
    EntryDraft,
    EntryFilter,
    Problem,
    Verification,
    head_mac,
    seal_text,
)
from tracker.store.bulk import insert_rows
from tracker.store.errors import translated, translating
from tracker.store.ledger_verify import entry_from_row, select_entries, walk_chain
from tracker.store.tables import AdminLogEntryRow, AdminLogHeadRow, LedgerEntryRow, LedgerHeadRow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainTables:
    """Where one chain lives, and what messages call it."""

    entries: Table
    head: Table
    name: str  # "ledger" / "administration log"
    zh: str
    verify_command: str  # how an operator checks it


LEDGER = ChainTables(
    LedgerEntryRow.__table__,  # type: ignore[arg-type]
    LedgerHeadRow.__table__,  # type: ignore[arg-type]
    "ledger",
    "台账",
    "tracker audit verify",
)
ADMIN_LOG = ChainTables(
    AdminLogEntryRow.__table__,  # type: ignore[arg-type]
    AdminLogHeadRow.__table__,  # type: ignore[arg-type]
    "administration log",
    "管理日志",
    "tracker audit verify --log admin",
)
ENTRIES: Table = LEDGER.entries
HEAD: Table = LEDGER.head
_COLUMNS = tuple(f.name for f in dataclasses.fields(Entry))


_DATA = _COLUMNS.index("data")


def _row_values(e: Entry, data: str) -> tuple[Any, ...]:
    d = e.__dict__
    row = [d[name] for name in _COLUMNS]
    row[_DATA] = data  # the canonical text sealing made (ChainData writes it as is)
    return tuple(row)


def head_ok(key: bytes, count: int, last_hash: str, mac: str) -> bool:
    """True when the stored head carries the key's HMAC (an empty ledger needs none)."""
    if count == 0 and last_hash == GENESIS and mac == "":
        return True
    return hmac.compare_digest(head_mac(key, count, last_hash), mac)


class SqlLedger:
    """The :class:`~tracker.services.ports.Ledger` port on the unit of work's session,
    for the custody ledger or (``tables=ADMIN_LOG``, with its own key) the
    administration log."""

    def __init__(
        self, session: Session, key: bytes, *, write: bool, tables: ChainTables = LEDGER
    ) -> None:
        self._session = session
        self._key = key
        self._write = write
        self._t = tables
        self._entries = tables.entries
        self._head_table = tables.head
        self._head: tuple[int, str] | None = None  # locked and current, once appending
        self._pending: list[Entry] = []
        self._texts: list[str] = []  # each pending entry's canonical data text
        self._appended = 0  # entries appended in this transaction (R14), flushed or not
        self._recorded: set[str] = set()  # the carriers they name

    def _conn(self) -> Connection:
        return self._session.connection()

    def _read_head(self, *, lock: bool) -> tuple[int, str, str]:
        head = self._head_table
        stmt = select(head.c.count, head.c.last_hash, head.c.mac).where(head.c.id == 1)
        if lock:
            stmt = stmt.with_for_update()
        row = self._conn().execute(stmt).first()
        if row is None:
            raise LedgerError(
                f"the {self._t.name} head row is missing: the database was not migrated "
                "(run `tracker db upgrade`) or the head was deleted",
                zh=f"{self._t.zh}头记录缺失：数据库未升级（请运行 tracker db upgrade）"
                "或头记录被删除",
            )
        count, last, mac = tuple(row)
        return int(count), str(last), str(mac)

    # --- writing ---------------------------------------------------------------------

    @translated
    def append(self, draft: EntryDraft) -> Entry:
        """Seal and append one entry in the current transaction."""
        if self._head is None:
            count, last, mac = self._read_head(lock=True)
            if not head_ok(self._key, count, last, mac):
                name, zh, command = self._t.name, self._t.zh, self._t.verify_command
                raise LedgerError(
                    f"the {name} head does not carry the ledger key's seal: either the key "
                    f"is not the one this {name} was made with, or the head was changed; "
                    f"nothing can be recorded until `{command}` is clean",
                    zh=f"{zh}头的密钥校验失败：密钥不匹配或{zh}头被篡改；"
                    f"在 {command} 通过前不能记录新的{zh}",
                )
            self._head = (count, last)
        count, last = self._head
        entry, text = seal_text(draft, count + 1, last, self._key)
        self._pending.append(entry)
        self._texts.append(text)
        self._appended += 1
        if draft.carrier is not None:
            self._recorded.add(draft.carrier)
        self._head = (entry.seq, entry.hash)
        return entry

    @translated
    def flush(self) -> None:
        """Write the appended entries and the new head (part of the transaction)."""
        if not self._pending:
            return
        conn = self._conn()
        rows = [_row_values(e, t) for e, t in zip(self._pending, self._texts, strict=True)]
        insert_rows(conn, self._entries, _COLUMNS, rows)
        last = self._pending[-1]
        conn.execute(
            update(self._head_table)
            .where(self._head_table.c.id == 1)
            .values(
                count=last.seq, last_hash=last.hash, mac=head_mac(self._key, last.seq, last.hash)
            )
        )
        self._pending.clear()
        self._texts.clear()

    def reset(self) -> None:
        """Forget unwritten entries and the cached head (after rollback or commit)."""
        self._pending.clear()
        self._texts.clear()
        self._head = None
        self._appended = 0
        self._recorded.clear()

    @property
    def pending(self) -> int:
        """Entries appended but not yet written."""
        return len(self._pending)

    @property
    def appended(self) -> tuple[int, frozenset[str]]:
        """How many entries this transaction appended, and the carriers they name."""
        return self._appended, frozenset(self._recorded)

    # --- reading ---------------------------------------------------------------------

    @translated
    def head(self) -> tuple[int, str]:
        """The chain head: number of entries and the last hash."""
        if self._head is not None:
            return self._head
        count, last, _mac = self._read_head(lock=False)
        return count, last

    @translated
    def for_carrier(self, serial: str, limit: int = 1000) -> list[Entry]:
        """Entries about one carrier, oldest first."""
        self.flush()
        t = self._entries
        stmt = select_entries(t).where(t.c.carrier == serial).order_by(t.c.seq)
        return [entry_from_row(r) for r in self._conn().execute(stmt.limit(limit))]

    @translated
    def entries(self, *, after_seq: int = 0, limit: int = 1000) -> list[Entry]:
        """Entries in order, from ``after_seq + 1``."""
        self.flush()
        t = self._entries
        stmt = select_entries(t).where(t.c.seq > after_seq).order_by(t.c.seq)
        return [entry_from_row(r) for r in self._conn().execute(stmt.limit(limit))]

    def scan(
        self,
        actions: Sequence[str],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int = 1000,
    ) -> Iterator[Entry]:
        """Entries of the given actions with ``start <= at < end``, in order, read
        ``page_size`` at a time (key-set paging on ``seq``: constant memory)."""
        self.flush()
        t = self._entries
        stmt = select_entries(t).where(t.c.action.in_(list(actions)))
        if start is not None:
            stmt = stmt.where(t.c.at >= start)
        if end is not None:
            stmt = stmt.where(t.c.at < end)
        after = 0
        while True:
            with translating("reading the register"):
                page = self._conn().execute(
                    stmt.where(t.c.seq > after).order_by(t.c.seq).limit(page_size)
                )
                entries = [entry_from_row(r) for r in page]
            yield from entries
            if len(entries) < page_size:
                return
            after = entries[-1].seq

    @translated
    def entry(self, seq: int) -> Entry | None:
        """Entry number ``seq``, or None."""
        self.flush()
        t = self._entries
        row = self._conn().execute(select_entries(t).where(t.c.seq == seq)).first()
        return None if row is None else entry_from_row(row)

    def _filtered(self, stmt: Select[Any], f: EntryFilter) -> Select[Any]:
        t = self._entries
        if f.actor is not None:
            stmt = stmt.where(t.c.actor == f.actor)
        if f.actions:
            stmt = stmt.where(t.c.action.in_(sorted(f.actions)))
        if f.exclude_actors:
            stmt = stmt.where(t.c.actor.not_in(sorted(f.exclude_actors)))
        if f.since is not None:
            stmt = stmt.where(t.c.at >= f.since)
        if f.until is not None:
            stmt = stmt.where(t.c.at < f.until)
        return stmt

    @translated
    def find(self, f: EntryFilter, *, limit: int = 100, offset: int = 0) -> list[Entry]:
        """Entries matching ``f``, newest first."""
        self.flush()
        t = self._entries
        stmt = self._filtered(select_entries(t), f).order_by(t.c.seq.desc())
        return [entry_from_row(r) for r in self._conn().execute(stmt.limit(limit).offset(offset))]

    @translated
    def count(self, f: EntryFilter) -> int:
        """How many entries match ``f``."""
        self.flush()
        stmt = self._filtered(select(func.count()).select_from(self._entries), f)
        return int(self._conn().execute(stmt).scalar_one())

    # --- verifying -------------------------------------------------------------------

    @translated
    def verify(
        self, *, expect_count: int | None = None, expect_hash: str | None = None
    ) -> Verification:
        """Walk the whole chain in order, with constant memory.

        Checks every entry's hash, HMAC and link (see
        :func:`tracker.domain.ledger.verify_chain`), that the chain ends where the stored
        head says, that the head carries the key's HMAC, and - when an officer recorded a
        head outside the system - that entry ``expect_count`` still has ``expect_hash``.
        Run it in a read-only unit of work: it then sees one consistent snapshot without
        holding up writers."""
        started = time.perf_counter()
        self.flush()
        conn = self._conn()
        # In a writing transaction, hold appends off while walking so the head and the
        # entries agree; a read-only one reads a snapshot instead.
        ht, t = self._head_table, self._entries
        stmt = select(ht.c.count, ht.c.last_hash, ht.c.mac).where(ht.c.id == 1)
        if self._write:
            stmt = stmt.with_for_update(read=True)
        head = conn.execute(stmt).first()
        if head is None:
            raise LedgerError(
                f"the {self._t.name} head row is missing", zh=f"{self._t.zh}头记录缺失"
            )
        count, last, mac = tuple(head)
        head_count, head_hash, mac = int(count), str(last), str(mac)

        def locate(digest: str) -> int | None:
            found = conn.execute(select(t.c.seq).where(t.c.hash == digest)).first()
            return None if found is None else int(found.seq)

        result, seen = walk_chain(conn, t, self._key, (head_count, head_hash), expect_count, locate)
        if result.ok and not head_ok(self._key, head_count, head_hash, mac):
            result.problem = Problem(
                "head",
                head_count,
                f"the stored head ({head_count} entries) does not carry the key's "
                "seal: it was changed without the key",
            )
        if result.ok and expect_count is not None:
            result.problem = _against_record(result.entries, seen, expect_count, expect_hash)
        result.seconds = time.perf_counter() - started
        logger.info(
            "%s verified: %d entries in %.3f s, %s",
            self._t.name,
            result.entries,
            result.seconds,
            "intact" if result.ok else result.problem,
        )
        return result


def _against_record(
    entries: int, actual: str | None, expect_count: int, expect_hash: str | None
) -> Problem | None:
    """Compare the chain with a head an officer recorded outside the system."""
    if expect_count > entries:
        return Problem(
            "truncated",
            entries + 1,
            f"the head recorded by the officer has {expect_count} entries but the ledger "
            f"has only {entries}: entries #{entries + 1}..#{expect_count} were cut off",
        )
    if expect_count == 0:
        actual = GENESIS
    if expect_hash is not None and actual != expect_hash.strip().lower():
        return Problem(
            "head",
            expect_count,
            f"entry #{expect_count} has hash {(actual or '')[:16]}… but the head recorded by "
            f"the officer is {expect_hash.strip()[:16]}…: the ledger was rewritten up to "
            "there (with the key)",
        )
    return None
