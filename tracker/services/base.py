"""What every use case shares: the service context, lookups that raise clear errors,
ledger recording, and the event bus (:mod:`tracker.services.bus`) that tells the API
stream and the alarm table feed what happened once a transaction has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker.domain.alerts import Notice
from tracker.domain.clock import Clock
from tracker.domain.errors import InvalidInput, NotFound, PermissionDenied
from tracker.domain.ledger import Action, EntryDraft
from tracker.domain.model import Carrier, Person, Place, Role
from tracker.domain.rules import r14_require_register_entry
from tracker.domain.site import Site
from tracker.services.bus import Bus, Event
from tracker.services.ports import KeyReads, UnitOfWork

if TYPE_CHECKING:
    from tracker.services.ingest_batch import OpenAlerts

logger = logging.getLogger(__name__)

SYSTEM = "system"  # the actor of entries the service makes by itself (R11, sweeps)
CLI_PREFIX = "cli:"  # actors of commands run on the server itself: ``cli:<os user>``


@contextmanager
def alone(name: str) -> Iterator[bool]:
    """An exclusive section in a service that runs as one process: always its own."""
    yield True


@dataclass
class Services:
    """The context every use case runs in. ``exclusive(name)`` yields whether this
    process may run the section ``name`` now, none other on the database running it
    (the scheduler's round, notification delivery; :mod:`tracker.store.locks`)."""

    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    site: Site
    bus: Bus = field(default_factory=Bus)
    read_factory: Callable[[], UnitOfWork] | None = None
    exclusive: Callable[[str], AbstractContextManager[bool]] = alone
    # Transactions of this process that changed who may do what (logins, people, roles,
    # devices, the site: everything the administration log records but logins and
    # exports). Caches of "who is this token" (api.principals) drop what they cached
    # under an older count.
    admin_changes: int = 0
    # Single records by key without a unit of work (None: read through a unit of work).
    reads: KeyReads | None = None

    def read(self) -> UnitOfWork:
        """A unit of work for reading only (never committed); a snapshot where the
        database offers one, and no write lock on SQLite."""
        return (self.read_factory or self.uow_factory)()

    def now(self) -> datetime:
        """The current time by the service clock."""
        return self.clock.now()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One use case: commits at the end, rolls back on any error, then publishes the
        events the use case queued. A use case that changed custody without recording it
        in the register fails here and leaves nothing behind (R14)."""
        with self.uow_factory() as uow:
            tx = Tx(uow, self)
            yield tx
            if tx.notices:
                # Notifications are written with the alerts they tell of: never lost.
                from tracker.services.notifying import enqueue

                enqueue(tx, tx.notices)
            r14_require_register_entry(uow.custody_changes())
            self.bus.stage(uow, tx.events)
            uow.commit()
        if tx.admin_changed:
            self.admin_changes += 1
        self.bus.publish(tx.events)


class Tx:
    """A unit of work plus the helpers use cases need inside it."""

    def __init__(self, uow: UnitOfWork, svc: Services) -> None:
        self.uow = uow
        self.svc = svc
        self.events: list[Event] = []
        self.notices: list[Notice] = []
        self.run = ""  # set by a scheduled run: its notices form one digest per recipient
        # Set while a gateway batch is applied: the open alerts it read, kept current.
        self.open_alerts: OpenAlerts | None = None
        self.admin_changed = False  # set by adminlog.record for a change of accounts
        self.now = svc.now()

    def record(self, action: Action, actor: str, **kw: Any) -> None:
        """Append a ledger entry (R14) stamped with the transaction's time."""
        self.uow.ledger.append(EntryDraft(action=action, at=self.now, actor=actor, **kw))

    def emit(self, kind: str, **data: Any) -> None:
        """Queue an event for after commit."""
        self.events.append(Event(kind, data))

    def carrier(self, serial: str, *, lock: bool = False) -> Carrier:
        """The carrier with ``serial``; NotFound otherwise (the message never names a title)."""
        c = self.uow.carriers.lock(serial) if lock else self.uow.carriers.get(serial)
        if c is None:
            raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
        return c

    def person(self, person_id: str, field_name: str = "person") -> Person:
        """The person with ``person_id``; InvalidInput naming the field otherwise."""
        p = self.uow.people.get(person_id)
        if p is None:
            raise InvalidInput(
                field_name, f"unknown person {person_id!r}", zh=f"未知人员 {person_id!r}"
            )
        return p

    def place(self, place_id: str, field_name: str = "place") -> Place:
        """The place with ``place_id``; InvalidInput naming the field otherwise."""
        p = self.uow.places.get(place_id)
        if p is None:
            raise InvalidInput(
                field_name, f"unknown place {place_id!r}", zh=f"未知场所 {place_id!r}"
            )
        return p

    def require_role(self, actor: str, *roles: Role) -> Person:
        """The acting person, who must hold one of ``roles`` (officers may do anything)."""
        p = self.uow.people.get(actor)
        if p is None or not p.active:
            raise PermissionDenied(
                f"{actor!r} is not an active person in this system",
                zh=f"{actor!r} 不是本系统中的在岗人员",
            )
        if p.role not in roles and p.role is not Role.OFFICER:
            names = " or ".join(r.value for r in roles)
            raise PermissionDenied(
                f"{actor} is a {p.role.value}; this needs the role {names}",
                zh=f"{p.name}的角色无权执行此操作（需要：{names}）",
            )
        return p

    def require_admin(self, actor: str, role: Role) -> Person | None:
        """For administration: the server's own command line (actor ``cli:<os user>``,
        trusted - whoever runs it administers the host; None then) or an active person
        holding exactly ``role``. Unlike :meth:`require_role`, officers are not let
        through: no business role administers the system (三员分立)."""
        if actor.startswith(CLI_PREFIX):
            return None
        p = self.uow.people.get(actor)
        if p is None or not p.active:
            raise PermissionDenied(
                f"{actor!r} is not an active person in this system",
                zh=f"{actor!r} 不是本系统中的在岗人员",
            )
        if p.role is not role:
            raise PermissionDenied(
                f"{actor} is a {p.role.value}; only the {role.value} may do this",
                zh=f"{p.name}（{p.role.zh}）无权执行此操作，仅{role.zh}可以",
            )
        return p
