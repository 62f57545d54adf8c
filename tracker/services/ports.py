"""The ports the use cases need: repositories, the ledger, counters, and a unit of work
that makes one use case one transaction. ``tracker.store`` implements them on SQLAlchemy.

A repository hands out domain objects. Objects it has handed out during a unit of work
are written back when the unit of work commits (so a use case changes an entity by
changing its fields), and nothing is written when it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from tracker.domain.accounts import Device, User
from tracker.domain.ledger import Entry, EntryDraft, Verification
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
    LossReport,
    Movement,
    Notification,
    Person,
    Place,
)
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

    def count(self, **eq: Any) -> int:
        """How many entities match (same filters as :meth:`find`)."""
        ...

    def count_by(self, *fields: str, **eq: Any) -> dict[tuple[Any, ...], int]:
        """How many entities match, per combination of the values of ``fields``."""
        ...


class CarrierRepository(Repository[Carrier], Protocol):
    """Carriers by serial, with the lookups the use cases need."""

    def by_epc(self, epc: str) -> Carrier | None:
        """The carrier whose tag carries ``epc`` (upper-case hex)."""
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


class BorrowRepository(Repository[Borrow], Protocol):
    """Borrows, with the overdue query."""

    def overdue(self, now: datetime, limit: int | None = None) -> list[Borrow]:
        """Checked-out borrows whose due time has passed, oldest due first."""
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

    def verify(self) -> Verification:
        """Walk the whole chain (see :func:`tracker.domain.ledger.verify_chain`)."""
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
    """Gateway event ids already applied, with the answer given, so a batch posted twice
    is recorded once and answered the same."""

    def get(self, event_id: str) -> str | None:
        """The stored answer (JSON text) for ``event_id``, or None if never seen."""
        ...

    def put(self, event_id: str, source: str, answer: str) -> None:
        """Remember ``event_id`` from ``source`` (a device id) and its answer."""
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

    def commit(self) -> None:
        """Write every change made through the repositories, and the ledger entries."""
        ...

    def rollback(self) -> None:
        """Discard every change."""
        ...
