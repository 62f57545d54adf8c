"""Repositories: domain objects in, domain objects out, tracked for write-back.

A repository reads rows with plain SQL (SQLAlchemy Core: no ORM object per row) and
turns them into the entity dataclasses positionally (the columns carry the fields' names
in the fields' order), and remembers every object it hands out or is given, keyed by the
entity's key: asking twice for the same key returns the same object. When the unit of
work commits (or before a query on the table, so queries see the work so far) new
objects are inserted together (:func:`tracker.store.bulk.insert_rows`) and each tracked
object is compared with what was last read or written: only the fields that differ
are updated, objects with the same changed fields in one ``executemany``. Carriers
carry a ``version``: an update names the version it was based on and moves it on, so a
change based on a stale read fails (:class:`~tracker.store.errors.ConcurrentUpdate`)
instead of overwriting.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    VARCHAR,
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy import text as text_sql

from tracker.domain.errors import Conflict, StoreError
from tracker.domain.model import Alert, AlertState, Borrow, BorrowState, Carrier, Movement
from tracker.domain.rules import CUSTODY_FIELDS
from tracker.store import schema
from tracker.store.bulk import insert_rows
from tracker.store.errors import ConcurrentUpdate, translated, translating
from tracker.store.types import EnumTuple, JSONDict, ScopeType, StrTuple

if TYPE_CHECKING:
    from tracker.store.db import Connects

logger = logging.getLogger(__name__)

T = TypeVar("T")
TRIGRAM = 3  # the shortest search text the trigram index can answer

# Column types stored as JSON; equality on them compares the serialized text.
_JSON_TYPES = (StrTuple, EnumTuple, JSONDict, ScopeType)


VERSION = "version"  # the optimistic-locking column, where a table has one
CARRIER = schema.carriers.c
BORROW = schema.borrows.c


class Work(Protocol):
    """The transaction a repository works in (:class:`~tracker.store.uow.SqlUnitOfWork`,
    or a :class:`~tracker.store.reading.Reading`, which has nothing to write)."""

    def flush(self, repo: SqlRepository[Any] | None = None) -> None:
        """Write what ``repo`` (or every repository) has to write before a query."""


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What a repository needs to know about an entity and its table (computed once)."""

    fields: tuple[str, ...]
    key: str
    json_fields: frozenset[str]
    key_index: int  # where the key is among the fields
    versioned: bool  # the table has a version column the entity does not
    columns: tuple[Any, ...]  # what a read selects: the fields in order (then version)
    by_key: Select[Any]  # one row by key (bind parameter "key")


_SHAPES: dict[tuple[type[Any], Table], _Shape] = {}


def _shape(entity: type[Any], row: Table | type[Any]) -> _Shape:
    """The shape of ``entity`` kept in the table ``row`` (or the ORM class mapped onto it)."""
    table: Table = row if isinstance(row, Table) else row.__table__
    found = _SHAPES.get((entity, table))
    if found is None:
        keys = list(table.primary_key)
        if len(keys) != 1:
            raise StoreError(f"{table.name} must have a single-column key")
        columns = table.columns
        fields = tuple(f.name for f in dataclasses.fields(entity))
        missing = [n for n in fields if n not in columns]
        if missing:
            # A field without a column would silently never be stored.
            raise StoreError(
                f"{entity.__name__} fields {missing} have no column in {table.name}: "
                "add them to tracker/store/schema.py and a migration"
            )
        versioned = VERSION in columns and VERSION not in fields
        selected = tuple(columns[n] for n in fields) + ((columns[VERSION],) if versioned else ())
        found = _SHAPES[(entity, table)] = _Shape(
            fields=fields,
            key=keys[0].name,
            json_fields=frozenset(n for n in fields if isinstance(columns[n].type, _JSON_TYPES)),
            key_index=fields.index(keys[0].name),
            versioned=versioned,
            columns=selected,
            by_key=select(*selected).where(columns[keys[0].name] == bindparam("key")),
        )
    return found


def _snapshot(obj: Any) -> dict[str, Any]:
    # Mutable values are copied so that changing them in place still shows as a change.
    snap: dict[str, Any] = obj.__dict__.copy()
    immutable = _IMMUTABLE
    for k, v in snap.items():
        if type(v) not in immutable and isinstance(v, _MUTABLE):
            snap[k] = v.copy()
    return snap


_MUTABLE = (dict, list, set)
# Most fields hold these: one set lookup tells them apart before the isinstance check.
_IMMUTABLE = frozenset({str, int, bool, float, type(None), datetime, tuple, frozenset})

# Plain text columns (no enum, no conversion): a list of them binds as one text array.
_PLAIN_TEXT = (String, VARCHAR, Text)


def binds_as_array(dialect: str, column: Any) -> bool:
    """Whether :func:`one_of` gives ``column`` one array parameter on ``dialect``."""
    return dialect == "postgresql" and type(column.type) in _PLAIN_TEXT


def one_of(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """``column`` is one of the values of the parameter ``name`` (a list, given with each
    execution of a statement built once). On PostgreSQL, for a plain text column, one
    array parameter (``= ANY(:name)``): the statement's text is the same for any number
    of values, so psycopg parses it once and prepares it once, where an ``IN`` list is a
    new statement for every length (and one too long for psycopg's cache of parsed
    queries at a hundred values). Elsewhere an expanding ``IN``."""
    out: ColumnElement[bool]
    if binds_as_array(dialect, column):
        # Imported here: a command on SQLite never loads PostgreSQL's dialect (CLI start).
        from sqlalchemy.dialects.postgresql import ARRAY

        out = column == any_(bindparam(name, type_=ARRAY(column.type)))
    else:
        out = column.in_(bindparam(name, expanding=True, type_=column.type))
    return out


# peek's and by_epcs' statements, built once per entity, database and shape of filters: building a
# select of every column and its cache key cost more than running it (~0.4 ms of CPU per
# read of 100 rows, measured).
_PEEKS: dict[tuple[Any, ...], Select[Any]] = {}


class SqlRepository(Generic[T]):
    """Generic repository for one entity type and its table."""

    def __init__(self, uow: Work, session: Connects, entity: type[T], table: Table) -> None:
        self._uow = uow
        self._session = session
        self._entity = entity
        shape = _shape(entity, table)
        self._shape = shape
        self._fields = shape.fields
        self._key = shape.key
        self._json_fields = shape.json_fields
        self._table = table
        self._columns = self._table.columns
        self._tracked: dict[str, T] = {}
        self._new: dict[str, T] = {}  # added, not inserted yet
        self._version: dict[str, int] = {}  # the version each versioned row was read at
        # The custody fields (R14) of each tracked object as first seen in this unit of
        # work; None for objects added in it.
        self._watch = CUSTODY_FIELDS.get(entity, ())
        self._origin: dict[str, tuple[Any, ...] | None] = {}
        # What each tracked object looked like when its row was last written or read:
        # comparing an object's __dict__ with it (in C) is the cheap test for "changed?",
        # and the fields that differ from it are what an update writes.
        self._seen: dict[str, dict[str, Any]] = {}

    # --- conversion and tracking ---------------------------------------------------

    def _conn(self) -> Connection:
        return self._session.connection()

    def _adopt(self, row: Any) -> T:
        """The tracked object for a row read with this repository's columns."""
        n = len(self._fields)
        key = row[self._shape.key_index]
        found = self._tracked.get(key)
        if found is not None:
            return found
        obj = self._entity(*row[:n])  # fresh values from the driver: nothing shared
        self._tracked[key] = obj
        self._seen[key] = _snapshot(obj)
        if self._shape.versioned:
            self._version[key] = row[n]
        if self._watch:
            self._origin[key] = self._custody(obj)
        return obj

    def _read(self, stmt: Select[Any]) -> list[T]:
        adopt = self._adopt
        return [adopt(r) for r in self._conn().execute(stmt)]

    def _custody(self, obj: T) -> tuple[Any, ...]:
        return tuple(getattr(obj, name) for name in self._watch)

    def custody_changed(self) -> list[str]:
        """Keys of tracked objects whose custody fields (R14) changed in this unit of
        work, or that were added in it."""
        return [key for key in self._tracked if self._changed(key)]

    def _changed(self, key: str) -> bool:
        if key not in self._origin:
            return False
        origin = self._origin[key]
        return origin is None or origin != self._custody(self._tracked[key])

    def pending(self) -> int:
        """How many objects a :meth:`sync` would write (nothing is written)."""
        seen = self._seen
        return len(self._new) + sum(
            1 for key, obj in self._tracked.items() if key in seen and obj.__dict__ != seen[key]
        )

    def sync(self) -> int:
        """Write new objects and the changed fields of tracked ones; returns how many
        objects were written. Called by the unit of work before queries and at commit."""
        written = self._insert_new()
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, obj in self._tracked.items():
            seen = self._seen.get(key)
            if seen is None or obj.__dict__ == seen:
                continue
            changed = tuple(n for n in self._fields if getattr(obj, n) != seen.get(n))
            if not changed:
                self._seen[key] = _snapshot(obj)
                continue
            if self._key in changed:
                raise StoreError(
                    f"{self._table.name}: the key of {key!r} was changed to "
                    f"{getattr(obj, self._key)!r}; keys cannot change",
                    zh=f"{self._table.name}：记录 {key!r} 的主键不能修改",
                )
            values = {f"v_{n}": getattr(obj, n) for n in changed}
            values["k_key"] = key
            if self._shape.versioned:
                values["k_version"] = self._version[key]
            updates.setdefault(changed, []).append(values)
            self._seen[key] = _snapshot(obj)
        for changed, rows in updates.items():
            self._update(changed, rows)
            written += len(rows)
        return written

    def _insert_new(self) -> int:
        if not self._new:
            return 0
        fields, versioned = self._fields, self._shape.versioned
        names = (*fields, VERSION) if versioned else fields
        rows = []
        for key, obj in self._new.items():
            d = obj.__dict__
            values = tuple([d[n] for n in fields])
            if versioned:
                values += (1,)
                self._version[key] = 1
            rows.append(values)
            self._seen[key] = _snapshot(obj)
        new, self._new = self._new, {}
        # In key order: random ids (alerts, notifications) inserted in order go into the
        # key's index one next to the other, not each into a page of its own (SQLite: 100,000
        # alert rows at 18.5-19.5 µs a row instead of 20-22). Every read orders by key
        # anyway (_ordering), so nothing sees the order rows were inserted in.
        at = self._shape.key_index
        rows.sort(key=lambda row: row[at])
        try:
            # Tuples straight to the driver (tracker.store.bulk): a run's 100,000 alerts
            # cost SQLAlchemy ~10 µs a row as dicts through ``insert()``.
            insert_rows(self._conn(), self._table, names, rows)
        except Exception:
            self._new = new  # not written: the unit of work rolls back and forgets them
            raise
        return len(rows)

    def _update(self, changed: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        t = self._table
        where = [t.c[self._key] == bindparam("k_key")]
        values: dict[str, Any] = {n: bindparam(f"v_{n}", type_=t.c[n].type) for n in changed}
        if self._shape.versioned:
            where.append(t.c[VERSION] == bindparam("k_version"))
            values[VERSION] = t.c[VERSION] + 1
        stmt = update(t).where(and_(*where)).values(values)
        done = self._conn().execute(stmt, rows)
        if self._shape.versioned:
            if done.rowcount != len(rows):
                raise ConcurrentUpdate(
                    "the record was changed by someone else meanwhile; reload and retry",
                    zh="记录已被他人修改，请刷新后重试",
                )
            for r in rows:
                self._version[r["k_key"]] = r["k_version"] + 1

    def forget(self) -> None:
        """Drop every tracked object (after a rollback they no longer match the rows)."""
        self._tracked.clear()
        self._new.clear()
        self._seen.clear()
        self._origin.clear()
        self._version.clear()

    @property
    def tracked(self) -> int:
        """How many objects this repository tracks."""
        return len(self._tracked)

    @property
    def table(self) -> str:
        """The name of the table this repository keeps."""
        return str(self._table.name)

    # --- the Repository port -------------------------------------------------------

    @translated
    def get(self, key: str) -> T | None:
        """The entity with ``key``, or None."""
        found = self._tracked.get(key)
        if found is not None:
            return found
        row = self._conn().execute(self._shape.by_key, {"key": key}).first()
        return None if row is None else self._adopt(row)

    def add(self, obj: T) -> None:
        """Add a new entity; it is inserted at commit (or before the next query)."""
        if not isinstance(obj, self._entity):
            raise StoreError(f"{self._table.name} stores {self._entity.__name__} objects")
        key = getattr(obj, self._key)
        if key in self._tracked:
            if self._tracked[key] is obj:
                return
            raise Conflict(
                f"{self._entity.__name__} {key!r} already exists",
                zh=f"{self._entity.__name__} {key!r} 已存在",
            )
        self._tracked[key] = obj
        self._new[key] = obj
        if self._watch:
            self._origin[key] = None

    @translated
    def find(
        self,
        *,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        **eq: Any,
    ) -> list[T]:
        """Entities whose fields equal the given values (a list/tuple/set means "one of",
        None means "is empty"; for a field that is itself a tuple, a tuple value means
        "equals"); ``order_by`` names fields, ``-field`` descending."""
        stmt = select(*self._shape.columns).where(*self._filters(eq))
        return self._run(stmt, order_by, limit, offset)

    @translated
    def peek(self, **eq: Any) -> list[T]:
        """Entities matching ``eq`` (as in :meth:`find`), by key, read in one statement
        and not tracked: for records a use case only judges by and never changes (a
        gateway batch's borrows, meetings, badges, …) - no snapshot kept per row, and
        changing one writes nothing. A record this unit of work tracks already comes
        back as the tracked object. A list value is the batch's keys: the selective
        filter (:func:`one_of`); SQLite is told the other filters are likely true, so it
        keeps to that column's index without statistics."""
        self._uow.flush(self)
        dialect = self._dialect
        keyed = {n: v for n, v in eq.items() if isinstance(v, list | tuple | set | frozenset)}
        if any(n in self._json_fields for n in keyed):
            raise StoreError(f"peek cannot match a list of {self._table.name} JSON values")
        if keyed and any(not v for v in keyed.values()):
            return []  # one of nothing: no row
        scalar = {n: v for n, v in eq.items() if n not in keyed}
        # IS NULL and JSON texts are not parameters: such a statement is built per call.
        plain = not any(v is None or f in self._json_fields for f, v in scalar.items())
        key = (self._entity, dialect, tuple(keyed), tuple(scalar))
        stmt = _PEEKS.get(key) if plain else None
        if stmt is None:
            for f in scalar:
                self._column(f)  # an unknown field fails here, before anything is kept
            stmt = self._peek_statement(dialect, list(keyed), scalar, plain)
            if plain:
                _PEEKS[key] = stmt
        params = {f"k_{f}": list(v) for f, v in keyed.items()}
        if plain:
            params.update({f"s_{f}": v for f, v in scalar.items()})
        n, at = len(self._fields), self._shape.key_index
        entity, tracked = self._entity, self._tracked
        out: list[T] = []
        for r in self._conn().execute(stmt, params):
            known = tracked.get(r[at])
            out.append(entity(*r[:n]) if known is None else known)
        return out

    def _peek_statement(
        self, dialect: str, keyed: list[str], scalar: dict[str, Any], params: bool
    ) -> Select[Any]:
        # The list filters as named parameters (k_<field>); the others as named parameters
        # (s_<field>) when ``params``, else with their values (None, JSON) as find has them.
        if params:
            c = self._columns
            others = [self._column(n) == bindparam(f"s_{n}", type_=c[n].type) for n in scalar]
        else:
            others = self._filters(scalar)
        if keyed and dialect == "sqlite":
            others = [func.likely(f) for f in others]
        lists = [one_of(dialect, self._column(n), f"k_{n}") for n in keyed]
        return (
            select(*self._shape.columns)
            .where(*lists, *others)
            .order_by(self._columns[self._key].asc())
        )

    @property
    def _dialect(self) -> str:
        return str(self._conn().dialect.name)

    @translated
    def count(self, **eq: Any) -> int:
        """How many entities match (same filters as :meth:`find`)."""
        self._uow.flush(self)
        stmt = select(func.count()).select_from(self._table).where(*self._filters(eq))
        return int(self._conn().scalar(stmt) or 0)

    def scan(
        self,
        order_by: str,
        *,
        start: Any = None,
        end: Any = None,
        page_size: int = 1000,
        **eq: Any,
    ) -> Iterator[T]:
        """Entities whose ``order_by`` field is set and within ``start <= value < end``
        (either bound optional) and that match ``eq`` (as in :meth:`find`), in that
        field's order then the key's. Rows are read ``page_size`` at a time with key-set
        paging and are not tracked, so a register of any length is read in constant
        memory; changing a scanned object writes nothing."""
        fields, entity = self._fields, self._entity
        for r in self._pages(fields, order_by, start, end, page_size, eq):
            # fresh values from the driver: nothing shared, no copies needed
            yield entity(**dict(zip(fields, r, strict=True)))

    def scan_values(
        self,
        fields: Sequence[str],
        order_by: str,
        *,
        start: Any = None,
        end: Any = None,
        page_size: int = 1000,
        **eq: Any,
    ) -> Iterator[tuple[Any, ...]]:
        """:meth:`scan`, but only ``fields`` of each entity, as a tuple in that order:
        a sweep over a site's every carrier reads four columns, not forty."""
        for name in fields:
            self._column(name)
        yield from self._pages(tuple(fields), order_by, start, end, page_size, eq)

    def _pages(
        self,
        fields: tuple[str, ...],
        order_by: str,
        start: Any,
        end: Any,
        page_size: int,
        eq: dict[str, Any],
    ) -> Iterator[tuple[Any, ...]]:
        self._uow.flush(self)
        column, key = self._column(order_by), self._columns[self._key]
        eq = dict(eq)
        ordered = {order_by: eq.pop(order_by)} if order_by in eq else {}
        others = self._filters(eq)
        if self._dialect == "sqlite":
            # Without statistics SQLite takes an equality on any indexed column (say
            # ``circulation IS NULL``, true of almost every borrow) for the better index,
            # then sorts the whole table for every page. Marking the other filters as
            # likely true keeps it on the (field, key) index the pages walk.
            others = [func.likely(f) for f in others]
        # The paging columns are read too (after the fields asked for) to know where the
        # next page starts.
        stmt = select(*(self._columns[n] for n in fields), column, key).where(
            column.is_not(None), *self._filters(ordered), *others
        )
        if start is not None:
            stmt = stmt.where(column >= start)
        if end is not None:
            stmt = stmt.where(column < end)
        stmt = stmt.order_by(column.asc(), key.asc()).limit(page_size)
        n = len(fields)
        last: tuple[Any, Any] | None = None
        while True:
            page_stmt = stmt
            if last is not None:
                # A row-value comparison walks the (field, key) index from where the
                # last page ended (SQLite >= 3.15, PostgreSQL).
                after = tuple_(
                    bindparam(None, last[0], type_=column.type),
                    bindparam(None, last[1], type_=key.type),
                )
                page_stmt = stmt.where(tuple_(column, key) > after)
            with translating("reading records"):
                rows = self._conn().execute(page_stmt).all()
            for r in rows:
                yield tuple(r[:n])
            if len(rows) < page_size:
                return
            last = (rows[-1][n], rows[-1][n + 1])

    @translated
    def count_by(self, *fields: str, **eq: Any) -> dict[tuple[Any, ...], int]:
        """How many entities match, per combination of ``fields`` (one GROUP BY)."""
        self._uow.flush(self)
        columns = [self._column(f) for f in fields]
        stmt = select(*columns, func.count()).where(*self._filters(eq)).group_by(*columns)
        return {tuple(row[:-1]): int(row[-1]) for row in self._conn().execute(stmt)}

    # --- helpers for subclasses ----------------------------------------------------

    def _run(
        self,
        stmt: Select[Any],
        order_by: str | Sequence[str] | None,
        limit: int | None,
        offset: int,
    ) -> list[T]:
        self._uow.flush(self)
        stmt = stmt.order_by(*self._ordering(order_by))
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        return self._read(stmt)

    def _column(self, name: str) -> Any:
        if name not in self._fields:
            raise StoreError(
                f"{self._entity.__name__} has no field {name!r}",
                zh=f"{self._entity.__name__} 没有字段 {name!r}",
            )
        return self._columns[name]

    def _filters(self, eq: dict[str, Any]) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        for name, value in eq.items():
            column = self._column(name)
            if name in self._json_fields:
                # A list field equals a whole list: compare the JSON texts (both sides go
                # through the same serializer; PostgreSQL's json has no "=").
                if value is None:
                    out.append(column.is_(None))
                else:
                    out.append(
                        cast(column, Text) == cast(literal(value, self._columns[name].type), Text)
                    )
            elif value is None:
                out.append(column.is_(None))
            elif isinstance(value, list | tuple | set | frozenset):
                out.append(column.in_(list(value)))
            else:
                out.append(column == value)
        return out

    def _ordering(self, order_by: str | Sequence[str] | None) -> list[Any]:
        names: Iterable[str]
        if order_by is None:
            names = (self._key,)
        elif isinstance(order_by, str):
            names = (order_by,)
        else:
            names = order_by
        out = []
        for name in names:
            desc = name.startswith("-")
            column = self._column(name.lstrip("-"))
            out.append(column.desc() if desc else column.asc())
        if self._key not in {n.lstrip("-") for n in names}:
            out.append(self._columns[self._key].asc())  # a stable order for paging
        return out


def _fresh(value: Any) -> Any:
    """A copy of mutable values so a domain object and its row never share one."""
    if isinstance(value, dict | list | set):
        return copy.deepcopy(value)
    return value


class SqlCarrierRepository(SqlRepository[Carrier]):
    """Carriers by serial, EPC and text search, with row locks."""

    @translated
    def by_epc(self, epc: str) -> Carrier | None:
        """The carrier whose tag carries ``epc`` (upper-case hex)."""
        found = self.find(epc=epc.upper(), limit=1)
        return found[0] if found else None

    @translated
    def by_epcs(self, epcs: Sequence[str]) -> list[Carrier]:
        """The carriers whose tags carry one of ``epcs`` (upper-case hex), in one
        statement, by serial (tracked, as :meth:`find` gives them)."""
        if not epcs:
            return []
        self._uow.flush(self)
        dialect = self._dialect
        stmt = _PEEKS.get((Carrier, dialect, "by_epcs"))
        if stmt is None:
            stmt = _PEEKS[(Carrier, dialect, "by_epcs")] = (
                select(*self._shape.columns)
                .where(one_of(dialect, CARRIER.epc, "k_epc"))
                .order_by(CARRIER.serial.asc())
            )
        adopt = self._adopt
        return [adopt(r) for r in self._conn().execute(stmt, {"k_epc": list(epcs)})]

    @translated
    def search(
        self,
        *,
        text: str | None = None,
        limit: int = 100,
        offset: int = 0,
        **eq: Any,
    ) -> list[Carrier]:
        """Carriers matching the filters; ``text`` matches a part of the serial or of the
        title, ignoring case."""
        stmt = select(*self._shape.columns).where(*self._filters(eq))
        needle = (text or "").strip()
        sqlite = self._dialect == "sqlite"
        if needle and sqlite and len(needle) >= TRIGRAM:
            # The trigram index of migration 0013 finds a part of the serial or title of
            # three characters or more without reading every title.
            phrase = '"' + needle.replace('"', '""') + '"'
            indexed = text_sql("SELECT serial FROM carrier_search WHERE carrier_search MATCH :q")
            stmt = stmt.where(CARRIER.serial.in_(indexed.bindparams(q=phrase)))
        elif needle:
            if sqlite:
                # SQLite's LIKE already ignores case exactly as its lower() does (ASCII
                # letters only); lower() on both sides would only double the scan's cost.
                match = [
                    CARRIER.serial.contains(needle, autoescape=True),
                    CARRIER.title.contains(needle, autoescape=True),
                ]
            else:
                # With pg_trgm (migration 0013) ILIKE '%…%' uses the trigram indexes.
                match = [
                    CARRIER.serial.icontains(needle, autoescape=True),
                    CARRIER.title.icontains(needle, autoescape=True),
                ]
            stmt = stmt.where(or_(*match))
        return self._run(stmt, "serial", limit, offset)

    @translated
    def by_holder(self, states: Sequence[Any], limit: int) -> list[Carrier]:
        """The first ``limit`` carriers in one of ``states``, by holder then serial."""
        order = (CARRIER.holder.asc(), CARRIER.serial.asc())
        # The serials come from the (state, holder, serial) index alone (migration 0018);
        # only the rows shown are read. Selecting whole rows in one query read every
        # carrier in those states from the table and sorted them all (~5 ms for 5,000
        # carriers out on SQLite, the query planners choosing the (state, level) index).
        first = (
            select(CARRIER.serial)
            .where(CARRIER.state.in_(list(states)))
            .order_by(*order)
            .limit(limit)
        )
        stmt = select(*self._shape.columns).where(CARRIER.serial.in_(first.scalar_subquery()))
        return self._run(stmt, ["holder", "serial"], None, 0)

    @translated
    def lock(self, serial: str) -> Carrier | None:
        """Like :meth:`get`, but the row stays locked until the transaction ends
        (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers are serialised already).

        The row is re-read under the lock, so an object handed out earlier is brought up
        to date; changes this unit made to it before are written first, and fail with a
        :class:`~tracker.store.errors.ConcurrentUpdate` if they were based on a stale read."""
        # A carrier this unit has not changed yet is judged (R14) from what the locked row
        # says now, not from an earlier read another transaction may have overtaken.
        pristine = serial not in self._tracked or not self._changed(serial)
        self._uow.flush(self)
        stmt = self._shape.by_key.with_for_update()
        row = self._conn().execute(stmt, {"key": serial}).first()
        if row is None:
            return None
        obj = self._tracked.get(serial)
        if obj is None:
            return self._adopt(row)
        n = len(self._fields)
        for name, value in zip(self._fields, row[:n], strict=True):
            setattr(obj, name, value)  # what another transaction wrote meanwhile counts
        self._version[serial] = row[n]
        self._seen[serial] = _snapshot(obj)
        if pristine and self._origin.get(serial) is not None:
            self._origin[serial] = self._custody(obj)
        return obj


class SqlBorrowRepository(SqlRepository[Borrow]):
    """Borrows, with the overdue query."""

    @translated
    def overdue(self, now: datetime, limit: int | None = None) -> list[Borrow]:
        """Checked-out borrows whose due time has passed, oldest due first."""
        stmt = select(*self._shape.columns).where(
            BORROW.state == BorrowState.OUT, BORROW.due_at < now
        )
        return self._run(stmt, ["due_at"], limit, 0)

    @translated
    def out_for(self, carriers: Sequence[str]) -> list[Borrow]:
        """The checked-out borrows of ``carriers`` (one statement), by id."""
        if not carriers:
            return []
        out: ColumnElement[bool] = BORROW.state == BorrowState.OUT
        if self._dialect == "sqlite":
            # Without statistics SQLite takes the state index (every open borrow) over
            # the carrier index (a few rows each); "likely" keeps it on the carrier's.
            out = func.likely(out)
        stmt = select(*self._shape.columns).where(BORROW.carrier.in_(list(carriers)), out)
        return self._run(stmt, None, None, 0)

    @translated
    def count_overdue(self, now: datetime) -> int:
        """How many checked-out borrows are past their due time."""
        self._uow.flush(self)
        stmt = (
            select(func.count())
            .select_from(schema.borrows)
            .where(BORROW.state == BorrowState.OUT, BORROW.due_at < now)
        )
        return int(self._conn().scalar(stmt) or 0)


class SqlAlertRepository(SqlRepository[Alert]):
    """Alerts, with the one-open-alert-per-cause lookup."""

    @translated
    def open_for_cause(self, cause: str) -> Alert | None:
        """The open or acknowledged (not resolved) alert for ``cause``."""
        found = self.find(
            cause=cause,
            state=(AlertState.OPEN, AlertState.ACKNOWLEDGED),
            order_by="-last_seen",
            limit=1,
        )
        return found[0] if found else None


class SqlMovementRepository(SqlRepository[Movement]):
    """Movements, with idempotency by the gateway's event id."""

    @translated
    def by_event_id(self, event_id: str) -> Movement | None:
        """The movement recorded for a gateway event id."""
        found = self.find(event_id=event_id, limit=1)
        return found[0] if found else None
