"""Time-driven rules: R7 (locked away after close of business), R9 (inventories due) and
R11 (declassification at the end of the period)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from tracker.domain.levels import Level
from tracker.domain.model import AlertType, Carrier, CarrierState, Severity
from tracker.domain.period import add_months
from tracker.domain.rules.findings import Finding
from tracker.domain.rules.places import Authorizations


class Whereabouts(Protocol):
    """What R7 looks at of a carrier: a :class:`Carrier`, or just these fields of one
    (the end-of-day sweep reads only them for a site's every carrier out)."""

    @property
    def serial(self) -> str: ...

    @property
    def state(self) -> CarrierState: ...

    @property
    def location(self) -> str | None: ...

    @property
    def holder(self) -> str | None: ...


def r7_needs_locking_away(carrier: Whereabouts, auth: Authorizations, at: datetime) -> bool:
    """R7: after close of business every carrier is in a locked safe. Carriers away under
    a valid carry-out, and those already reported missing or gone, are exempt."""
    if carrier.state in (
        CarrierState.IN_SAFE,
        CarrierState.MISSING,
        CarrierState.DESTROYED,
        CarrierState.DECLASSIFIED,
        CarrierState.ARCHIVED,
    ):
        return False
    return not (carrier.state is CarrierState.IN_TRANSIT and auth.active_carry_out(at))


def r7_not_locked_away(
    carrier: Whereabouts, auth: Authorizations, close: datetime
) -> Finding | None:
    """R7: the finding for a carrier not in a safe at close of business ``close``."""
    if not r7_needs_locking_away(carrier, auth, close):
        return None
    where = carrier.location or "?"
    held = f", held by {carrier.holder}" if carrier.holder else ""
    held_zh = f"，持有人：{carrier.holder}" if carrier.holder else ""
    return Finding(
        AlertType.NOT_LOCKED_AWAY,
        Severity.WARNING,
        "R7",
        f"after close of business carrier {carrier.serial} is not in a safe "
        f"(last at {where}{held})",
        f"下班后载体 {carrier.serial} 未入柜上锁（最后位置：{where}{held_zh}）",
        {"location": where, "holder": carrier.holder or "", "close": close.isoformat()},
    )


def r9_inventory_due(
    level: Level, last: date | None, months_by_level: dict[str, int], today: date
) -> date:
    """R9: the date the next inventory of ``level`` carriers is due."""
    months = months_by_level.get(level.value, 3)
    if last is None:
        return today
    return add_months(last, months)


def r9_inventory_overdue(level: Level, due: date, today: date) -> Finding | None:
    """R9: the finding that an inventory of ``level`` carriers is due (since ``due``)."""
    if due > today:
        return None
    return Finding(
        AlertType.INVENTORY_DUE,
        Severity.INFO,
        "R9",
        f"an inventory of {level.value} carriers is due (since {due})",
        f"{level.zh}级载体应于 {due} 前开展清查",
        {"level": level.value, "due": str(due)},
    )


def r11_declassification_due(carrier: Carrier, today: date, notice_days: int) -> bool:
    """R11: the carrier's period ends within the notice window (and has not yet ended)."""
    end = carrier.expires_on
    return end is not None and today < end <= today + timedelta(days=notice_days)


def r11_declassification_notice(carrier: Carrier, today: date, notice_days: int) -> Finding | None:
    """R11: the finding that a carrier is declassified by itself soon, or None."""
    if not r11_declassification_due(carrier, today, notice_days):
        return None
    return Finding(
        AlertType.DECLASSIFICATION_DUE,
        Severity.INFO,
        "R11",
        f"carrier {carrier.serial} ({carrier.marking.en()}) is declassified on "
        f"{carrier.expires_on}",
        f"载体 {carrier.serial}（{carrier.marking.zh()}）将于 {carrier.expires_on} "
        "保密期限届满，自行解密",
        {"expires_on": str(carrier.expires_on)},
    )


def r11_expired(carrier: Carrier, today: date) -> bool:
    """R11: the period has ended, so the carrier is declassified by itself."""
    end = carrier.expires_on
    return carrier.active and end is not None and end <= today
