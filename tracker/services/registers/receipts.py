"""收文登记簿: carriers received (R15), with who signed for them. The marking is in two
columns, level and secrecy period, as the paper book has them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tracker.services.registers.base import Cell, Column, Reading, Spec, common, row

COLUMNS = (
    Column("received_on", "收文日期", "Received", 0.9),
    common("serial"),
    Column("received_from", "来文单位", "From", 1.3),
    common("title"),
    Column("level", "密级", "Level", 0.6),
    Column("period", "保密期限", "Secrecy period", 0.7),
    Column("copy", "份号/份数", "Copy / copies", 0.7),
    Column("pages", "页数", "Pages", 0.5),
    Column("received_by", "签收人", "Signed by", 0.8),
    Column("sign", "签收人签字", "Signature", 0.9, sign=True),
)


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Carriers received in the period (copies are in the copy register)."""
    q = r.query
    eq: dict[str, Any] = {"original": None}
    if q.level is not None:
        eq["level"] = q.level
    if q.room is not None:
        eq["home_room"] = q.room
    for c in r.uow.carriers.scan("received_on", start=q.start, end=q.end + timedelta(days=1), **eq):
        copy = f"{c.copy_number}/{c.total_copies}" if c.copy_number else ""
        yield row(
            {
                "received_on": c.received_on,
                "serial": c.serial,
                "received_from": c.received_from,
                "title": r.title(c),
                "level": r.level(c),
                "period": c.period.en() if r.lang == "en" else c.period.zh(),
                "copy": copy,
                "pages": c.pages,
                "received_by": r.name(c.received_by),
            },
            COLUMNS,
        )


SPEC = Spec("receipts", "收文登记簿", "Register of receipts", COLUMNS, rows)
