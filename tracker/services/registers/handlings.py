"""绝密文件办理登记簿: top-secret receipts, their three-day deadlines, instructions (批办)
and handling (办理) (R18)."""

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
    Column("received", "收文时间", "Received", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    Column("due", "办理期限", "Due", 1.1),
    Column("instructed_by", "批办人", "Instructed by", 0.8),
    Column("instruction", "批办意见", "Instructions", 1.4),
    Column("handled", "办结时间", "Handled", 1.1),
    Column("handled_by", "经办人", "Handled by", 0.8),
    Column("outcome", "办理情况", "Outcome", 1.4),
    Column("overdue_days", "超期天数", "Days overdue", 0.7),
    Column("sign", "经办人签字", "Signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Top-secret receipts registered in the period, oldest first; instructions and what
    was done only for readers who may know the carrier (they may quote it)."""
    start, end = r.bounds
    found = r.uow.handlings.scan("received_at", start=start, end=end)
    for h, serial, c in r.each(found, lambda h: (h.carrier,)):
        yield row(
            {
                "received": r.local(h.received_at),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "due": r.local(h.due_at),
                "instructed_by": r.name(h.instructed_by),
                "instruction": r.free_text(h.instruction, [c]),
                "handled": r.local(h.handled_at),
                "handled_by": r.name(h.handled_by),
                "outcome": r.free_text(h.outcome, [c]),
                "overdue_days": overdue_days(h.due_at, h.handled_at, r.now),
            },
            COLUMNS,
        )


SPEC = Spec("handlings", "绝密文件办理登记簿", "Register of top-secret handling", COLUMNS, rows)
