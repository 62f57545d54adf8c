"""What every register (登记簿) shares: its columns, the filter it was asked for, the
header it carries, the lookups its rows need, and need-to-know for titles.

A register is a heading plus an iterator of rows, produced inside a read-only unit of
work and consumed by a writer (PDF, XLSX, CSV) while that unit of work is open: rows are
read from the database a page at a time and never held all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any, TypeVar

from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, Person
from tracker.domain.site import Site
from tracker.services.knowledge import may_know
from tracker.services.ports import UnitOfWork

T = TypeVar("T")

PAGE = 1000  # rows read from the database at a time
CARRIER_CACHE = 5000  # carriers a register keeps at hand (a bound: memory stays flat)

Cell = str | int | date | datetime | None

RESTRICTED_ZH = "〔知悉范围外，不显示名称〕"
RESTRICTED_EN = "[outside the knowledge scope: title withheld]"


@dataclass(frozen=True)
class Column:
    """One column of a register. ``sign`` columns are left blank for ink on the printed
    book (the PDF has them; spreadsheets, which nobody signs, do not)."""

    key: str
    zh: str
    en: str
    width: float = 1.0  # relative width in the PDF
    sign: bool = False

    def heading(self, lang: str) -> str:
        """The column's heading in ``lang``."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class RegisterQuery:
    """Which part of a register: a period of local calendar days (both ends included),
    and optionally one room (the carriers' home room) and one level."""

    start: date
    end: date
    room: str | None = None
    level: Level | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "to",
                f"the period ends ({self.end}) before it starts ({self.start})",
                zh=f"截止日期（{self.end}）早于起始日期（{self.start}）",
            )
        if (self.end - self.start).days > 366 * 30:
            raise InvalidInput("from", "a period of at most 30 years", zh="期间最长 30 年")
        if self.start.year < 1900 or self.end.year > 9000:
            raise InvalidInput(
                "from", "a period between 1900 and 9000", zh="期间须在 1900—9000 年之间"
            )

    @staticmethod
    def parse(
        start: str, end: str, room: str | None = None, level: str | None = None
    ) -> RegisterQuery:
        """A query from text (``YYYY-MM-DD`` days, a room id, a level name), with errors
        that name the field at fault."""
        days = []
        for name, text in (("from", start), ("to", end)):
            try:
                days.append(date.fromisoformat(text.strip()))
            except ValueError:
                raise InvalidInput(
                    name,
                    f"{text!r} is not a day (YYYY-MM-DD)",
                    zh=f"{text!r} 不是日期（YYYY-MM-DD）",
                ) from None
        return RegisterQuery(days[0], days[1], room or None, Level.parse(level) if level else None)

    def bounds(self, site: Site) -> tuple[datetime, datetime]:
        """The period as instants: from the start day's midnight to the midnight after
        the end day, in the site's time zone."""
        tz = site.calendar.tz
        return (
            datetime.combine(self.start, time(0), tz),
            datetime.combine(self.end + timedelta(days=1), time(0), tz),
        )


@dataclass(frozen=True)
class Footer:
    """What follows the rows: summary lines and signature lines (清查人、监交人…)."""

    lines: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()


@dataclass
class Register:
    """A register ready to be written: heading, columns and the rows (an iterator)."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    rows: Iterator[tuple[Cell, ...]]
    unit: str
    period: str
    filters: str
    reader: str
    generated_at: datetime
    lang: str = "zh"
    footer: Callable[[], Footer] = Footer
    count: int = 0  # rows written so far (the writers count as they go)

    def data_columns(self) -> list[int]:
        """Indexes of the columns that carry data (not signature columns)."""
        return [i for i, c in enumerate(self.columns) if not c.sign]

    def counted(self) -> Iterator[tuple[Cell, ...]]:
        """The rows, counting them in :attr:`count`."""
        for row in self.rows:
            self.count += 1
            yield row


def batched(items: Iterable[T], size: int = PAGE) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class Reading:
    """Everything a register's rows are made with: the unit of work, the site, the
    reader (for need-to-know), the filter, and cached names of people and places."""

    uow: UnitOfWork
    site: Site
    reader: Person
    query: RegisterQuery
    now: datetime
    lang: str = "zh"
    _names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = {p.id: p.name for p in self.uow.people.find()}
        self._places = {p.id: p.name for p in self.site.places}
        self._carrier_cache: dict[str, Carrier] = {}
        self._shown: dict[str, tuple[str, str, bool]] = {}  # serial -> title, marking, knows
        self._tz = self.site.calendar.tz

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants (see :meth:`RegisterQuery.bounds`)."""
        return self.query.bounds(self.site)

    def name(self, person: str | None) -> str:
        """A person's name (with the id when the name is unknown)."""
        if not person:
            return ""
        return self._names.get(person, person)

    def names(self, people: Iterable[str]) -> str:
        """Several people's names, separated by 、."""
        return "、".join(self.name(p) for p in people)

    def place(self, place: str | None) -> str:
        """A place's name."""
        if not place:
            return ""
        return self._places.get(place, place)

    def local(self, at: datetime | None) -> datetime | None:
        """An instant in the site's time zone (what the book shows)."""
        return None if at is None else at.astimezone(self._tz)

    def carriers(self, serials: Iterable[str]) -> dict[str, Carrier]:
        """The carriers with these serials, read in pages (not tracked) and kept in a
        bounded cache: the same carriers come back page after page in a busy book."""
        wanted = set(serials)
        cache = self._carrier_cache
        missing = sorted(wanted - cache.keys())
        if len(cache) + len(missing) > CARRIER_CACHE:
            cache.clear()
            missing = sorted(wanted)
        for chunk in batched(missing, 500):
            cache.update((c.serial, c) for c in self.uow.carriers.scan("serial", serial=chunk))
        return {s: cache[s] for s in wanted if s in cache}

    def each(
        self, records: Iterable[T], serials: Callable[[T], Iterable[str]]
    ) -> Iterator[tuple[T, str, Carrier | None]]:
        """``(record, serial, carrier)`` for every carrier of every record that passes
        the room and level filters; records and their carriers are read a page at a
        time."""
        for page in batched(records):
            carriers = self.carriers(s for rec in page for s in serials(rec))
            for rec in page:
                for serial in serials(rec):
                    c = carriers.get(serial)
                    if self.selected(c):
                        yield rec, serial, c

    def selected(self, c: Carrier | None) -> bool:
        """True when the carrier passes the room and level filters."""
        if c is None:
            return self.query.room is None and self.query.level is None
        if self.query.level is not None and c.level is not self.query.level:
            return False
        return self.query.room is None or c.home_room == self.query.room

    # --- need-to-know ------------------------------------------------------------------

    def _show(self, c: Carrier) -> tuple[str, str, bool]:
        """(title or notice, marking, knows) of a carrier, kept per serial (bounded): a
        busy book shows the same carriers row after row."""
        found = self._shown.get(c.serial)
        if found is None:
            if len(self._shown) >= CARRIER_CACHE:
                self._shown.clear()
            knows = may_know(self.reader, c)  # need-to-know (R3): the registers' one call
            title = c.title if knows else RESTRICTED_EN if self.lang == "en" else RESTRICTED_ZH
            marking = c.marking.en() if self.lang == "en" else c.marking.zh()
            found = self._shown[c.serial] = (title, marking, knows)
        return found

    def knows(self, c: Carrier | None) -> bool:
        """Need-to-know (R3): may the reader see this carrier's title and content?"""
        return c is not None and self._show(c)[2]

    def title(self, c: Carrier | None) -> str:
        """The title for readers who may know it; a notice otherwise (the row still
        carries the serial and the marking)."""
        if c is None:
            return RESTRICTED_EN if self.lang == "en" else RESTRICTED_ZH
        return self._show(c)[0]

    def marking(self, c: Carrier | None) -> str:
        """The classification marking as printed (机密★10年)."""
        return "" if c is None else self._show(c)[1]

    def level(self, c: Carrier | None) -> str:
        """The level's name."""
        if c is None:
            return ""
        return c.level.en if self.lang == "en" else c.level.zh

    def free_text(self, text: str, carriers: Iterable[Carrier | None]) -> str:
        """A reason or purpose written about carriers: it may quote their content, so it
        is shown only to a reader who may know every one of them."""
        return text if all(self.knows(c) for c in carriers) else "—"

    def text(self, zh: str, en: str) -> str:
        """A fixed text in the register's language."""
        return en if self.lang == "en" else zh


@dataclass(frozen=True)
class Spec:
    """One kind of register: its name, columns, and how its rows are read."""

    kind: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: Callable[[Reading], Iterator[tuple[Cell, ...]]]
    footer: Callable[[Reading], Footer] | None = None

    def title(self, lang: str) -> str:
        """The register's name in ``lang``."""
        return self.en if lang == "en" else self.zh


def overdue_days(due: datetime, back: datetime | None, now: datetime) -> int:
    """Whole days (rounded up) a return came, or is, past due; 0 when on time."""
    late = (back or now) - due
    if late <= timedelta(0):
        return 0
    return -(-late // timedelta(days=1))


def common(key: str) -> Column:
    """The columns most registers share, by key."""
    return _COMMON[key]


_COMMON: dict[str, Column] = {
    c.key: c
    for c in (
        Column("serial", "编号", "Serial", 1.3),
        Column("title", "名称（或仅标志）", "Title (or marking only)", 2.6),
        Column("marking", "密级标志", "Marking", 1.1),
        Column("approver", "批准人", "Approved by", 0.8),
    )
}


def row(values: dict[str, Any], columns: tuple[Column, ...]) -> tuple[Cell, ...]:
    """A row in column order (signature columns blank); every data column must have a
    value (None for an empty cell), so a misspelt key fails loudly."""
    found = _PICKERS.get(id(columns))
    if found is None or found[0] is not columns:
        found = _PICKERS[id(columns)] = (columns, _picker(columns))
    return found[1](values)


Picker = Callable[[dict[str, Any]], tuple[Cell, ...]]
_PICKERS: dict[int, tuple[tuple[Column, ...], Picker]] = {}  # by the columns' identity


def _picker(columns: tuple[Column, ...]) -> Picker:
    """How a row of ``columns`` is taken from its values, made once per register kind
    (a row is made for every line of a book of any length; hashing the columns for a
    cache would cost more than the row)."""
    data = [c.key for c in columns if not c.sign]
    if all(c.sign for c in columns[len(data) :]):  # signature columns last: one C call
        get = itemgetter(*data)
        blank = (None,) * (len(columns) - len(data))
        if len(data) == 1:
            return lambda values: (get(values), *blank)
        return lambda values: get(values) + blank
    return lambda values: tuple(None if c.sign else values[c.key] for c in columns)
