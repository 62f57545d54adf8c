"""Time-driven rules, run by a scheduler inside the service:

* ``overdue`` (R4), every few minutes: an alert per overdue borrow, with reminders that
  repeat and escalate — borrower, then custodian, then officer — until acknowledged;
  and (R18) a reminder as a top-secret receipt's handling deadline nears, an alert once
  it has passed (:func:`tracker.services.handling.check`);
* ``end_of_day`` (R7), at every close of business by the working calendar: every
  carrier not in a safe;
* ``daily`` (R9, R11), at every opening time: declassification due within the notice
  window, automatic declassification at expiry, inventories due; alarm stills past
  their retention deleted (:func:`tracker.services.alarms.purge_expired`);
* ``watch``, every few seconds: readers and cameras silent beyond their heartbeat, and
  carriers staying in a passage longer than the site's transit time (R1);
* ``monthly``, at the opening time of each month's first day: last month's statistics
  emailed to the secrecy officers (:mod:`tracker.services.registers.monthly`);
* ``sealing`` (R19), at the start and end of every holiday period of the calendar: the
  secure room's safes sealed and unsealed (:mod:`tracker.services.sealing`).

The watch also ends classified meetings whose time is over and sweeps their rooms (R17,
:mod:`tracker.services.meetings`).

Each job remembers the last instant it ran for (from the service's first start on).
After downtime, missed instants are caught up with one run (the monthly report
runs once for each month missed, since each month's report is its own) (the service down at close
of business still sweeps when it comes back). A run claims its instant, and the missed
instants it covers, in the ingest log inside its own transaction, so no instant runs
twice, whatever the schedulers of several workers or hosts read before it committed;
and one process at a time runs a round (a PostgreSQL advisory lock), so the others do
not even try.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from tracker.domain.alerts import NoticeKind
from tracker.domain.errors import Conflict
from tracker.domain.ledger import Action, iso
from tracker.domain.model import (
    AlertState,
    AlertType,
    ApprovalState,
    CarrierState,
    CarryOut,
    RoomKind,
    Severity,
    SubjectKind,
)
from tracker.domain.rules import (
    Authorizations,
    r1_passage_overstay,
    r4_overdue,
    r7_not_locked_away,
    r9_inventory_overdue,
    r11_declassification_notice,
)
from tracker.services import handling, meetings, sealing
from tracker.services.alarms import purge_expired
from tracker.services.alerting import (
    Wanted,
    notice_for,
    open_by_cause,
    raise_alert,
    raise_alerts,
    raise_finding,
    resolve_cause,
    wanted_for,
)
from tracker.services.base import SYSTEM, Services, Tx
from tracker.services.classification import declassify_expired
from tracker.services.heartbeat import last_heard
from tracker.services.inventory import due_levels
from tracker.services.registers.monthly import enqueue_monthly, next_month

logger = logging.getLogger(__name__)

JOBS = ("overdue", "end_of_day", "daily", "watch", "monthly", "sealing")
EACH_INSTANT = frozenset({"monthly"})  # jobs that run once for every instant missed


@dataclass
class RunReport:
    """What one scheduled run did."""

    job: str
    at: datetime
    missed: list[datetime] = field(default_factory=list)
    raised: int = 0
    reminded: int = 0
    resolved: int = 0
    declassified: list[str] = field(default_factory=list)
    reports: int = 0  # monthly reports written to the outbox
    purged: int = 0  # alarm stills deleted at the end of their retention
    extra: dict[str, Any] = field(default_factory=dict)  # a job's own figures, when any


def _mark(job: str) -> str:
    return f"schedule.{job}"


def job_marks(svc: Services) -> dict[str, datetime] | None:
    """Every job's mark (the last instant it ran for), read at once; None while a job
    has none yet (its first :func:`run_due` sets it)."""
    with svc.read() as uow:
        texts = uow.settings.get_many(_mark(job) for job in JOBS)
    if len(texts) < len(JOBS):
        return None
    return {job: datetime.fromisoformat(texts[_mark(job)]) for job in JOBS}


def _floor(at: datetime, every: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = (at - epoch) // every
    return epoch + steps * every


def due_instants(svc: Services, job: str, last: datetime, now: datetime) -> list[datetime]:
    """The instants in ``(last, now]`` at which ``job`` should have run, oldest first."""
    cal, pol = svc.site.calendar, svc.site.policy
    if job in ("overdue", "watch"):
        every = timedelta(minutes=pol.overdue_check_minutes)
        if job == "watch":
            every = timedelta(seconds=pol.watch_seconds)
        tick = _floor(now, every)
        return [tick] if tick > last else []
    start = last
    if job == "monthly":
        out = []
        day = cal.local_date(start).replace(day=1)
        while day <= cal.local_date(now):
            opening = datetime.combine(day, cal.opens, cal.tz)
            if start < opening <= now:
                out.append(opening)
            day = next_month(day)
        return out
    if job == "end_of_day":
        return list(cal.closes_between(start, now))
    if job == "sealing":
        return sealing.instants(cal, start, now)
    day, out = cal.local_date(start), []
    while day <= cal.local_date(now):
        opening = datetime.combine(day, cal.opens, cal.tz)
        if start < opening <= now:
            out.append(opening)
        day += timedelta(days=1)
    return out


def run_due(svc: Services, now: datetime | None = None) -> list[RunReport]:
    """Run every job that is due at ``now``; returns what ran. One process on the
    database runs a round at a time; the others skip theirs (``svc.exclusive``)."""
    now = now or svc.now()
    with svc.exclusive("scheduler") as mine:
        return _round(svc, now) if mine else []


def _round(svc: Services, now: datetime) -> list[RunReport]:
    reports = []
    for job in JOBS:
        with svc.read() as uow:
            text = uow.settings.get(_mark(job))
        if not text:
            # The very first start: nothing was missed yet, so nothing is caught up — the
            # jobs run from now on (a restart, which has a mark, does catch up).
            _start_marks(svc, job, now)
            continue
        instants = due_instants(svc, job, datetime.fromisoformat(text), now)
        batches = [[at] for at in instants] if job in EACH_INSTANT else [instants]
        for batch in batches if instants else []:
            try:
                reports.append(_run(svc, job, batch))
            except Conflict:
                logger.info("%s run for %s already done elsewhere", job, batch[-1])
    return reports


def _start_marks(svc: Services, job: str, now: datetime) -> None:
    with svc.transaction() as tx:
        if tx.uow.settings.get(_mark(job)) is None:
            tx.uow.settings.put(_mark(job), now.isoformat())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector held off for one run. A run holds what it raises until
    it commits (alerts, ledger entries, notices, events: a dozen objects each), and the
    collector walks every live object again each time their number grows by a quarter:
    half of a 50,000-carrier sweep, growing faster than the carriers. Nearly everything
    a run makes is freed by reference counting; the rest waits for the next collection,
    a few seconds later."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(svc: Services, job: str, instants: list[datetime]) -> RunReport:
    at = instants[-1]
    report = RunReport(job, at, instants[:-1])
    with _collector_paused(), svc.transaction() as tx:
        tx.run = f"{job}:{iso(at)}"
        # Claim every instant the run stands for, the missed ones too: a scheduler that
        # read the mark before this run committed must not run them again (Conflict).
        for instant in instants:
            tx.uow.ingest.put(f"{job}:{iso(instant)}", "scheduler", "{}")
        _JOBS[job](tx, at, report)
        mark = tx.uow.settings.get(_mark(job))
        if mark is None or datetime.fromisoformat(mark) < at:  # never back
            tx.uow.settings.put(_mark(job), at.isoformat())
        if job != "watch":  # the watch runs every few seconds; its alerts are recorded
            tx.record(
                Action.SCHEDULED_RUN,
                SYSTEM,
                reason=job,
                data={
                    "at": at,
                    "missed": [iso(m) for m in report.missed],
                    "raised": report.raised,
                    "reminded": report.reminded,
                    "declassified": report.declassified,
                    "reports": report.reports,
                    **report.extra,
                },
            )
    if report.missed:
        logger.warning("%s caught up %d missed run(s) at %s", job, len(report.missed), at)
    return report


# --- overdue borrows (R4) -------------------------------------------------------------


def _overdue(tx: Tx, at: datetime, report: RunReport) -> None:
    every = timedelta(minutes=tx.svc.site.policy.overdue_reminder_minutes)
    tz = tx.svc.site.calendar.tz
    known = open_by_cause(tx, AlertType.OVERDUE_BORROW)
    wanted = []  # raised together after the reminders (one batch: raise_alerts)
    for b in tx.uow.borrows.overdue(at):
        cause = f"overdue:{b.id}"
        alert = known.get(cause)
        if alert is None:
            finding = r4_overdue(b, at, tz)
            if finding is not None:
                wanted.append(wanted_for(b.carrier, finding, cause=cause))
        elif alert.state is AlertState.OPEN and at - alert.last_seen >= every:
            alert.escalation = min(alert.escalation + 1, 2)
            alert.count += 1
            alert.last_seen = at
            if alert.escalation >= 2:
                alert.severity = Severity.CRITICAL
            tx.notices.append(notice_for(tx, alert, NoticeKind.REMINDER, b.borrower))
            tx.record(
                Action.ALERT_ESCALATE,
                SYSTEM,
                carrier=b.carrier,
                reason="overdue reminder",
                data={"alert": alert.id, "escalation": alert.escalation, "count": alert.count},
            )
            report.reminded += 1
    report.raised += len(raise_alerts(tx, wanted, known))
    report.raised += handling.check(tx, at)  # R18: deadlines of top-secret receipts


# --- end of day (R7) ------------------------------------------------------------------


def _end_of_day(tx: Tx, at: datetime, report: RunReport) -> None:
    carried: dict[str, list[CarryOut]] = {}
    for co in tx.uow.carry_outs.find(state=ApprovalState.APPROVED):
        for serial in co.carriers:
            carried.setdefault(serial, []).append(co)
    known = open_by_cause(tx, AlertType.NOT_LOCKED_AWAY)
    # Read a page at a time, only what R7 looks at, and not tracked: the sweep changes no
    # carrier, and a site's every carrier out at night should not all be held (nor built
    # as whole carriers: reading every column was a third of a 100,000-carrier sweep).
    loose = tx.uow.carriers.scan_values(
        _Loose._fields,
        "serial",
        state=[CarrierState.REGISTERED, CarrierState.OUT, CarrierState.IN_TRANSIT],
    )
    none = Authorizations()

    def wanted() -> Iterator[Wanted]:
        for row in loose:
            c = _Loose._make(row)
            cos = carried.get(c.serial)
            auth = none if cos is None else Authorizations(carry_outs=tuple(cos))
            finding = r7_not_locked_away(c, auth, at)
            if finding is not None:
                yield wanted_for(c.serial, finding, cause=f"not_locked_away:{c.serial}")

    # One batch as the carriers are read (raise_alerts works out what they share once).
    report.raised += len(raise_alerts(tx, wanted(), known))


class _Loose(NamedTuple):
    """The fields of a carrier the end-of-day sweep reads (R7's :class:`Whereabouts`)."""

    serial: str
    state: CarrierState
    location: str | None
    holder: str | None


# --- daily: declassification (R11) and inventories (R9) --------------------------------


def _daily(tx: Tx, at: datetime, report: RunReport) -> None:
    cal, pol = tx.svc.site.calendar, tx.svc.site.policy
    today = cal.local_date(at)
    report.declassified = declassify_expired(tx, today)
    report.purged = purge_expired(tx, at)
    active = tx.uow.carriers.find(
        state=[
            CarrierState.REGISTERED,
            CarrierState.IN_SAFE,
            CarrierState.OUT,
            CarrierState.IN_TRANSIT,
            CarrierState.ARCHIVED,
        ],
    )
    for c in active:
        notice = r11_declassification_notice(c, today, pol.declassification_notice_days)
        if notice is not None:
            raise_finding(tx, c.serial, notice, cause=f"declassification_due:{c.serial}")
            report.raised += 1
    levels_present = {c.level for c in active}
    for level, due in due_levels(tx, today).items():
        finding = r9_inventory_overdue(level, due, today)
        if level in levels_present and finding is not None:
            raise_finding(
                tx,
                tx.svc.site.id,
                finding,
                cause=f"inventory_due:{level.value}",
                subject_kind=SubjectKind.PLACE,
            )
            report.raised += 1


# --- watch: silent readers and cameras, passage stays (R1) ---------------------------


def _watch(tx: Tx, at: datetime, report: RunReport) -> None:
    site = tx.svc.site
    devices = [(r.id, r.heartbeat) for r in site.readers] + [
        (c.id, c.heartbeat) for c in site.cameras
    ]
    for device, heartbeat in devices:
        last = last_heard(tx, device)
        if last is None:
            continue  # never heard from: not installed yet, nothing to miss
        cause = f"reader_offline:{device}"
        silent = at - last
        if silent > timedelta(seconds=heartbeat):
            raise_alert(
                tx,
                AlertType.READER_OFFLINE,
                Severity.CRITICAL,
                SubjectKind.READER,
                device,
                cause,
                None,
                f"{device} has been silent for {int(silent.total_seconds())} s: carriers can "
                "pass it unseen",
                f"{device} 已{int(silent.total_seconds())}秒无上报，载体经过该处将无法被发现",
                {"last_heard": last.isoformat()},
            )
            report.raised += 1
        elif resolve_cause(tx, cause, SYSTEM, "reporting again") is not None:
            report.resolved += 1
    passages = {p.id: p for p in site.places if p.room_kind is RoomKind.PASSAGE}
    limit = timedelta(seconds=site.policy.transit_seconds)
    for c in tx.uow.carriers.find(location=sorted(passages)):
        stay = r1_passage_overstay(c, passages[c.location or ""], at, limit)
        if stay is not None:
            raise_finding(tx, c.serial, stay, ":passage")
            report.raised += 1
    ended, swept = meetings.run_due(tx, at)  # R17
    report.extra.update({"meetings_ended": ended, "rooms_swept": swept} if ended or swept else {})


# --- monthly: the report to the secrecy officers --------------------------------------


def _monthly(tx: Tx, at: datetime, report: RunReport) -> None:
    report.reports = enqueue_monthly(tx, at)


# --- sealing: holiday seals on and off (R19) --------------------------------------------


def _sealing(tx: Tx, at: datetime, report: RunReport) -> None:
    run = sealing.run_due(tx, at, report.missed)
    figures = {"sealed": run.sealed, "unsealed": run.unsealed, "holidays_missed": run.missed}
    report.extra.update(figures)


_JOBS: dict[str, Callable[[Tx, datetime, RunReport], None]] = {
    "overdue": _overdue,
    "end_of_day": _end_of_day,
    "daily": _daily,
    "watch": _watch,
    "monthly": _monthly,
    "sealing": _sealing,
}
