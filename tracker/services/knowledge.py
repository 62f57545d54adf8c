"""Need-to-know (R3) in one place: who may learn a carrier's title and content, what
everyone else sees of it, and which records, alerts, register entries and live events a
person may see. The API, the command line and the live stream all ask here; none of
them decides it for itself.

A carrier's title and content fields reach custodians, officers and people in its
knowledge scope. Everyone else sees its serial, level, marking and state
(:data:`RESTRICTED_FIELDS`) and that it is restricted. A search matches titles only among
carriers the person may know, and filters on fields the person cannot see apply only to
those, so neither the results nor their number reveal a hidden title.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.domain.errors import NotFound, PermissionDenied
from tracker.domain.ledger import Entry
from tracker.domain.model import (
    Alert,
    Borrow,
    Carrier,
    CarryOut,
    CopyRequest,
    Person,
    Role,
    SubjectKind,
)
from tracker.domain.rules import r3_may_know

if TYPE_CHECKING:
    # Types only: ``tracker carrier show`` judges need-to-know (view) without wiring the
    # services, and starts faster without importing them (issue 16 goal 5).
    from tracker.services.base import Services
    from tracker.services.bus import Event
    from tracker.services.ports import UnitOfWork

# What anybody may see of any carrier.
RESTRICTED_FIELDS = ("serial", "level", "marking", "state")
# Fields a search may filter on that only those who may know a carrier see.
HIDDEN_FILTERS = ("medium", "location", "holder", "home_room")

_SCAN_PAGE = 1000
COUNT_CAP = 10_000  # a keeper's text search counts this many matches at most


def may_know(person: Person | None, carrier: Carrier) -> bool:
    """Need-to-know (R3): may ``person`` learn the carrier's title and content? Nobody
    who is not a person (a device, an administrator's console) may."""
    return person is not None and r3_may_know(person, carrier)


def keeps_carriers(person: Person | None) -> bool:
    """Custodians and officers handle — and may know — every carrier."""
    return person is not None and person.role.keeps_carriers


def sees_every_request(person: Person | None) -> bool:
    """Keepers, and approvers (who are asked to decide them), see every request."""
    return keeps_carriers(person) or (person is not None and person.role is Role.APPROVER)


@dataclass(frozen=True)
class CarrierView:
    """A carrier as one person may see it: all of it when ``known``, otherwise only
    :data:`RESTRICTED_FIELDS`."""

    carrier: Carrier
    known: bool

    def public(self) -> dict[str, Any]:
        """The fields anybody may see, as plain values (the marking in Chinese)."""
        c = self.carrier
        return {
            "serial": c.serial,
            "level": c.level.value,
            "marking": c.marking.zh(),
            "state": c.state.value,
            "restricted": not self.known,
        }


def view(person: Person | None, carrier: Carrier) -> CarrierView:
    """``carrier`` as ``person`` may see it."""
    return CarrierView(carrier, may_know(person, carrier))


def where_is(svc: Services, person: Person | None, serial: str) -> CarrierView:
    """The carrier ``serial`` as stored now, as ``person`` may see it: one statement
    (:attr:`Services.reads <tracker.services.base.Services.reads>`) where the store
    offers it, else one read transaction. NotFound when there is none."""
    if svc.reads is not None:
        found = svc.reads.get(Carrier, serial)
    else:
        with svc.read() as uow:
            found = uow.carriers.get(serial)
    return located(person, serial, found)


def located(person: Person | None, serial: str, found: Carrier | None) -> CarrierView:
    """The answer to where-is from the carrier read by ``serial`` (by :func:`where_is`,
    or awaited by the API): as ``person`` may see it; NotFound when there is none."""
    if found is None:
        raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
    return view(person, found)


# --- searching -----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    """A page of carriers a person searched for, as they may see them."""

    items: list[CarrierView]
    total: int
    truncated: bool = False  # the total was capped at COUNT_CAP


def search(
    svc: Services,
    person: Person | None,
    *,
    text: str = "",
    visible: dict[str, Any] | None = None,
    hidden: dict[str, Any] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SearchResult:
    """Carriers by serial (or, among those ``person`` may know, by title), filtered by
    fields everyone sees (``visible``: state, level) and by fields only those who may
    know a carrier see (``hidden``: :data:`HIDDEN_FILTERS`)."""
    visible, hidden = dict(visible or {}), dict(hidden or {})
    needle = text.strip()
    truncated = False
    with svc.read() as uow:
        if keeps_carriers(person):
            eq = {**visible, **hidden}
            if needle:
                # Keepers see every title, so the page comes straight from SQL; the total
                # is counted up to a cap so a broad search stays cheap.
                page = uow.carriers.search(text=needle, limit=limit, offset=offset, **eq)
                total, truncated = _count(uow, needle, eq)
            else:
                total = uow.carriers.count(**eq)
                page = uow.carriers.search(limit=limit, offset=offset, **eq)
        elif not needle and not hidden:
            total = uow.carriers.count(**visible)
            page = uow.carriers.search(limit=limit, offset=offset, **visible)
        else:
            found = [
                c for c in _all(uow, needle, visible) if _matches(person, c, needle.lower(), hidden)
            ]
            total, page = len(found), found[offset : offset + limit]
        return SearchResult([view(person, c) for c in page], total, truncated)


def _count(uow: UnitOfWork, needle: str, eq: dict[str, Any]) -> tuple[int, bool]:
    n = 0
    while n < COUNT_CAP:
        chunk = uow.carriers.search(text=needle, limit=_SCAN_PAGE, offset=n, **eq)
        n += len(chunk)
        if len(chunk) < _SCAN_PAGE:
            return n, False
    return n, True


def _all(uow: UnitOfWork, needle: str, eq: dict[str, Any]) -> Iterator[Carrier]:
    offset = 0
    while True:
        chunk = uow.carriers.search(text=needle or None, limit=_SCAN_PAGE, offset=offset, **eq)
        yield from chunk
        offset += len(chunk)
        if len(chunk) < _SCAN_PAGE:
            return


def _matches(person: Person | None, c: Carrier, needle: str, hidden: dict[str, Any]) -> bool:
    known = may_know(person, c)
    if needle and needle not in c.serial.lower() and not (known and needle in c.title.lower()):
        return False
    return not hidden or (known and all(getattr(c, k) == v for k, v in hidden.items()))


# --- the register, records and alerts ------------------------------------------------------


def history(svc: Services, person: Person | None, serial: str, limit: int = 1000) -> list[Entry]:
    """The register entries about a carrier, oldest first — only with need-to-know."""
    with svc.read() as uow:
        c = uow.carriers.get(serial)
        if c is None:
            raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
        if not may_know(person, c):
            raise PermissionDenied(
                f"you are not in the knowledge scope of carrier {serial}",
                zh=f"您不在载体 {serial} 的知悉范围内",
            )
        return uow.ledger.for_carrier(serial, limit=limit)


def takes_part(person: Person | None, record: Any) -> bool:
    """True when ``person`` asked for a request or is named in it (borrower, the person
    carrying carriers out, an escort)."""
    if person is None:
        return False
    if isinstance(record, Borrow):
        return person.id in (record.borrower, record.requested_by)
    if isinstance(record, CarryOut):
        return person.id in (record.requested_by, record.carrier_person, *record.escorts)
    if isinstance(record, CopyRequest):
        return person.id == record.requested_by
    return person.id == getattr(record, "requested_by", None)


def may_see_request(person: Person | None, record: Any) -> bool:
    """Keepers and approvers see every request; others the ones they take part in.
    Requests name carriers by serial only, never by title."""
    return sees_every_request(person) or takes_part(person, record)


# Per kind of request (its repository in the unit of work): the fields naming the people
# who take part that the database can filter on, and the field a list is ordered by.
# Carry-outs also name escorts (a list), so a non-keeper's carry-outs are scanned.
_REQUESTS: dict[str, tuple[tuple[str, ...], str]] = {
    "borrows": (("borrower", "requested_by"), "requested_at"),
    "copy_requests": (("requested_by",), "requested_at"),
    "carry_outs": ((), "requested_at"),
}


def visible_requests(
    svc: Services, person: Person | None, kind: str, *, limit: int, offset: int, **eq: Any
) -> tuple[list[Any], int]:
    """A page of the requests of ``kind`` (``borrows``, ``copy_requests``,
    ``carry_outs``) that ``person`` may see (:func:`may_see_request`), newest first,
    whose fields equal ``eq``; and how many there are."""
    fields, newest = _REQUESTS[kind]
    with svc.read() as uow:
        repo = getattr(uow, kind)
        if sees_every_request(person):
            page = repo.find(order_by=f"-{newest}", limit=limit, offset=offset, **eq)
            return page, repo.count(**eq)
        if person is None:
            return [], 0
        if fields:
            # Each field naming the person, within the filters (a filter on that same
            # field for somebody else finds nothing there).
            found = {
                r.id: r
                for f in fields
                if eq.get(f, person.id) == person.id
                for r in repo.find(**{**eq, f: person.id})
            }
            candidates = sorted(
                found.values(), key=lambda r: (getattr(r, newest), r.id), reverse=True
            )
        else:
            candidates = repo.find(order_by=f"-{newest}", **eq)
        mine = [r for r in candidates if takes_part(person, r)]
        return mine[offset : offset + limit], len(mine)


def request_for(svc: Services, person: Person | None, kind: str, request_id: str) -> Any | None:
    """The request ``request_id`` of ``kind`` if ``person`` may see it, else None (a
    request one may not see does not exist for them)."""
    if kind not in _REQUESTS:
        raise KeyError(kind)  # only the kinds above
    with svc.read() as uow:
        r = getattr(uow, kind).get(request_id)
    return r if r is not None and may_see_request(person, r) else None


_CHUNK = 500  # keys per IN list (far below either database's parameter limit)


def read_alert_subjects(uow: UnitOfWork, alerts: Iterable[Alert]) -> None:
    """Read the carriers and borrows ``alerts`` are about, one query per 500, into
    ``uow``, so that :func:`may_see_alert` finds each in the unit of work instead of
    asking the database once per alert. Changes nothing of what it decides."""
    carriers: set[str] = set()
    borrows: set[str] = set()
    for a in alerts:
        if a.subject_kind is SubjectKind.CARRIER:
            carriers.add(a.subject)
        elif a.subject_kind is SubjectKind.BORROW:
            borrows.add(a.subject)
    wanted = sorted(carriers)
    for i in range(0, len(wanted), _CHUNK):
        uow.carriers.find(serial=wanted[i : i + _CHUNK])
    wanted = sorted(borrows)
    for i in range(0, len(wanted), _CHUNK):
        uow.borrows.find(id=wanted[i : i + _CHUNK])


def may_see_alert(person: Person | None, alert: Alert, uow: UnitOfWork) -> bool:
    """Keepers see every alert; others only alerts about carriers they may know, about
    their own borrows, or about themselves."""
    if keeps_carriers(person):
        return True
    if person is None:
        return False
    if alert.subject_kind is SubjectKind.CARRIER:
        c = uow.carriers.get(alert.subject)
        return c is not None and may_know(person, c)
    if alert.subject_kind is SubjectKind.BORROW:
        b = uow.borrows.get(alert.subject)
        return b is not None and b.borrower == person.id
    if alert.subject_kind is SubjectKind.PERSON:
        return alert.subject == person.id
    return False


def visible_alerts(
    svc: Services, person: Person | None, *, limit: int, offset: int, **eq: Any
) -> tuple[list[Alert], int]:
    """A page of the alerts ``person`` may see, most recent first, and how many there
    are."""
    with svc.read() as uow:
        if keeps_carriers(person):
            total = uow.alerts.count(**eq)
            return uow.alerts.find(order_by="-last_seen", limit=limit, offset=offset, **eq), total
        found = uow.alerts.find(order_by="-last_seen", **eq)
        read_alert_subjects(uow, found)
        seen = [a for a in found if may_see_alert(person, a, uow)]
        return seen[offset : offset + limit], len(seen)


def alert_for(svc: Services, person: Person | None, alert_id: str) -> Alert:
    """The alert ``alert_id`` if ``person`` may see it; NotFound otherwise (an alert one
    may not see does not exist for them)."""
    with svc.read() as uow:
        a = uow.alerts.get(alert_id)
        if a is None or not may_see_alert(person, a, uow):
            raise NotFound(f"no alert {alert_id!r}", zh=f"没有告警 {alert_id!r}")
        return a


# --- the live stream ---------------------------------------------------------------------


class EventFilter:
    """What of each committed event one person may see (the live stream). Answers about
    a carrier are kept for a short while so a busy stream does not ask the database for
    every movement."""

    CACHE_SECONDS = 30.0

    def __init__(
        self,
        person: Person | None,
        lookup: Callable[[str], Carrier | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.person = person
        self._lookup = lookup
        self._clock = clock
        self._known: dict[str, tuple[float, bool]] = {}

    @classmethod
    def for_services(cls, svc: Services, person: Person | None) -> EventFilter:
        """A filter reading carriers from ``svc``."""

        def lookup(serial: str) -> Carrier | None:
            with svc.read() as uow:
                return uow.carriers.get(serial)

        return cls(person, lookup)

    def _carrier_known(self, serial: str) -> bool:
        if keeps_carriers(self.person):
            return True
        hit = self._known.get(serial)
        if hit is not None and self._clock() - hit[0] < self.CACHE_SECONDS:
            return hit[1]
        c = self._lookup(serial)
        ok = c is not None and may_know(self.person, c)
        self._known[serial] = (self._clock(), ok)
        return ok

    def payload(self, ev: Event) -> dict[str, Any] | None:
        """What of ``ev`` the person may see, or None. A title never travels."""
        data = {k: v for k, v in ev.data.items() if k != "title"}
        if ev.kind in ("movement", "carrier"):
            serial = str(data.get("carrier") or data.get("serial") or "")
            return data if serial and self._carrier_known(serial) else None
        if ev.kind == "alert":
            if data.get("subject_kind") == SubjectKind.CARRIER.value:
                return data if self._carrier_known(str(data.get("subject", ""))) else None
            return data if keeps_carriers(self.person) else None
        return None
