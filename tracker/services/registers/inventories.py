"""清查记录: inventories (R9) — expected, found, missing and unexpected carriers, with
signature lines for the people who took the inventory."""

from __future__ import annotations

from collections.abc import Iterator

from tracker.domain.model import Carrier, Inventory, InventoryState
from tracker.services.registers.base import (
    Cell,
    Column,
    Footer,
    Reading,
    Spec,
    batched,
    common,
    row,
)

COLUMNS = (
    Column("started", "清查时间", "Taken", 1.1),
    Column("scope", "清查范围", "Scope", 1.4),
    common("serial"),
    common("title"),
    common("marking"),
    Column("result", "清查结果", "Result", 0.8),
)

_RESULT = {
    "found": ("在位", "found"),
    "missing": ("缺失", "missing"),
    "unexpected": ("账外", "unexpected"),
}


def _scope(r: Reading, inv: Inventory) -> str:
    places = "、".join(r.place(p) for p in inv.places) or r.text("全部场所", "all places")
    levels = "、".join(lv.en if r.lang == "en" else lv.zh for lv in inv.levels)
    return f"{places}（{levels or r.text('全部密级', 'all levels')}）"


def _rooms(r: Reading, inv: Inventory) -> set[str]:
    """The rooms an inventory looked in (empty for one of every place)."""
    known = {p.id for p in r.site.places}
    return {r.site.room_of(p).id for p in inv.places if p in known}


def _inventories(r: Reading) -> Iterator[Inventory]:
    """The inventories of the period; with a room filter, those that looked in the room
    (and those of every place, whose rows are then the room's carriers)."""
    start, end = r.bounds
    room = r.query.room
    for inv in r.uow.inventories.scan("started_at", start=start, end=end):
        if room is None or not inv.places or room in _rooms(r, inv):
            yield inv


def rows(r: Reading) -> Iterator[tuple[Cell, ...]]:
    """Every carrier each inventory of the period expected or saw, with its result.
    The room filter selects inventories by where they looked: an inventory of the room
    shows every carrier it expected or found there (one homed elsewhere and found there
    unexpected included); the level filter selects carriers by their level."""
    for inv in _inventories(r):
        whole_room = r.query.room is not None and bool(inv.places)
        found = set(inv.found)
        items = [(s, "found" if s in found else "missing") for s in inv.expected]
        items += [(s, "unexpected") for s in inv.unexpected]
        for page in batched(items):
            carriers = r.carriers(s for s, _ in page)
            for serial, result in page:
                c: Carrier | None = carriers.get(serial)
                if c is not None and not (
                    r.query.level in (None, c.level) if whole_room else r.selected(c)
                ):
                    continue
                yield row(
                    {
                        "started": r.local(inv.started_at),
                        "scope": _scope(r, inv),
                        "serial": serial,
                        "title": r.title(c) if c else r.text("（未登记的标签）", "(unregistered)"),
                        "marking": r.marking(c),
                        "result": r.text(*_RESULT[result]),
                    },
                    COLUMNS,
                )


def footer(r: Reading) -> Footer:
    """One line per inventory with its counts, and the signature lines."""
    lines = []
    for inv in _inventories(r):
        missing = len(inv.missing)
        at = r.local(inv.started_at)
        closed = inv.state is InventoryState.CLOSED
        state = r.text("已结束", "closed") if closed else r.text("进行中", "open")
        if r.lang == "en":
            lines.append(
                f"{at:%Y-%m-%d %H:%M} {_scope(r, inv)}: expected {len(inv.expected)}, "
                f"found {len(inv.expected) - missing}, missing {missing}, unexpected "
                f"{len(inv.unexpected)}; taken by {r.name(inv.started_by)} ({state})"
            )
        else:
            lines.append(
                f"{at:%Y-%m-%d %H:%M} {_scope(r, inv)}：应在 {len(inv.expected)}，"
                f"在位 {len(inv.expected) - missing}，缺失 {missing}，账外 "
                f"{len(inv.unexpected)}；清查人 {r.name(inv.started_by)}（{state}）"
            )
    signatures = (
        ("Taken by", "Checked by", "Secrecy officer")
        if r.lang == "en"
        else ("清查人签字", "监督人签字", "保密干部签字")
    )
    return Footer(tuple(lines), signatures)


SPEC = Spec("inventories", "清查记录", "Inventory records", COLUMNS, rows, footer)
