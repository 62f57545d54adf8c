"""R19: over holidays the secure room's safes are sealed (节假日期间应封存文件, 004 §八
(十一)): a snapshot of each safe's contents at the start, a critical alert for any carrier
leaving a sealed safe, and a comparison with the snapshot when it is unsealed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from tracker.domain.calendar import WorkingCalendar
from tracker.domain.model import AlertType, Carrier, Place, PlaceKind, RoomKind, Severity
from tracker.domain.rules.findings import Finding
from tracker.domain.seals import HolidayPeriod, Seal, SealState


def r19_holiday_periods(cal: WorkingCalendar, start: date, end: date) -> list[HolidayPeriod]:
    """R19: the holiday periods of the calendar that overlap ``[start, end]``, oldest
    first. A period is a run of days off holding at least one public holiday (a weekend
    next to a holiday belongs to it; an ordinary weekend is no holiday). The safes are
    sealed at close of business of the last working day before it and unsealed at the
    opening of the first working day after it."""
    out: list[HolidayPeriod] = []
    day = _working_day_at_or_before(cal, start)
    while day <= end:
        if cal.is_working_day(day):
            day += timedelta(days=1)
            continue
        first = day
        while not cal.is_working_day(day + timedelta(days=1)):
            day += timedelta(days=1)
            if day - first > timedelta(days=366):
                raise ValueError("the calendar has no working day within a year")
        last = day
        days = (last - first).days + 1
        holiday = any(first + timedelta(days=k) in cal.holidays for k in range(days))
        if holiday and last >= start:
            before = _working_day_at_or_before(cal, first)
            after = last + timedelta(days=1)
            out.append(HolidayPeriod(first, last, cal.close_of(before), cal.open_of(after)))
        day = last + timedelta(days=1)
    return out


def _working_day_at_or_before(cal: WorkingCalendar, day: date) -> date:
    for _ in range(367):
        if cal.is_working_day(day):
            return day
        day -= timedelta(days=1)
    raise ValueError("the calendar has no working day within a year")


def r19_safes_to_seal(places: Iterable[Place]) -> list[Place]:
    """R19: the safes sealed over holidays: those in a secure room (机要室, a key part,
    要害部位), in id order."""
    rooms = {p.id for p in places if p.room_kind is RoomKind.SECURE}
    return sorted(
        (p for p in places if p.kind is PlaceKind.SAFE and p.parent in rooms), key=lambda p: p.id
    )


def r19_seal_broken(seal: Seal, carrier: Carrier) -> Finding | None:
    """R19: a carrier seen leaving a safe that is sealed."""
    if seal.state is not SealState.SEALED:
        return None
    why = f" for the holiday {seal.holiday}" if seal.holiday else ""
    why_zh = f"（节假日 {seal.holiday}）" if seal.holiday else ""
    return Finding(
        AlertType.SEAL_BROKEN,
        Severity.CRITICAL,
        "R19",
        f"carrier {carrier.serial} left safe {seal.safe}, which is sealed{why}",
        f"载体 {carrier.serial} 被从已封存的保险柜 {seal.safe} 中取出{why_zh}",
        {"safe": seal.safe, "seal": seal.id},
    )


def r19_compare(
    snapshot: Iterable[str], found: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """R19: unsealing compares what is in the safe with the snapshot taken at sealing:
    ``(missing, added)`` — serials of the snapshot not found, and found ones not in it."""
    before, now = set(snapshot), set(found)
    return tuple(sorted(before - now)), tuple(sorted(now - before))


def r19_unseal_findings(seal: Seal) -> list[Finding]:
    """R19: one finding for every difference unsealing found (``seal.missing`` and
    ``seal.added``, filled in by :func:`r19_compare`)."""
    out = [
        Finding(
            AlertType.SEAL_MISMATCH,
            Severity.CRITICAL,
            "R19",
            f"unsealing safe {seal.safe}: carrier {s}, in it when sealed, is not there",
            f"启封保险柜 {seal.safe}：封存时在柜的载体 {s} 未找到",
            {"safe": seal.safe, "seal": seal.id, "difference": "missing", "carrier": s},
        )
        for s in seal.missing
    ]
    out += [
        Finding(
            AlertType.SEAL_MISMATCH,
            Severity.WARNING,
            "R19",
            f"unsealing safe {seal.safe}: carrier {s} is in it but was not when sealed",
            f"启封保险柜 {seal.safe}：载体 {s} 在柜内，但封存时不在",
            {"safe": seal.safe, "seal": seal.id, "difference": "added", "carrier": s},
        )
        for s in seal.added
    ]
    return out
