"""What applying a gateway's batch reads, read once for the whole batch: the carriers
its codes name, the badges and people read, the carriers' open borrows, active
circulations, approved carry-outs, open meetings and hand-outs, its events' ingest-log
rows and the carriers' open alerts — one statement each per batch instead of one per
event — and the ingest-log rows it writes, inserted together at the end.

Exact, not a cache that may go stale: within one transaction nothing else changes these
rows, and what the batch itself changes is kept here as it happens (a carrier moved is
the tracked object; an event id recorded earlier in the batch answers a repeat; alerts
raised and resolved go through :class:`OpenAlerts`). Borrows, circulations, carry-outs,
meetings, hand-outs, badges and people are never changed by ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from tracker.domain.meetings import HandoutState, Meeting, MeetingState
from tracker.domain.model import (
    Alert,
    AlertState,
    ApprovalState,
    BorrowState,
    Carrier,
    CarryOut,
    CirculationState,
    Person,
)
from tracker.domain.rules import Authorizations
from tracker.services.ports import UnitOfWork

if TYPE_CHECKING:
    from tracker.services.movement import Observation

_CARRIER_KINDS = ("crossing", "safe", "shielded")


class _OfCarrier(Protocol):
    @property
    def carrier(self) -> str: ...


R = TypeVar("R", bound=_OfCarrier)


def _by_carrier(rows: Iterable[R]) -> dict[str, list[R]]:
    out: dict[str, list[R]] = {}
    for r in rows:
        out.setdefault(r.carrier, []).append(r)
    return out


_OPEN = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


class OpenAlerts:
    """The open (or acknowledged) alerts about a set of subjects (the batch's carriers),
    by cause — what ``alerts.open_for_cause`` would find for a cause about one of them.
    Alert causes name their subject (``<type>:<serial>:…``) and are raised with it as
    the subject, so the alerts of those subjects hold every open alert of such a cause.
    Raising and resolving in the transaction keep it current
    (:mod:`tracker.services.alerting`)."""

    def __init__(self, uow: UnitOfWork, subjects: Iterable[str]) -> None:
        self.subjects = frozenset(subjects)
        self._uow = uow
        self._found: dict[str, Alert] | None = None  # read when first needed

    def _by_cause(self) -> dict[str, Alert]:
        # Read at the first question, not up front: a batch that raises and resolves
        # nothing (the usual one) sends no query at all. Alerts the transaction added
        # before are written first by the query and come back as the same objects.
        if self._found is None:
            found: dict[str, Alert] = {}
            if self.subjects:
                rows = self._uow.alerts.find(subject=sorted(self.subjects), state=list(_OPEN))
                for a in rows:
                    known = found.get(a.cause)
                    # Like open_for_cause: the one seen last when a cause has two.
                    if known is None or a.last_seen > known.last_seen:
                        found[a.cause] = a
            self._found = found
        return self._found

    def covers(self, subject: str) -> bool:
        """True when every open alert about ``subject`` is known here."""
        return subject in self.subjects

    def get(self, cause: str) -> Alert | None:
        """The open alert for ``cause`` (a cause about a covered subject)."""
        a = self._by_cause().get(cause)
        return a if a is not None and a.state in _OPEN else None

    def opened(self, alert: Alert) -> None:
        """An alert raised in this transaction."""
        if alert.subject in self.subjects:
            self._by_cause()[alert.cause] = alert

    def closed(self, alert: Alert) -> None:
        """An alert resolved in this transaction."""
        if self._found is not None and self._found.get(alert.cause) is alert:
            del self._found[alert.cause]


class BatchLookups:
    """The reads of one batch (see the module docstring), made when it starts."""

    def __init__(self, uow: UnitOfWork, source: str, batch: Sequence[Observation]) -> None:
        self.uow = uow
        self.source = source
        codes = {o.code.strip() for o in batch if o.kind in _CARRIER_KINDS}
        for o in batch:
            if o.kind == "desk":
                codes.update(c.strip() for c in o.codes)
        codes.discard("")
        self._by_code = self._carriers(codes)
        serials = sorted({c.serial for c in self._by_code.values() if c is not None})
        crossing = {
            c.serial
            for o in batch
            if o.kind == "crossing" and (c := self._by_code.get(o.code.strip())) is not None
        }
        self._auth = self._authorizations(sorted(crossing)) if crossing else {}
        self._badges = self._people({b.upper() for o in batch for b in o.badges})
        ids = [o.event_id for o in batch if o.kind != "heartbeat"]
        self._stored = uow.ingest.get_many(source, ids)
        self._written: list[tuple[str, str, str]] = []
        self.alerts = OpenAlerts(uow, serials)

    # --- carriers and people ---------------------------------------------------------

    def _carriers(self, codes: set[str]) -> dict[str, Carrier | None]:
        """Each code's carrier as ``_carrier_for`` finds it: by EPC (upper-case), else
        by serial; None for a code naming none."""
        uow = self.uow
        by_epc: dict[str, Carrier] = {}
        if codes:
            for c in uow.carriers.by_epcs(sorted({x.upper() for x in codes})):
                if c.epc is not None:
                    by_epc.setdefault(c.epc, c)  # like by_epc: the first by serial
        rest = sorted(x for x in codes if x.upper() not in by_epc)
        by_serial = {c.serial: c for c in uow.carriers.find(serial=rest)} if rest else {}
        return {x: by_epc.get(x.upper()) or by_serial.get(x) for x in codes}

    def carrier(self, code: str) -> Carrier | None:
        """The carrier a tag or barcode names, or None."""
        return self._by_code.get(code.strip())

    def _people(self, codes: set[str]) -> dict[str, Person | None]:
        """Each badge code's active badge holder, or None."""
        uow = self.uow
        if not codes:
            return {}
        badges = {b.code: b.person for b in uow.badges.peek(code=sorted(codes)) if b.active}
        holders = sorted(set(badges.values()))
        persons = {p.id: p for p in uow.people.peek(id=holders)}
        return {code: persons.get(badges[code]) if code in badges else None for code in codes}

    def people(self, badges: Sequence[str]) -> list[Person]:
        """The people whose active badges were read, each once, in the order read."""
        out: list[Person] = []
        for code in badges:
            p = self._badges.get(code.upper())
            if p is not None and p not in out:
                out.append(p)
        return out

    # --- authorizations ----------------------------------------------------------------

    def _authorizations(self, serials: list[str]) -> dict[str, Authorizations]:
        # Read, not tracked: what a crossing is judged by; ingest never changes these.
        uow = self.uow
        borrows = uow.borrows.peek(carrier=serials, state=BorrowState.OUT)
        circs = uow.circulations.peek(carrier=serials, state=CirculationState.ACTIVE)
        carry = uow.carry_outs.peek(state=ApprovalState.APPROVED)
        meetings = uow.meetings.peek(state=MeetingState.SCHEDULED)
        wanted = set(serials)
        material = sorted({s for m in meetings for s in m.materials} & wanted)
        handouts = uow.handouts.peek(carrier=material, state=HandoutState.OUT)
        by_borrow = _by_carrier(borrows)
        by_circ = _by_carrier(circs)
        by_handout = _by_carrier(handouts)
        # Grouped here as a per-carrier query each would give them (in id order): each
        # carry-out and meeting is visited once, not once per carrier.
        by_carry: dict[str, list[CarryOut]] = {}
        for co in carry:
            for s in dict.fromkeys(co.carriers):
                if s in wanted:
                    by_carry.setdefault(s, []).append(co)
        by_meeting: dict[str, list[Meeting]] = {}
        for m in meetings:
            for s in dict.fromkeys(m.materials):
                if s in wanted:
                    by_meeting.setdefault(s, []).append(m)
        out = {}
        for s in serials:
            ms = tuple(by_meeting.get(s, ()))
            out[s] = Authorizations(
                tuple(by_borrow.get(s, ())),
                tuple(by_circ.get(s, ())),
                tuple(by_carry.get(s, ())),
                ms,
                tuple(by_handout.get(s, ())) if ms else (),
            )
        return out

    def authorizations(self, serial: str) -> Authorizations:
        """What authorises the carrier to be away from home (as ``_authorizations``)."""
        return self._auth[serial]

    # --- the ingest log ----------------------------------------------------------------

    def stored(self, event_id: str) -> tuple[str, str] | None:
        """``(answer, digest)`` recorded for ``event_id`` before or earlier in the batch."""
        return self._stored.get(event_id)

    def record(self, event_id: str, answer: str, digest: str) -> None:
        """Remember the answer to ``event_id``; written by :meth:`write`."""
        self._stored[event_id] = (answer, digest)
        self._written.append((event_id, answer, digest))

    def write(self) -> None:
        """Insert the batch's ingest-log rows (one executemany)."""
        self.uow.ingest.put_many(self.source, self._written)
        self._written = []
