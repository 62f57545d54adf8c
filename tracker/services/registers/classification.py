"""密级变更及解密登记: level changes and declassifications (R11), from the register."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.domain.ledger import Action
from tracker.services.base import SYSTEM
from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("at", "日期", "Date", 1.1),
    common("serial"),
    common("title"),
    Column("change", "变更类别", "Change", 1.0),
    Column("before", "原密级标志", "Before", 1.1),
    Column("after", "变更后", "After", 1.1),
    Column("reason", "依据或理由", "Reason", 1.6),
    common("approver"),
    Column("actor", "经办人", "Recorded by", 0.8),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Every level change and declassification recorded in the period."""
    start, end = r.bounds
    entries = r.uow.ledger.scan(
        [Action.RECLASSIFY.value, Action.DECLASSIFY.value], start=start, end=end
    )
    for e, serial, c in r.each(entries, lambda e: (e.carrier,) if e.carrier else ()):
        if e.action == Action.RECLASSIFY.value:
            change = r.text("密级变更", "level changed")
            before, after = str(e.data.get("from", "")), str(e.data.get("to", ""))
        else:
            expiry = e.data.get("how") == "expiry"
            change = (
                r.text("到期自行解密", "expired") if expiry else r.text("提前解密", "declassified")
            )
            before, after = str(e.data.get("marking", "")), r.text("解密", "declassified")
        yield row(
            {
                "at": r.local(e.at),
                "serial": serial,
                "title": r.title(c),
                "change": change,
                "before": before,
                "after": after,
                "reason": r.free_text(e.reason, [c]),
                "approver": r.name(e.approver),
                "actor": r.text("系统", "system") if e.actor == SYSTEM else r.name(e.actor),
            },
            COLUMNS,
        )


SPEC = Spec(
    "classification",
    "密级变更及解密登记",
    "Register of level changes and declassification",
    COLUMNS,
    rows,
)
