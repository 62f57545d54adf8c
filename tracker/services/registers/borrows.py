"""借阅登记簿: carriers lent (R3, R4), with the days a return came late."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.services.registers.base import (
    Cell,
    Column,
    Reading,
    Spec,
    common,
    overdue_days,
    row,
)

COLUMNS = (
    Column("out", "借出时间", "Out", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    Column("borrower", "借阅人", "Borrower", 0.8),
    common("approver"),
    Column("due", "应还时间", "Due", 1.1),
    Column("returned", "归还时间", "Returned", 1.1),
    Column("overdue_days", "超期天数", "Days overdue", 0.8),
    Column("issued_by", "经办人", "Issued by", 0.8),
    Column("sign_out", "借阅人签字", "Borrower's signature", 0.9, sign=True),
    Column("sign_back", "归还签收", "Return signed", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Borrows checked out in the period (circulation hops are in the circulation
    register), oldest first."""
    start, end = r.bounds
    borrows = r.uow.borrows.scan("checked_out_at", start=start, end=end, circulation=None)
    for b, serial, c in r.each(borrows, lambda b: (b.carrier,)):
        yield row(
            {
                "out": r.local(b.checked_out_at),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "borrower": r.name(b.borrower),
                "approver": r.name(b.approver),
                "due": r.local(b.due_at),
                "returned": r.local(b.returned_at),
                "overdue_days": overdue_days(b.due_at, b.returned_at, r.now),
                "issued_by": r.name(b.checked_out_by),
            },
            COLUMNS,
        )


SPEC = Spec("borrows", "借阅登记簿", "Register of borrows", COLUMNS, rows)
