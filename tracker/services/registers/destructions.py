"""销毁登记簿: carriers destroyed (R10), at which place, how, watched by whom."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.domain.model import ApprovalState
from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("executed", "销毁时间", "Destroyed", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    Column("place", "销毁地点", "Place", 1.0),
    Column("method", "销毁方式", "Method", 0.8),
    common("approver"),
    Column("executed_by", "执行人", "Destroyed by", 0.8),
    Column("witnesses", "监销人", "Witnesses", 1.1),
    Column("sign_1", "监销人签字", "Witness signature", 0.9, sign=True),
    Column("sign_2", "监销人签字", "Witness signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Destructions carried out in the period, one row per carrier."""
    start, end = r.bounds
    found = r.uow.destructions.scan("executed_at", start=start, end=end, state=ApprovalState.DONE)
    for d, serial, c in r.each(found, lambda d: d.carriers):
        yield row(
            {
                "executed": r.local(d.executed_at),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "place": r.place(d.place),
                "method": d.method,
                "approver": r.name(d.approver),
                "executed_by": r.name(d.executed_by),
                "witnesses": r.names(d.witnesses),
            },
            COLUMNS,
        )


SPEC = Spec("destructions", "销毁登记簿", "Register of destructions", COLUMNS, rows)
