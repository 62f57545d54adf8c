"""收文登记簿: carriers received (R15), with who signed for them. The marking is in two
columns, level and secrecy period, as the paper book has them — the marking the carrier
was received with: a later level change or declassification is in the register of
level changes, not written over the receipt (as in the paper book)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.period import Marking
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
    """Carriers received in the period (copies are in the copy register), each with the
    marking it was received with; the level filter applies to that marking too."""
    q = r.query
    changed = _markings_at_receipt(r)
    eq: dict[str, Any] = {"original": None}
    if q.level is not None and not changed:
        eq["level"] = q.level  # no marking changed since: the table's level is the receipt's
    if q.room is not None:
        eq["home_room"] = q.room
    for c in r.uow.carriers.scan("received_on", start=q.start, end=q.end + timedelta(days=1), **eq):
        marking = changed.get(c.serial, c.marking)
        if q.level is not None and marking.level is not q.level:
            continue
        copy = f"{c.copy_number}/{c.total_copies}" if c.copy_number else ""
        yield row(
            {
                "received_on": c.received_on,
                "serial": c.serial,
                "received_from": c.received_from,
                "title": r.title(c),
                "level": marking.level.en if r.lang == "en" else marking.level.zh,
                "period": marking.period.en() if r.lang == "en" else marking.period.zh(),
                "copy": copy,
                "pages": c.pages,
                "received_by": r.name(c.received_by),
            },
            COLUMNS,
        )


def _markings_at_receipt(r: Reading) -> dict[str, Marking]:
    """The marking before the first change, for every carrier whose level changed or
    which was declassified since the period began (a change is rare: the map is small).
    A change can only follow the receipt, so nothing before the period matters."""
    first: dict[str, Marking] = {}
    start, _ = r.bounds
    for e in r.uow.ledger.scan([Action.RECLASSIFY.value, Action.DECLASSIFY.value], start=start):
        if not e.carrier or e.carrier in first:
            continue
        before = e.data.get("from" if e.action == Action.RECLASSIFY.value else "marking")
        try:
            first[e.carrier] = Marking.parse(str(before))
        except InvalidInput:
            continue  # an entry that does not say the marking: the carrier's own is shown
    return first


SPEC = Spec("receipts", "收文登记簿", "Register of receipts", COLUMNS, rows)
