"""The ports the use cases need: repositories, the ledger, counters, and a unit of work
that makes one use case one transaction. ``tracker.store`` implements them on SQLAlchemy.

A repository hands out domain objects. Objects it has handed out during a unit of work
are written back when the unit of work commits (so a use case changes an entity by
changing its fields), and nothing is written when it does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from tracker.domain.accounts import Device, ThrottleBucket, User
from tracker.domain.attachments import Attachment
from tracker.domain.disclosure import Disclosure, Handling
from tracker.domain.evidence import Still
from tracker.domain.ledger import Entry, EntryDraft, EntryFilter, Verification
from tracker.domain.meetings import Handout, Meeting
from tracker.domain.model import (
    Alert,
    Badge,
    Borrow,
    Carrier,
    CarryOut,
    Circulation,
    CopyRequest,
    Destruction,
    Door,
    Handover,
    Inventory,
    LevelChange,
    LossReport,
    Movement,
    Notification,
    Person,
    Place,
)
from tracker.domain.rules import CustodyChanges
from tracker.domain.seals import Seal
from tracker.domain.sessions import ConsoleSession

T = TypeVar("T")


class Repository(Protocol[T]):
    """Generic access to one kind of entity, keyed by its id (a serial for carriers)."""

    def get(self, key: str) -> T | None:
        """The entity with ``key``, or None."""
        ...

    def add(self, obj: T) -> None:
        """Add a new entity; it is inserted at commit."""
        ...

    def find(
        self,
        *,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        **eq: Any,
    ) -> list[T]:
        """Entities whose fields equal the given values. A list/tuple/set value means "one
        of"; None means "is empty". ``order_by`` names fields, ``-field`` descending."""
        ...

    def peek(self, **eq: Any) -> list[T]:
        """Entities matching ``eq`` (as :meth:`find`; a list value is the keys of a
        batch), by key, not tracked: read-only, for records a use case judges by and
        never changes."""
        ...

    def count(self, **eq: Any) -> int:
        """How many entities match (same filters as :meth:`find`)."""
        ...

    def scan(
        self,
        order_by: str,
        *,
        start: Any = None,
        end: Any = None,
        page_size: int = 1000,
        **eq: Any,
    ) -> Iterator[T]:
        """Entities with ``order_by`` set and ``start <= order_by < end`` (bounds
        optional) matching ``eq``, in that order, read a page at a time and not tracked
        (read-only): registers of any length in constant memory."""
        ...

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
        """:meth:`scan`, but only ``fields`` of each entity, as tuples in that order."""
        ...

    def count_by(self, *fields: str, **eq: Any) -> dict[tuple[Any, ...], int]:
        """How many entities match, per combination of the values of ``fields``."""
        ...


class CarrierRepository(Repository[Carrier], Protocol):
    """Carriers by serial, with the lookups the use cases need."""

    def by_epc(self, epc: str) -> Carrier | None:
        """The carrier whose tag carries ``epc`` (upper-case hex)."""
        ...

    def by_epcs(self, epcs: Sequence[str]) -> list[Carrier]:
        """The carriers whose tags carry one of ``epcs`` (upper-case hex), by serial."""
        ...

    def search(
        self,
        *,
        text: str | None = None,
        limit: int = 100,
        offset: int = 0,
        **eq: Any,
    ) -> list[Carrier]:
        """Carriers matching filters; ``text`` matches serial or title (callers must hide
        titles from those outside the scope, and must not reveal which titles matched)."""
        ...

    def lock(self, serial: str) -> Carrier | None:
        """Like :meth:`get` but locks the row for the rest of the transaction."""
        ...

    def by_holder(self, states: Sequence[Any], limit: int) -> list[Carrier]:
        """The first ``limit`` carriers in one of ``states``, by holder then serial."""
        ...


class BorrowRepository(Repository[Borrow], Protocol):
    """Borrows, with the overdue query."""

    def overdue(self, now: datetime, limit: int | None = None) -> list[Borrow]:
        """Checked-out borrows whose due time has passed, oldest due first."""
        ...

    def out_for(self, carriers: Sequence[str]) -> list[Borrow]:
        """The checked-out borrows of ``carriers``, in one statement, by id."""
        ...

    def count_overdue(self, now: datetime) -> int:
        """How many checked-out borrows are past their due time."""
        ...


class AlertRepository(Repository[Alert], Protocol):
    """Alerts, with the one-open-alert-per-cause lookup."""

    def open_for_cause(self, cause: str) -> Alert | None:
        """The open (or acknowledged, not resolved) alert for ``cause``."""
        ...


class MovementRepository(Repository[Movement], Protocol):
    """Movements, with idempotency by the gateway's event id."""

    def by_event_id(self, event_id: str) -> Movement | None:
        """The movement recorded for a gateway event id."""
        ...


class Ledger(Protocol):
    """The append-only custody register (R14)."""

    def append(self, draft: EntryDraft) -> Entry:
        """Seal and append one entry in the current transaction."""
        ...

    def head(self) -> tuple[int, str]:
        """The chain head: number of entries and the last hash."""
        ...

    def for_carrier(self, serial: str, limit: int = 1000) -> list[Entry]:
        """Entries about one carrier, oldest first."""
        ...

    def entries(self, *, after_seq: int = 0, limit: int = 1000) -> list[Entry]:
        """Entries in order, from ``after_seq + 1``."""
        ...

    def scan(
        self,
        actions: Sequence[str],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int = 1000,
    ) -> Iterator[Entry]:
        """Entries of ``actions`` with ``start <= at < end``, in order, a page at a time."""
        ...

    def verify(self) -> Verification:
        """Walk the whole chain (see :func:`tracker.domain.ledger.verify_chain`)."""
        ...

    def find(self, f: EntryFilter, *, limit: int = 100, offset: int = 0) -> list[Entry]:
        """Entries matching ``f``, newest first."""
        ...

    def count(self, f: EntryFilter) -> int:
        """How many entries match ``f``."""
        ...


class Counters(Protocol):
    """Gap-free counters: serial numbers per prefix and year, EPC references."""

    def next_serial(self, prefix: str, year: int) -> int:
        """The next serial number for ``prefix`` and ``year`` (1, 2, …), locked until
        commit so concurrent receives never share or skip a number."""
        ...

    def next_epc_reference(self) -> int:
        """The next EPC asset reference; references are never reused."""
        ...

    def claim_epc(self, epc: str, serial: str) -> None:
        """Record that ``epc`` belongs to ``serial`` forever; raises Conflict if taken."""
        ...

    def next_serials(self, prefix: str, year: int, count: int) -> range:
        """``count`` consecutive serial numbers at once (a whole delivery)."""
        ...

    def next_epc_references(self, count: int) -> range:
        """``count`` consecutive EPC references at once."""
        ...

    def claim_epcs(self, claims: Sequence[tuple[str, str]]) -> None:
        """:meth:`claim_epc` for many ``(epc, serial)`` pairs at once."""
        ...


class Settings(Protocol):
    """Small named documents kept in the database (the loaded site file, run marks)."""

    def get(self, name: str) -> str | None:
        """The stored text, or None."""
        ...

    def get_many(self, names: Iterable[str]) -> dict[str, str]:
        """The stored texts of those of ``names`` that are stored (one look-up)."""
        ...

    def put(self, name: str, text: str) -> None:
        """Store ``text`` under ``name``."""
        ...


class PrintResult(Protocol):
    """A label printed and read back: what the barcode and the tag were read as."""

    @property
    def printer(self) -> str: ...

    @property
    def kind(self) -> str:
        """zpl / pdf / png."""
        ...

    @property
    def barcode(self) -> str:
        """The serial as decoded from the printed label."""
        ...

    @property
    def tag_epc(self) -> str | None:
        """The EPC read from the label's tag."""
        ...


class LabelStation(Protocol):
    """The custodian's desk: prints a carrier's label and reads it back (barcode and tag);
    raises a TrackerError (printer fault, read-back mismatch) when it cannot confirm."""

    @property
    def printer_id(self) -> str: ...

    def print_label(self, carrier: Carrier, *, reprint: int = 0) -> PrintResult:
        """Print ``carrier``'s label (``reprint`` > 0 marks a reprint) and confirm it."""
        ...


class IngestLog(Protocol):
    """Gateway event ids already applied, per device, with the answer given, so a batch
    posted twice is recorded once and answered the same."""

    def get(self, event_id: str, source: str) -> tuple[str, str] | None:
        """``(answer, digest)`` stored for ``event_id`` from ``source`` (a device id), or
        None. The answer is JSON text; the digest is "" for events recorded before
        digests were kept."""
        ...

    def put(self, event_id: str, source: str, answer: str, digest: str = "") -> None:
        """Remember ``event_id`` from ``source``, its answer and its content digest."""
        ...

    def get_many(self, source: str, event_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """:meth:`get` for many event ids of one device in one statement, by event id."""
        ...

    def put_many(self, source: str, items: Sequence[tuple[str, str, str]]) -> None:
        """:meth:`put` for many ``(event_id, answer, digest)`` of one device at once."""
        ...


class LoginThrottle(Protocol):
    """Failed-login counts kept in the database, shared by every server on it."""

    def get(self, username: str, client: str) -> ThrottleBucket | None:
        """The bucket, or None when there were no recent failures."""
        ...

    def put(self, bucket: ThrottleBucket) -> None:
        """Store ``bucket`` (insert or replace)."""
        ...

    def clear(self, username: str, client: str | None = None) -> int:
        """Forget the failures of ``username`` (from ``client``, or from everywhere);
        returns how many buckets were removed."""
        ...

    def failures_since(
        self, since: datetime, *, username: str | None = None, client: str | None = None
    ) -> tuple[int, int]:
        """Failures counted in buckets touched since ``since`` for ``username`` or
        ``client``: (failures, buckets)."""
        ...

    def purge(self, before: datetime) -> int:
        """Remove buckets untouched since ``before`` whose wait is over."""
        ...


class EvidenceStore(Protocol):
    """Alarm stills: bytes content-addressed by SHA-256, a record per still."""

    def add(self, still: Still, data: bytes) -> None:
        """Keep ``data`` and the still's record."""
        ...

    def for_alert(self, alert: str) -> list[Still]:
        """The stills kept with ``alert``, deleted ones included."""
        ...

    def get(self, still_id: str) -> Still | None:
        """One still's record."""
        ...

    def blob(self, sha256: str) -> bytes | None:
        """The bytes with this SHA-256, if still kept."""
        ...

    def expired(self, before: datetime, limit: int = 500) -> list[Still]:
        """Kept stills stored before ``before``, oldest first."""
        ...

    def delete(self, still_id: str, at: datetime) -> None:
        """Mark a still deleted and drop its bytes once no kept still shares them."""
        ...


class StreamLog(Protocol):
    """The live stream's events in the database, shared by every process on it."""

    def append(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Queue ``(kind, data)`` events; the commit writes them as one batch, numbered
        in commit order, and tells every listening process."""
        ...


class KeyReads(Protocol):
    """One stored record by its key in one statement, outside any unit of work: for
    read-only answers that need nothing else (where-is). The object is not tracked."""

    def get(self, entity: type[T], key: str) -> T | None:
        """The stored ``entity`` with ``key``, or None."""
        ...

    async def aget(self, entity: type[T], key: str) -> T | None:
        """:meth:`get` awaited in the event loop (without a worker thread)."""
        ...

    async def aclose(self) -> None:
        """Close what :meth:`aget` opened for the running event loop."""
        ...


class UnitOfWork(Protocol):
    """One transaction: all of a use case's changes and ledger entries, or none.

    Repositories are read-only properties so implementations may narrow their types."""

    @property
    def carriers(self) -> CarrierRepository: ...

    @property
    def people(self) -> Repository[Person]: ...

    @property
    def badges(self) -> Repository[Badge]: ...

    @property
    def places(self) -> Repository[Place]: ...

    @property
    def doors(self) -> Repository[Door]: ...

    @property
    def borrows(self) -> BorrowRepository: ...

    @property
    def circulations(self) -> Repository[Circulation]: ...

    @property
    def carry_outs(self) -> Repository[CarryOut]: ...

    @property
    def copy_requests(self) -> Repository[CopyRequest]: ...

    @property
    def inventories(self) -> Repository[Inventory]: ...

    @property
    def destructions(self) -> Repository[Destruction]: ...

    @property
    def level_changes(self) -> Repository[LevelChange]: ...

    @property
    def handovers(self) -> Repository[Handover]: ...

    @property
    def loss_reports(self) -> Repository[LossReport]: ...

    @property
    def movements(self) -> MovementRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def notifications(self) -> Repository[Notification]: ...

    @property
    def attachments(self) -> Repository[Attachment]: ...

    @property
    def disclosures(self) -> Repository[Disclosure]: ...

    @property
    def handlings(self) -> Repository[Handling]: ...

    @property
    def users(self) -> Repository[User]: ...

    @property
    def devices(self) -> Repository[Device]: ...

    @property
    def console_sessions(self) -> Repository[ConsoleSession]: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def counters(self) -> Counters: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def ingest(self) -> IngestLog: ...

    @property
    def admin_log(self) -> Ledger: ...

    @property
    def throttle(self) -> LoginThrottle: ...

    @property
    def evidence(self) -> EvidenceStore: ...

    @property
    def stream(self) -> StreamLog: ...

    @property
    def meetings(self) -> Repository[Meeting]: ...

    @property
    def handouts(self) -> Repository[Handout]: ...

    @property
    def seals(self) -> Repository[Seal]: ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything not committed and release the connection."""
        ...

    def custody_changes(self) -> CustodyChanges:
        """What the transaction changed of custody so far — carriers' state, place or
        holder, requests' state, new ones included — and the entries it appended (R14)."""
        ...

    def commit(self) -> None:
        """Write every change made through the repositories, and the ledger entries."""
        ...

    def rollback(self) -> None:
        """Discard every change."""
        ...
