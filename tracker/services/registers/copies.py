"""复制登记簿: approved copies (R8), the copies' own serials and who made them."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.domain.model import ApprovalState
from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("requested", "申请时间", "Requested", 1.1),
    Column("serial", "原件编号", "Original", 1.3),
    common("title"),
    common("marking"),
    Column("count", "份数", "Copies", 0.5),
    Column("copies", "复制件编号", "Copy serials", 1.6),
    Column("requested_by", "申请人", "Requested by", 0.8),
    common("approver"),
    Column("decided", "批准时间", "Approved", 1.1),
    Column("reason", "复制事由", "Reason", 1.2),
    Column("sign", "经办人签字", "Signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Copy requests made in the period and approved (made or still to be made)."""
    start, end = r.bounds
    found = r.uow.copy_requests.scan(
        "requested_at",
        start=start,
        end=end,
        state=[ApprovalState.APPROVED, ApprovalState.DONE],
    )
    for q, serial, c in r.each(found, lambda q: (q.original,)):
        yield row(
            {
                "requested": r.local(q.requested_at),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "count": q.count,
                "copies": "、".join(q.copies),
                "requested_by": r.name(q.requested_by),
                "approver": r.name(q.approver),
                "decided": r.local(q.decided_at),
                "reason": r.free_text(q.reason, [c]),
            },
            COLUMNS,
        )


SPEC = Spec("copies", "复制登记簿", "Register of copies", COLUMNS, rows)
