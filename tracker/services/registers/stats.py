"""The statistics the secrecy officer reports to the secrecy committee for a period
(usually a month): carriers by level and state, received, destroyed, borrows and the
overdue rate, alerts by type and how long they took to acknowledge.

Counts by level and state are as of when the summary is made (the report is made just
after the month ends); everything else counts what happened within the period.
Records are read a page at a time, so a year of a busy office takes constant memory.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tracker.domain.levels import Level
from tracker.domain.model import AlertType, ApprovalState, CarrierState
from tracker.domain.site import Site
from tracker.services.base import Services
from tracker.services.ports import UnitOfWork
from tracker.services.registers.base import RegisterQuery, batched

LEVELS = [lv.value for lv in sorted(Level, reverse=True)]
STATES = [s.value for s in CarrierState]


@dataclass
class AckTimes:
    """How long alerts of one type took to be acknowledged, in minutes."""

    acknowledged: int = 0
    unacknowledged: int = 0
    median_minutes: float | None = None
    max_minutes: float | None = None


@dataclass
class Summary:
    """The statistics of one period; JSON-safe through :meth:`to_json`."""

    unit: str
    start: date
    end: date
    made_at: datetime  # in the site's time zone
    carriers: dict[str, dict[str, int]]  # level -> state -> count (now)
    received: dict[str, int]  # level -> count
    destroyed: dict[str, int]
    borrows: int  # checked out in the period (circulations aside)
    borrows_due: int  # due in the period
    borrows_late: int  # of those, returned late or still out past due
    alerts: dict[str, int]  # type -> raised in the period
    ack: dict[str, AckTimes] = field(default_factory=dict)

    @property
    def overdue_rate(self) -> float | None:
        """Share of the borrows due in the period that came back late (or not yet)."""
        return self.borrows_late / self.borrows_due if self.borrows_due else None

    def to_json(self) -> str:
        """The summary as JSON (what the monthly report's attachment is made from)."""
        data = asdict(self)
        data.update(
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            made_at=self.made_at.isoformat(),
        )
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Summary:
        """Inverse of :meth:`to_json`."""
        data: dict[str, Any] = json.loads(text)
        data["start"] = date.fromisoformat(data["start"])
        data["end"] = date.fromisoformat(data["end"])
        data["made_at"] = datetime.fromisoformat(data["made_at"])
        data["ack"] = {k: AckTimes(**v) for k, v in data.get("ack", {}).items()}
        return Summary(**data)


def summarize(uow: UnitOfWork, site: Site, query: RegisterQuery, now: datetime) -> Summary:
    """The statistics for ``query``'s period (its room and level filters are not used:
    the committee gets the whole unit)."""
    start, end = query.bounds(site)
    carriers = {lv: {st: 0 for st in STATES} for lv in LEVELS}
    for lv in Level:
        for st in CarrierState:
            carriers[lv.value][st.value] = uow.carriers.count(level=lv, state=st)
    received: Counter[str] = Counter()
    for c in uow.carriers.scan(
        "received_on", start=query.start, end=query.end + timedelta(days=1), original=None
    ):
        received[c.level.value] += 1
    destroyed: Counter[str] = Counter()
    done = uow.destructions.scan("executed_at", start=start, end=end, state=ApprovalState.DONE)
    for page in batched(s for d in done for s in d.carriers):
        for c in uow.carriers.scan("serial", serial=page):
            destroyed[c.level.value] += 1
    lent = uow.borrows.scan("checked_out_at", start=start, end=end, circulation=None)
    borrows = sum(1 for _ in lent)
    due = late = 0
    for b in uow.borrows.scan("due_at", start=start, end=min(end, now), circulation=None):
        if b.checked_out_at is None:
            continue  # never lent
        due += 1
        back = b.returned_at or now
        late += back > b.due_at
    alerts: Counter[str] = Counter()
    minutes: dict[str, list[float]] = defaultdict(list)
    open_count: Counter[str] = Counter()
    for a in uow.alerts.scan("first_seen", start=start, end=end):
        alerts[a.type.value] += 1
        if a.acknowledged_at is not None:
            minutes[a.type.value].append((a.acknowledged_at - a.first_seen).total_seconds() / 60)
        else:
            open_count[a.type.value] += 1
    ack = {
        t.value: AckTimes(
            len(minutes[t.value]),
            open_count[t.value],
            round(statistics.median(minutes[t.value]), 1) if minutes[t.value] else None,
            round(max(minutes[t.value]), 1) if minutes[t.value] else None,
        )
        for t in AlertType
        if alerts[t.value]
    }
    return Summary(
        unit=site.name,
        start=query.start,
        end=query.end,
        made_at=now.astimezone(site.calendar.tz),
        carriers=carriers,
        received={lv: received[lv] for lv in LEVELS},
        destroyed={lv: destroyed[lv] for lv in LEVELS},
        borrows=borrows,
        borrows_due=due,
        borrows_late=late,
        alerts={t.value: alerts[t.value] for t in AlertType if alerts[t.value]},
        ack=ack,
    )


def read_summary(svc: Services, actor: str, query: RegisterQuery) -> Summary:
    """The statistics for ``query`` as ``actor`` may read them (the register readers)."""
    from tracker.services.registers.export import require_reader

    with svc.read() as uow:
        require_reader(uow.people.get(actor), actor, "summary")
        return summarize(uow, svc.site, query, svc.now())
