"""The disclosure record (知悉记录, R16): everyone who reads or handles a top-secret
carrier, by name and time.

Reading sessions in the secure room are opened and closed at the custodian's desk
(:func:`open_reading`, :func:`close_reading`) or by the reader's badge at a reading desk
(:func:`badge_at_desk`, from the gateway); each is a register entry. The other contacts
are written by the use cases that make them (:func:`contact`, :func:`end_contacts`):
receipt, borrow and return, carry-out, destruction and its witnesses, handling (R18),
and people seen with the carrier at a door. Copying never appears: R8 forbids copying
top secret at the request, the approval and the making.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tracker.domain.disclosure import Disclosure, DisclosureKind, DisclosureSource
from tracker.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from tracker.domain.ledger import Action
from tracker.domain.model import Carrier, Person, PlaceKind, Role, new_id
from tracker.domain.rules import (
    Authorizations,
    Finding,
    r16_desk_reader,
    r16_kept_for,
    r16_require_reading,
    r16_unrecorded_contact,
)
from tracker.domain.site import DeskConfig
from tracker.services.base import Services, Tx
from tracker.services.knowledge import keeps_carriers, may_know

READING = DisclosureKind.READING
logger = logging.getLogger(__name__)


def contact(
    tx: Tx,
    carrier: Carrier,
    person: str,
    kind: DisclosureKind,
    *,
    by: str,
    place: str | None = None,
    ref: str | None = None,
    source: DisclosureSource = DisclosureSource.RECORD,
    since: datetime | None = None,
    lasting: bool = False,
) -> Disclosure | None:
    """Inside a use case: write ``person``'s contact with ``carrier`` (R16) — when the
    record is kept for it (top secret). A ``lasting`` contact stays open until
    :func:`end_contacts` closes it (a borrow until its return); others begin ``since``
    (default now) and end now."""
    if not r16_kept_for(carrier):
        return None
    d = Disclosure(
        id=new_id(),
        carrier=carrier.serial,
        person=person,
        kind=kind,
        started_at=since or tx.now,
        ended_at=None if lasting else tx.now,
        place=place,
        source=source,
        opened_by=by,
        closed_by=None if lasting else by,
        ref=ref,
    )
    tx.uow.disclosures.add(d)
    return d


def end_contacts(tx: Tx, ref: str, by: str) -> list[Disclosure]:
    """Inside a use case: close the open contacts written for ``ref`` (a borrow returned,
    a carry-out back)."""
    found = tx.uow.disclosures.find(ref=ref, ended_at=None)
    for d in found:
        d.ended_at, d.closed_by = tx.now, by
    return found


# --- reading sessions at the custodian's desk ------------------------------------------


def open_reading(
    svc: Services, actor: str, serial: str, reader: str, room: str | None = None
) -> Disclosure:
    """The custodian opens a reading session: ``reader`` reads top-secret carrier
    ``serial`` in the secure room (its home room unless ``room`` is named) from now until
    the session is closed (R16; R2, R3)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial, lock=True)
        return _open(tx, actor, c, tx.person(reader, "reader"), _room(tx, c, room))


def _room(tx: Tx, c: Carrier, room: str | None) -> str:
    where = room or c.home_room
    if not where:
        raise InvalidInput("room", "name the room it is read in", zh="请指定阅读场所")
    place = tx.place(where, "room")
    if place.kind is not PlaceKind.ROOM:
        raise InvalidInput("room", f"{place.id} is not a room", zh=f"{place.name}不是房间")
    return place.id


def _open(
    tx: Tx,
    actor: str,
    c: Carrier,
    reader: Person,
    room: str,
    source: DisclosureSource = DisclosureSource.DESK,
    desk: str | None = None,
) -> Disclosure:
    r16_require_reading(c, reader, tx.place(room, "room"))
    if tx.uow.disclosures.find(carrier=c.serial, person=reader.id, kind=READING, ended_at=None):
        raise Conflict(
            f"{reader.id} is already reading carrier {c.serial}",
            zh=f"{reader.name}已在阅读载体 {c.serial}",
        )
    d = Disclosure(
        id=new_id(),
        carrier=c.serial,
        person=reader.id,
        kind=READING,
        started_at=tx.now,
        place=room,
        source=source,
        opened_by=actor,
        desk=desk,
    )
    tx.uow.disclosures.add(d)
    tx.record(
        Action.READING_OPEN,
        actor,
        carrier=c.serial,
        to_place=room,
        data={"session": d.id, "reader": reader.id, "source": source.value, "desk": desk},
    )
    tx.emit("carrier", serial=c.serial, state=c.state.value, action="reading_open")
    return d


def close_reading(svc: Services, actor: str, session_id: str) -> Disclosure:
    """The custodian closes a reading session: the carrier is back at the desk."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        d = tx.uow.disclosures.get(session_id)
        if d is None or d.kind is not READING:
            raise NotFound(f"no reading session {session_id!r}", zh=f"没有阅读登记 {session_id!r}")
        _close(tx, actor, d)
        return d


def _close(tx: Tx, actor: str, d: Disclosure) -> None:
    if not d.open:
        raise Conflict(f"reading session {d.id} is already closed", zh="该阅读登记已结束")
    d.ended_at, d.closed_by = tx.now, actor
    tx.record(
        Action.READING_CLOSE,
        actor,
        carrier=d.carrier,
        from_place=d.place,
        data={
            "session": d.id,
            "reader": d.person,
            "minutes": round((tx.now - d.started_at).total_seconds() / 60, 1),
            "desk": d.desk,
        },
    )
    tx.emit("carrier", serial=d.carrier, action="reading_close")


def open_sessions(svc: Services, actor: str) -> list[Disclosure]:
    """Reading sessions not yet closed, oldest first (for the custodian's desk)."""
    with svc.read() as uow:
        caller = uow.people.get(actor)
        if caller is None or not caller.active or not keeps_carriers(caller):
            raise PermissionDenied(
                f"{actor} may not see the reading desk", zh="只有机要员和保密干部可查看阅读登记"
            )
        return uow.disclosures.find(kind=READING, ended_at=None, order_by="started_at")


def readers_of(tx: Tx, serial: str) -> set[str]:
    """Inside a transaction: who has an open reading session for ``serial`` now."""
    return {d.person for d in tx.uow.disclosures.find(carrier=serial, kind=READING, ended_at=None)}


# --- a badge at a reading desk -----------------------------------------------------------


def badge_at_desk(
    tx: Tx, device: str, desk: DeskConfig, reader: Person, carriers: Sequence[Carrier]
) -> tuple[list[Disclosure], list[Disclosure], list[tuple[str, Finding]]]:
    """Inside a transaction (an observation from the gateway, never refused): ``reader``
    held their badge to reading desk ``desk`` while ``carriers`` lay on it. A reader with
    open sessions at the desk closes them all (badge out); otherwise a session opens for
    every top-secret carrier on the desk they may read. Returns (opened, closed, and the
    findings about carriers they may not hold — by serial)."""
    mine = tx.uow.disclosures.find(person=reader.id, desk=desk.id, kind=READING, ended_at=None)
    if mine:
        for d in mine:
            _close(tx, device, d)
        return [], mine, []
    opened: list[Disclosure] = []
    findings: list[tuple[str, Finding]] = []
    for c in carriers:
        refused = r16_desk_reader(c, reader, desk.id)
        if refused is not None:
            findings.append((c.serial, refused))
        elif r16_kept_for(c):
            try:
                opened.append(
                    _open(tx, device, c, reader, desk.room, DisclosureSource.BADGE, desk.id)
                )
            except (Conflict, RuleViolation) as exc:  # lent to someone else, already read
                logger.info("desk %s: no session for %s: %s", desk.id, c.serial, exc.message)
    return opened, [], findings


# --- door crossings ------------------------------------------------------------------


def seen_at_door(
    tx: Tx,
    c: Carrier,
    people: Sequence[Person],
    auth: Authorizations,
    *,
    device: str,
    place: str,
    movement: str,
    at: datetime,
) -> list[Finding]:
    """Inside a transaction: a top-secret carrier crossed a door with ``people`` — each
    contact is written, and those the record does not account for are found (R16)."""
    if not r16_kept_for(c):
        return []
    for p in people:
        contact(
            tx,
            c,
            p.id,
            DisclosureKind.CARRY,
            by=device,
            place=place,
            ref=movement,
            source=DisclosureSource.DOOR,
            since=at,
        )
    return r16_unrecorded_contact(c, people, auth, readers_of(tx, c.serial))


# --- reading the record ------------------------------------------------------------------


def record_of(svc: Services, person: Person | None, serial: str) -> list[Disclosure]:
    """A carrier's disclosure record, oldest first — only with need-to-know (R3)."""
    with svc.read() as uow:
        c = uow.carriers.get(serial)
        if c is None:
            raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
        if not may_know(person, c):
            raise PermissionDenied(
                f"you are not in the knowledge scope of carrier {serial}",
                zh=f"您不在载体 {serial} 的知悉范围内",
            )
        found = uow.disclosures.find(carrier=serial, order_by=["started_at"])
    return sorted(found, key=_in_order)


_KINDS = list(DisclosureKind)


def _in_order(d: Disclosure) -> tuple[datetime, int, str]:
    # Contacts written at one moment (a carry-out's people, a destruction's witnesses)
    # in a stable order: by kind, then by person.
    return d.started_at, _KINDS.index(d.kind), d.person
