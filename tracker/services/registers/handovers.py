"""移交清单: carriers handed over when someone leaves a post (R12)."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.services.registers.base import (
    Cell,
    Column,
    Footer,
    Reading,
    Spec,
    common,
    row,
)

COLUMNS = (
    Column("at", "移交时间", "Handed over", 1.1),
    Column("from_person", "移交人", "From", 0.8),
    Column("to_person", "接收人", "To", 0.8),
    common("serial"),
    common("title"),
    common("marking"),
    Column("copy", "份号", "Copy", 0.6),
    Column("pages", "页数", "Pages", 0.5),
    Column("approver", "监交人", "Supervised by", 0.8),
    Column("recorded_by", "记录人", "Recorded by", 0.8),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Handovers of the period, one row per carrier handed over."""
    start, end = r.bounds
    found = r.uow.handovers.scan("at", start=start, end=end)
    for h, serial, c in r.each(found, lambda h: h.carriers):
        yield row(
            {
                "at": r.local(h.at),
                "from_person": r.name(h.from_person),
                "to_person": r.name(h.to_person),
                "serial": serial,
                "title": r.title(c),
                "marking": r.marking(c),
                "copy": f"{c.copy_number}/{c.total_copies}" if c and c.copy_number else "",
                "pages": c.pages if c else None,
                "approver": r.name(h.approver),
                "recorded_by": r.name(h.recorded_by),
            },
            COLUMNS,
        )


def footer(r: Reading) -> Footer:
    """The three signatures a handover list carries."""
    if r.lang == "en":
        return Footer((), ("Handed over by", "Received by", "Supervised by"))
    return Footer((), ("移交人签字", "接收人签字", "监交人签字"))


SPEC = Spec("handovers", "移交清单", "Handover lists", COLUMNS, rows, footer)
