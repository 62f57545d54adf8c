"""Applying what doors, safes and cameras observed: carriers crossing doors, carriers
put into or taken out of safes, unknown tags, shielded tags, readers going silent.

Each observation carries the gateway's event id; applying the same id twice records
once and answers the same. Observations may arrive out of order: every one is recorded
and judged by the rules, but a carrier's current place only moves forward in time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tracker.domain import lifecycle
from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.lifecycle import Step
from tracker.domain.model import (
    AlertType,
    ApprovalState,
    BorrowState,
    Carrier,
    CirculationState,
    Movement,
    MovementSource,
    Person,
    RoomKind,
    Severity,
    SubjectKind,
    new_id,
)
from tracker.domain.rules import (
    Authorizations,
    evaluate_crossing,
    r1_safe_below_level,
    r5_sideways_pass,
)
from tracker.domain.site import Site
from tracker.services import disclosure, sealing
from tracker.services.alerting import raise_alert, raise_finding, resolve_cause
from tracker.services.base import Services, Tx
from tracker.services.heartbeat import heard
from tracker.services.ingest import EventIdReused, TimeLimits, check_time, digest
from tracker.services.ingest_batch import BatchLookups
from tracker.services.meetings import authorizations as meeting_authorizations


@dataclass(frozen=True)
class Observation:
    """One thing a gateway saw. ``kind`` decides which fields matter:

    * ``crossing``: ``code`` crossed ``door`` in ``direction`` (``in`` = outer → inner),
      with the badges in ``badges`` read alongside;
    * ``safe``: ``code`` is now ``present`` (or not) in ``safe``;
    * ``shielded``: a camera at ``door`` read ``code`` but no RFID reader saw its tag;
    * ``reader``: reader ``reader`` went ``online`` / ``offline``;
    * ``heartbeat``: reader or camera ``reader`` is alive at ``at`` (not kept per event);
    * ``alarm``, ``output``, ``table``: a door's alarm sounded, its relay board ``reader``
      went ``online`` / offline, the gateway's authorization table went stale (``online``
      false) or fresh again — see :mod:`tracker.services.alarms` (``stills``,
      ``table_version`` and ``age`` are theirs);
    * ``desk``: the badge in ``badges`` was held to reading desk ``desk`` while ``codes``
      lay on it (R16: reading sessions open or close, :mod:`tracker.services.disclosure`).
    """

    event_id: str
    kind: Literal[
        "crossing", "safe", "shielded", "reader", "heartbeat", "alarm", "output", "table", "desk"
    ]
    at: datetime
    code: str = ""
    door: str | None = None
    direction: Literal["in", "out"] | None = None
    badges: tuple[str, ...] = ()
    safe: str | None = None
    present: bool = True
    reader: str | None = None
    online: bool = True
    source: MovementSource = MovementSource.RFID
    stills: tuple[str, ...] = ()
    table_version: int | None = None
    age: float | None = None
    desk: str | None = None
    codes: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What applying one observation did."""

    event_id: str
    status: Literal["recorded", "duplicate"]
    carrier: str | None = None
    movement: str | None = None
    alerts: list[str] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> str:
        """The stored answer."""
        return json.dumps(
            {
                "carrier": self.carrier,
                "movement": self.movement,
                "alerts": self.alerts,
                "note": self.note,
            },
            sort_keys=True,
        )

    @staticmethod
    def duplicate(event_id: str, stored: str) -> Outcome:
        """The answer for an event id seen before, as first given."""
        data: dict[str, Any] = json.loads(stored)
        return Outcome(
            event_id,
            "duplicate",
            data.get("carrier"),
            data.get("movement"),
            list(data.get("alerts", [])),
            data.get("note", ""),
        )


def validate(obs: Observation, svc: Services, limits: TimeLimits | None = None) -> None:
    """Check an observation names real doors, safes and readers and lies within the time
    limits; InvalidInput otherwise."""
    if not obs.event_id or len(obs.event_id) > 128:
        raise InvalidInput("event_id", "must be 1-128 characters", zh="事件编号应为1至128个字符")
    if obs.at.tzinfo is None:
        raise InvalidInput("at", "the time needs a UTC offset", zh="时间须带时区")
    check_time(obs, svc.now(), limits or TimeLimits())
    known = _known(svc.site)
    if obs.kind in ("alarm", "output", "table"):
        from tracker.services import alarms

        alarms.validate(obs, svc)
        return
    if obs.kind == "desk":
        _validate_desk(obs, svc)
        return
    if obs.kind in ("crossing", "shielded"):
        if obs.door not in known.doors:
            raise InvalidInput("door", f"unknown door {obs.door!r}", zh=f"未知的门 {obs.door!r}")
        if obs.kind == "crossing" and obs.direction not in ("in", "out"):
            raise InvalidInput("direction", "must be 'in' or 'out'", zh="方向应为 in 或 out")
    if obs.kind == "safe" and obs.safe not in known.safes:
        raise InvalidInput("safe", f"unknown safe {obs.safe!r}", zh=f"未知的保险柜 {obs.safe!r}")
    if obs.kind in ("reader", "heartbeat"):
        if obs.reader not in known.readers:
            raise InvalidInput(
                "reader", f"unknown reader {obs.reader!r}", zh=f"未知的读写器 {obs.reader!r}"
            )
    elif not obs.code.strip():
        raise InvalidInput("code", "the tag or barcode is empty", zh="标签或条码为空")


@dataclass(frozen=True)
class _Known:
    """The ids of a site's doors, safes and readers (and cameras), as sets."""

    doors: frozenset[str]
    safes: frozenset[str]
    readers: frozenset[str]


_KNOWN: dict[int, tuple[Site, _Known]] = {}


def _known(site: Site) -> _Known:
    # Made once per site, not once per event (a gateway batch validates every event).
    # Keyed by identity, holding the site so the id cannot be reused by another object.
    found = _KNOWN.get(id(site))
    if found is None or found[0] is not site:
        known = _Known(
            frozenset(d.door.id for d in site.doors),
            frozenset(s.place.id for s in site.safes),
            frozenset(r.id for r in site.readers) | frozenset(c.id for c in site.cameras),
        )
        if len(_KNOWN) >= 8:  # sites are replaced rarely (a reload); keep a few
            _KNOWN.clear()
        found = _KNOWN[id(site)] = (site, known)
    return found[1]


def _validate_desk(obs: Observation, svc: Services) -> None:
    if obs.desk not in {d.id for d in svc.site.desks}:
        raise InvalidInput(
            "desk", f"unknown reading desk {obs.desk!r}", zh=f"未知的阅文桌 {obs.desk!r}"
        )
    if len(obs.badges) != 1 or not obs.badges[0].strip():
        raise InvalidInput(
            "badges", "a desk event names the one badge read", zh="须有且仅有一个卡号"
        )
    if len(obs.codes) > 100 or any(not c.strip() for c in obs.codes):
        raise InvalidInput("codes", "at most 100 tags, none empty", zh="标签最多100个且不能为空")


def apply_batch(
    svc: Services, source: str, batch: Sequence[Observation], limits: TimeLimits | None = None
) -> list[Outcome]:
    """Apply a gateway's batch in one transaction, in event-time order; answers in the
    order given. Validation of every item happens before anything is written; an event
    id used twice in the batch for different content refuses the batch (Conflict)."""
    problems = []
    for i, obs in enumerate(batch):
        try:
            validate(obs, svc, limits)
        except InvalidInput as exc:
            problems.append((i, exc))
    if problems:
        raise BatchRejected(problems)
    seen: dict[str, str] = {}
    digests = ["" if obs.kind == "heartbeat" else digest(obs) for obs in batch]
    for i, obs in enumerate(batch):
        if obs.kind != "heartbeat" and seen.setdefault(obs.event_id, digests[i]) != digests[i]:
            raise EventIdReused(obs.event_id, f"events[{i}].event_id")
    with svc.transaction() as tx:
        # One read per kind of record for the whole batch, not one per event.
        look = BatchLookups(tx.uow, source, batch)
        tx.open_alerts = look.alerts
        results: dict[int, Outcome] = {}
        for i in sorted(range(len(batch)), key=lambda k: batch[k].at):
            try:
                results[i] = _apply_one(tx, source, batch[i], digests[i], look)
            except EventIdReused as exc:
                exc.field = f"events[{i}].event_id"  # which item of the batch
                raise
        look.write()
        return [results[i] for i in range(len(batch))]


class BatchRejected(InvalidInput):
    """Some items of a batch are malformed; nothing was recorded."""

    def __init__(self, problems: list[tuple[int, InvalidInput]]) -> None:
        first_i, first = problems[0]
        super().__init__(f"items[{first_i}].{first.field}", first.message.split(": ", 1)[-1])
        self.problems = problems


def _apply_one(tx: Tx, source: str, obs: Observation, content: str, look: BatchLookups) -> Outcome:
    if obs.kind == "heartbeat":
        # Heartbeats are idempotent by nature (the latest time wins): no ingest-log row.
        assert obs.reader is not None
        heard(tx, obs.reader, obs.at)
        return Outcome(obs.event_id, "recorded", note="heartbeat")
    stored = look.stored(obs.event_id)
    if stored is not None:
        answer, known = stored
        if known and known != content:
            raise EventIdReused(obs.event_id)
        return Outcome.duplicate(obs.event_id, answer)
    out = Outcome(obs.event_id, "recorded")
    if obs.kind == "reader":
        _reader_status(tx, obs, out)
    elif obs.kind in ("alarm", "output", "table"):
        from tracker.services import alarms

        alarms.apply(tx, source, obs, out)
    elif obs.kind == "desk":
        _desk(tx, source, obs, out, look)
    else:
        carrier = look.carrier(obs.code)
        if carrier is None:
            _unknown(tx, obs, out)
        elif obs.kind == "crossing":
            _crossing(tx, source, obs, carrier, out, look)
        elif obs.kind == "safe":
            _safe(tx, source, obs, carrier, out)
        else:
            _shielded(tx, obs, carrier, out)
    look.record(obs.event_id, out.to_json(), content)
    return out


def _carrier_for(tx: Tx, code: str) -> Carrier | None:
    code = code.strip()
    return tx.uow.carriers.by_epc(code.upper()) or tx.uow.carriers.get(code)


def _unknown(tx: Tx, obs: Observation, out: Outcome) -> None:
    where = obs.door or obs.safe or "?"
    a = raise_alert(
        tx,
        AlertType.UNKNOWN_TAG,
        Severity.WARNING,
        SubjectKind.TAG,
        obs.code,
        f"unknown_tag:{obs.code.upper()}",
        None,
        f"unregistered tag or barcode {obs.code} seen at {where}",
        f"在{where}发现未登记的标签或条码 {obs.code}",
        {"where": where, "source": obs.source.value},
    )
    out.alerts.append(a.id)
    out.note = "unknown tag"


def _authorizations(tx: Tx, c: Carrier) -> Authorizations:
    borrows = tuple(tx.uow.borrows.find(carrier=c.serial, state=BorrowState.OUT))
    circs = tuple(tx.uow.circulations.find(carrier=c.serial, state=CirculationState.ACTIVE))
    carry = tuple(
        co for co in tx.uow.carry_outs.find(state=ApprovalState.APPROVED) if c.serial in co.carriers
    )
    meetings, handouts = meeting_authorizations(tx.uow, c.serial)  # R17
    return Authorizations(borrows, circs, carry, meetings, handouts)


def _people(tx: Tx, badges: Sequence[str]) -> list[Person]:
    out = []
    for code in badges:
        b = tx.uow.badges.get(code.upper())
        if b is not None and b.active:
            p = tx.uow.people.get(b.person)
            if p is not None and p not in out:
                out.append(p)
    return out


def _crossing(
    tx: Tx, source: str, obs: Observation, c: Carrier, out: Outcome, look: BatchLookups
) -> None:
    door = next(d.door for d in tx.svc.site.doors if d.door.id == obs.door)
    inner, outer = tx.place(door.inner), tx.place(door.outer)
    from_room, to_room = (outer, inner) if obs.direction == "in" else (inner, outer)
    people = look.people(obs.badges)
    auth = look.authorizations(c.serial)
    findings = evaluate_crossing(
        c,
        from_room,
        to_room,
        door.exit and to_room.room_kind is RoomKind.OUTSIDE,
        people,
        tx.svc.site.places,
        auth,
        obs.at,
        tx.svc.site.policy.escorts_for_top_secret,
    )
    findings += r5_sideways_pass(c, people, auth)
    holder = next(
        (p.id for p in people if p.id in auth.holders()), people[0].id if people else None
    )
    m = Movement(
        new_id(),
        c.serial,
        from_room.id,
        to_room.id,
        obs.at,
        door.id,
        holder,
        tuple(p.id for p in people),
        obs.source,
        obs.event_id,
    )
    tx.uow.movements.add(m)
    out.carrier, out.movement = c.serial, m.id
    findings += disclosure.seen_at_door(  # R16: who was seen with a top-secret carrier
        tx, c, people, auth, device=source, place=to_room.id, movement=m.id, at=obs.at
    )
    current = c.location_at is None or obs.at >= c.location_at
    if current:
        lifecycle.observe(c, Step.TAKEN_OUT)  # it crossed a door, so it is not in its safe
        carry_out = auth.active_carry_out(obs.at)
        if to_room.room_kind is RoomKind.OUTSIDE and carry_out is not None:
            lifecycle.observe(c, Step.DEPART, holder=c.holder or carry_out.carrier_person)
        lifecycle.seen_at(c, to_room.id, obs.at)
    tx.record(
        Action.MOVE,
        source,
        carrier=c.serial,
        from_place=from_room.id,
        to_place=to_room.id,
        data={
            "door": door.id,
            "direction": obs.direction,
            "people": [p.id for p in people],
            "event": obs.event_id,
            "observed_at": obs.at,
            "source": obs.source.value,
            "current": current,
        },
    )
    for f in findings:
        out.alerts.append(raise_finding(tx, c.serial, f).id)
    tx.emit(
        "movement",
        carrier=c.serial,
        level=c.level.value,
        from_place=from_room.id,
        to_place=to_room.id,
        door=door.id,
        at=obs.at.isoformat(),
        people=[p.id for p in people],
        alerts=list(out.alerts),
    )


def _safe(tx: Tx, source: str, obs: Observation, c: Carrier, out: Outcome) -> None:
    assert obs.safe is not None
    safe = tx.place(obs.safe)
    room = tx.place(safe.parent) if safe.parent else safe
    current = c.location_at is None or obs.at >= c.location_at
    out.carrier = c.serial
    if obs.present:
        below = r1_safe_below_level(c, safe)
        if below is not None:
            out.alerts.append(raise_finding(tx, c.serial, below).id)
        if current:
            if lifecycle.observe(c, Step.SEEN_IN_SAFE, holder=None):
                resolve_cause(
                    tx, f"not_locked_away:{c.serial}", source, f"seen in {safe.id}", c.serial
                )
            lifecycle.seen_at(c, safe.id, obs.at)
        frm, to = room.id, safe.id
    else:
        if current and c.location == safe.id:
            lifecycle.observe(c, Step.TAKEN_OUT)
            lifecycle.seen_at(c, room.id, obs.at)
        out.alerts += sealing.taken_out(tx, safe.id, c)  # R19: out of a sealed safe
        frm, to = safe.id, room.id
    m = Movement(
        new_id(),
        c.serial,
        frm,
        to,
        obs.at,
        None,
        None,
        (),
        obs.source if obs.source is not MovementSource.RFID else MovementSource.SAFE,
        obs.event_id,
    )
    tx.uow.movements.add(m)
    out.movement = m.id
    tx.record(
        Action.MOVE,
        source,
        carrier=c.serial,
        from_place=frm,
        to_place=to,
        data={
            "safe": safe.id,
            "present": obs.present,
            "event": obs.event_id,
            "observed_at": obs.at,
            "source": obs.source.value,
            "current": current,
        },
    )
    tx.emit(
        "movement",
        carrier=c.serial,
        level=c.level.value,
        from_place=frm,
        to_place=to,
        door=None,
        at=obs.at.isoformat(),
        people=[],
        alerts=list(out.alerts),
    )


def _desk(tx: Tx, source: str, obs: Observation, out: Outcome, look: BatchLookups) -> None:
    """R16: a badge at a reading desk opens (or closes) reading sessions."""
    assert obs.desk is not None
    desk = next(d for d in tx.svc.site.desks if d.id == obs.desk)
    (reader,) = look.people(obs.badges) or (None,)
    if reader is None:
        out.note = "unknown badge"
        return
    carriers = [c for code in obs.codes if (c := look.carrier(code)) is not None]
    opened, closed, findings = disclosure.badge_at_desk(tx, source, desk, reader, carriers)
    touched = opened or closed
    if touched:
        out.carrier = touched[0].carrier
    for serial, f in findings:
        out.alerts.append(raise_finding(tx, serial, f).id)
    out.note = f"{len(opened)} opened, {len(closed)} closed"


def _shielded(tx: Tx, obs: Observation, c: Carrier, out: Outcome) -> None:
    out.carrier = c.serial
    a = raise_alert(
        tx,
        AlertType.SHIELDED_TAG,
        Severity.CRITICAL,
        SubjectKind.CARRIER,
        c.serial,
        f"shielded_tag:{c.serial}:{obs.door}",
        None,
        f"camera at {obs.door} read carrier {c.serial} but its RFID tag was not seen: "
        "the tag may be shielded or damaged",
        f"{obs.door}处摄像头识别到载体 {c.serial}，但未读到其射频标签，标签可能被屏蔽或损坏",
        {"door": obs.door or ""},
    )
    out.alerts.append(a.id)


def _reader_status(tx: Tx, obs: Observation, out: Outcome) -> None:
    assert obs.reader is not None
    cause = f"reader_offline:{obs.reader}"
    heard(tx, obs.reader, obs.at)
    if obs.online:
        a = resolve_cause(tx, cause, "system", "reader reporting again")
        out.note = "reader online"
        if a is not None:
            out.alerts.append(a.id)
        return
    a = raise_alert(
        tx,
        AlertType.READER_OFFLINE,
        Severity.CRITICAL,
        SubjectKind.READER,
        obs.reader,
        cause,
        None,
        f"reader {obs.reader} stopped reporting: carriers can pass its door unseen",
        f"读写器 {obs.reader} 已停止上报，载体经过该处将无法被发现",
    )
    out.alerts.append(a.id)
    out.note = "reader offline"
