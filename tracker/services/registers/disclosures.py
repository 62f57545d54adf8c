"""绝密载体知悉记录: everyone who read or handled a top-secret carrier, by name and time
(R16) — reading sessions, borrows, carrying, receipt, destruction, handling."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("started", "开始时间", "From", 1.1),
    Column("ended", "结束时间", "Until", 1.1),
    common("serial"),
    common("title"),
    common("marking"),
    Column("person", "知悉人", "Person", 0.8),
    Column("kind", "事项", "What", 0.7),
    Column("place", "地点", "Place", 0.9),
    Column("source", "登记方式", "Recorded by means of", 0.9),
    Column("recorded_by", "登记人", "Recorded by", 0.8),
    Column("sign", "知悉人签字", "Signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Contacts that began in the period, oldest first."""
    start, end = r.bounds
    found = r.uow.disclosures.scan("started_at", start=start, end=end)
    for d, serial, c in r.each(found, lambda d: (d.carrier,)):
        yield row(
            {
                "started": r.local(d.started_at),
                "ended": r.local(d.ended_at),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "person": r.name(d.person),
                "kind": r.text(d.kind.zh, d.kind.value),
                "place": r.place(d.place),
                "source": r.text(d.source.zh, d.source.value),
                "recorded_by": r.name(d.opened_by),
            },
            COLUMNS,
        )


SPEC = Spec("disclosures", "绝密载体知悉记录", "Record of top-secret disclosure", COLUMNS, rows)
