"""传阅登记簿: circulations (R4, R5), one row per reader, each back to the custodian."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from tracker.domain.model import Borrow
from tracker.services.registers.base import Cell, Column, Reading, Spec, batched, common, row

COLUMNS = (
    Column("started", "传阅开始", "Started", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    common("approver"),
    Column("due", "传阅期限", "Due", 1.1),
    Column("reader", "阅文人", "Reader", 0.8),
    Column("out", "送阅时间", "Issued", 1.1),
    Column("returned", "退回时间", "Returned", 1.1),
    Column("sign", "阅文人签字", "Reader's signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Circulations started in the period; a reader not yet issued shows no times."""
    start, end = r.bounds
    for page in batched(r.uow.circulations.scan("started_at", start=start, end=end)):
        carriers = r.carriers(ci.carrier for ci in page)
        hops: dict[str, dict[str, Borrow]] = defaultdict(dict)
        for b in r.uow.borrows.scan("requested_at", circulation=[ci.id for ci in page]):
            assert b.circulation is not None  # selected by it
            hops[b.circulation][b.borrower] = b
        for ci in page:
            c = carriers.get(ci.carrier)
            if not r.selected(c):
                continue
            for reader in ci.readers:
                hop = hops[ci.id].get(reader)
                yield row(
                    {
                        "started": r.local(ci.started_at),
                        "serial": ci.carrier,
                        "title": r.title(c),
                        "marking": r.marking(c),
                        "approver": r.name(ci.approver),
                        "due": r.local(ci.due_at),
                        "reader": r.name(reader),
                        "out": r.local(hop.checked_out_at) if hop else None,
                        "returned": r.local(hop.returned_at) if hop else None,
                    },
                    COLUMNS,
                )


SPEC = Spec("circulations", "传阅登记簿", "Register of circulations", COLUMNS, rows)
