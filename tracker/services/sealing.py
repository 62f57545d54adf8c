"""Holiday sealing (封存, R19): at the start of every holiday period of the working
calendar the secure room's safes are sealed — what each safe's readers see inside is
kept as the seal's snapshot, and the seal is entered in the register; a carrier seen
leaving a sealed safe is a critical alert; at the end of the holiday the safes are
unsealed and what is inside is compared with the snapshot, every difference reported.

The scheduler seals and unseals at the calendar's instants (:func:`instants`,
:func:`run_due`); a custodian seals and unseals by hand too (:func:`seal_safe`,
:func:`unseal_safe`), e.g. for a safe outside the secure room or a closure the calendar
does not know."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.model import Carrier, CarrierState, PlaceKind, Role, new_id
from tracker.domain.rules import (
    r19_compare,
    r19_holiday_periods,
    r19_safes_to_seal,
    r19_seal_broken,
    r19_unseal_findings,
)
from tracker.domain.seals import HolidayPeriod, Seal, SealState
from tracker.services.alerting import raise_finding
from tracker.services.base import SYSTEM, Services, Tx
from tracker.services.readings import seen_in

LOOK_BACK = timedelta(days=40)  # the longest holiday period a run looks back for


@dataclass
class SealingRun:
    """What a scheduled run did."""

    sealed: list[str] = field(default_factory=list)  # seal ids
    unsealed: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # holiday periods passed unsealed


def instants(cal: WorkingCalendar, after: datetime, until: datetime) -> list[datetime]:
    """Every seal and unseal instant of the calendar's holiday periods in
    ``(after, until]``, oldest first."""
    start, end = cal.local_date(after) - LOOK_BACK, cal.local_date(until) + timedelta(days=1)
    out = {
        t
        for p in r19_holiday_periods(cal, start, end)
        for t in (p.seal_at, p.unseal_at)
        if after < t <= until
    }
    return sorted(out)


# --- use cases -------------------------------------------------------------------------


def seal_safe(
    svc: Services, actor: str, safe: str, reason: str, until: datetime | None = None
) -> Seal:
    """Seal ``safe`` now, by hand (R19): its readers' view of its contents is the
    snapshot; ``until`` (optional) is when the scheduler unseals it."""
    if not reason.strip():
        raise InvalidInput("reason", "say why the safe is sealed", zh="须填写封存原因")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        place = tx.place(safe, "safe")
        if place.kind is not PlaceKind.SAFE:
            raise InvalidInput("safe", f"{safe} is not a safe", zh=f"{place.name}不是保险柜")
        if until is not None and (until.tzinfo is None or until <= tx.now):
            raise InvalidInput(
                "until", "a future time with its UTC offset", zh="启封时间应为将来时间并带时区"
            )
        if _active(tx, safe) is not None:
            raise Conflict(f"safe {safe} is already sealed", zh=f"保险柜 {safe} 已封存")
        return _seal(tx, safe, actor, reason.strip(), until=until)


def unseal_safe(svc: Services, actor: str, safe: str) -> Seal:
    """Unseal ``safe`` now (R19): compare what its readers see with the snapshot and
    report every difference as an alert."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        tx.place(safe, "safe")
        seal = _active(tx, safe)
        if seal is None:
            raise Conflict(f"safe {safe} is not sealed", zh=f"保险柜 {safe} 未封存")
        return _unseal(tx, seal, actor)


def unseal(svc: Services, actor: str, seal_id: str) -> Seal:
    """Unseal the safe of seal ``seal_id`` now (as :func:`unseal_safe`)."""
    return unseal_safe(svc, actor, get(svc, seal_id).safe)


def get(svc: Services, seal_id: str) -> Seal:
    """One seal."""
    with svc.read() as uow:
        s = uow.seals.get(seal_id)
    if s is None:
        raise NotFound(f"no seal {seal_id!r}", zh="没有该封存记录")
    return s


def periods(svc: Services, days: int = 366) -> list[HolidayPeriod]:
    """The holiday periods of the calendar from today on, for ``days``."""
    cal = svc.site.calendar
    today = cal.local_date(svc.now())
    return [
        p for p in r19_holiday_periods(cal, today, today + timedelta(days=days)) if p.last >= today
    ]


# --- inside a transaction --------------------------------------------------------------


def _active(tx: Tx, safe: str) -> Seal | None:
    found = tx.uow.seals.find(safe=safe, state=SealState.SEALED, limit=1)
    return found[0] if found else None


def _contents(tx: Tx, safe: str) -> tuple[tuple[str, ...], str]:
    """What is in ``safe``: what its readers and camera see, or — for a safe nothing
    watches — what the register says is locked in it; and which of the two."""
    cfg = next((s for s in tx.svc.site.safes if s.place.id == safe), None)
    if cfg is not None and (cfg.readers or cfg.camera):
        return tuple(seen_in(tx.uow, [safe], CarrierState.IN_SAFE)), "readers"
    kept = tx.uow.carriers.find(state=CarrierState.IN_SAFE, location=safe, order_by="serial")
    return tuple(c.serial for c in kept), "register"


def _seal(
    tx: Tx,
    safe: str,
    actor: str,
    reason: str,
    *,
    holiday: str = "",
    until: datetime | None = None,
) -> Seal:
    contents, source = _contents(tx, safe)
    seal = Seal(new_id(), safe, tx.now, actor, contents, reason, holiday, until)
    tx.uow.seals.add(seal)
    tx.record(
        Action.SEAL,
        actor,
        to_place=safe,
        reason=reason,
        data={
            "seal": seal.id,
            "holiday": holiday,
            "until": until,
            "contents": list(contents),
            "count": len(contents),
            "source": source,
        },
    )
    return seal


def _unseal(tx: Tx, seal: Seal, actor: str) -> Seal:
    found, source = _contents(tx, seal.safe)
    seal.missing, seal.added = r19_compare(seal.contents, found)
    seal.found = found
    seal.state, seal.unsealed_at, seal.unsealed_by = SealState.UNSEALED, tx.now, actor
    tx.record(
        Action.UNSEAL,
        actor,
        from_place=seal.safe,
        data={
            "seal": seal.id,
            "holiday": seal.holiday,
            "found": list(found),
            "missing": list(seal.missing),
            "added": list(seal.added),
            "breaches": list(seal.breaches),
            "source": source,
        },
    )
    for finding in r19_unseal_findings(seal):
        serial = finding.details["carrier"]
        raise_finding(tx, serial, finding, cause=f"seal_mismatch:{seal.id}:{serial}")
    return seal


def taken_out(tx: Tx, safe: str, c: Carrier) -> list[str]:
    """A reader saw ``c`` leave ``safe``: a critical alert when the safe is sealed (R19).
    Returns the ids of the alerts raised."""
    seal = _active(tx, safe)
    if seal is None:
        return []
    finding = r19_seal_broken(seal, c)
    if finding is None:
        return []
    if c.serial not in seal.breaches:
        seal.breaches = (*seal.breaches, c.serial)
    return [raise_finding(tx, c.serial, finding, cause=f"seal_broken:{seal.id}:{c.serial}").id]


def _periods_at(tx: Tx, at: datetime) -> Iterator[HolidayPeriod]:
    cal = tx.svc.site.calendar
    day = cal.local_date(at)
    yield from r19_holiday_periods(cal, day - LOOK_BACK, day + timedelta(days=1))


def run_due(tx: Tx, at: datetime, missed: list[datetime]) -> SealingRun:
    """Scheduled, inside the run's transaction: seal the secure room's safes for a
    holiday period under way at ``at`` (each safe once per period; a safe already sealed
    by hand stays as it is) and unseal every seal whose time has come. A period that
    began and ended while the service was down (its seal instant among ``missed``) is
    reported, not sealed after the fact."""
    run = SealingRun()
    safes = r19_safes_to_seal(tx.svc.site.places)
    for p in _periods_at(tx, at):
        if p.seal_at <= at < p.unseal_at:
            for safe in safes:
                if tx.uow.seals.count(safe=safe.id, holiday=p.key) or _active(tx, safe.id):
                    continue
                reason = f"节假日封存 {p.key}"
                run.sealed.append(
                    _seal(tx, safe.id, SYSTEM, reason, holiday=p.key, until=p.unseal_at).id
                )
        elif p.unseal_at <= at and p.seal_at in missed and not tx.uow.seals.count(holiday=p.key):
            run.missed.append(p.key)
    for seal in tx.uow.seals.find(state=SealState.SEALED, order_by="sealed_at"):
        if seal.until is not None and seal.until <= at:
            run.unsealed.append(_unseal(tx, seal, SYSTEM).id)
    return run
