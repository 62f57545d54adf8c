"""A gateway batch is read once, not once per event (issue 16 goal 2), and answers
exactly as event-by-event application did: alerts raised or repeated within a batch,
an event id repeated within a batch, an event id recorded meanwhile by another
transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.factories import T0
from tests.services.conftest import item, receive_one
from tracker.domain.errors import Conflict
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.services import borrowing
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.receive import ReceiveBatch, receive

ALICE = "0100073EAB"


def cross(eid: str, c: Carrier, door: str, direction: str, seconds: int) -> Observation:
    return Observation(
        eid,
        "crossing",
        T0 + timedelta(seconds=seconds),
        code=c.epc or "",
        door=door,
        direction=direction,  # type: ignore[arg-type]
        badges=(ALICE,),
    )


def on_borrow(svc: Services, n: int) -> list[Carrier]:
    """``n`` secret carriers of the secure room, each lent to alice for the reading room."""
    carriers = receive(svc, "carol", ReceiveBatch([item() for _ in range(n)], n, "某部机要局"))
    for c in carriers:
        req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅办")
        borrowing.approve_borrow(svc, "ann", req.id)
        borrowing.check_out(svc, "carol", req.id)
    return carriers


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_batch_sends_as_many_statements_for_twenty_events_as_for_two(
    svc: Services, engine: Engine
) -> None:
    carriers = on_borrow(svc, 10)

    def batch(tag: str, cs: list[Carrier]) -> list[Observation]:
        out = []
        for i, c in enumerate(cs):
            out.append(cross(f"{tag}{i}o", c, "door-secure", "out", 2 * i))
            out.append(cross(f"{tag}{i}i", c, "door-reading", "in", 2 * i + 1))
        return out

    with statements(engine) as small:
        outs = apply_batch(svc, "gw1", batch("s", carriers[:1]))
    assert [o.alerts for o in outs] == [[], []]
    with statements(engine) as large:
        outs = apply_batch(svc, "gw1", batch("l", carriers))
    assert len(outs) == 20 and all(o.status == "recorded" and not o.alerts for o in outs)
    assert sorted(large) == sorted(small), (small, large)
    with svc.read() as uow:
        assert {uow.carriers.get(c.serial).location for c in carriers} == {"reading"}  # type: ignore[union-attr]
        assert uow.movements.count() == 22


def test_an_alert_raised_twice_in_one_batch_is_one_alert_counted_twice(svc: Services) -> None:
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    wrong = [
        Observation("r1", "crossing", T0, code=c.serial, door="door-office-b", direction="in"),
        Observation(
            "r2",
            "crossing",
            T0 + timedelta(seconds=9),
            code=c.serial,
            door="door-office-b",
            direction="in",
        ),
    ]
    first, second = apply_batch(svc, "gw1", wrong)
    assert first.alerts and first.alerts == second.alerts
    # A later batch repeats the alert read with the batch, still one alert.
    (third,) = apply_batch(
        svc,
        "gw1",
        [
            Observation(
                "r3",
                "crossing",
                T0 + timedelta(seconds=20),
                code=c.serial,
                door="door-office-b",
                direction="in",
            )
        ],
    )
    assert third.alerts == first.alerts
    with svc.read() as uow:
        found = [a for a in uow.alerts.find(subject=c.serial) if a.rule == "R1"]
    assert [a.count for a in found] == [3]


def test_an_event_id_twice_in_one_batch_records_once(svc: Services) -> None:
    (c,) = on_borrow(svc, 1)
    ev = cross("same", c, "door-secure", "out", 0)
    first, again = apply_batch(svc, "gw1", [ev, ev])
    assert (first.status, again.status) == ("recorded", "duplicate")
    assert again.movement == first.movement
    with svc.read() as uow:
        assert uow.movements.count() == 1


def test_an_event_id_recorded_meanwhile_refuses_the_whole_batch(
    uow_factory: Callable[..., Any],
) -> None:
    with uow_factory() as uow:
        uow.ingest.put("e1", "gw1", "{}", "d1")
        uow.commit()
    with uow_factory() as uow, pytest.raises(Conflict):
        uow.ingest.put_many("gw1", [("e0", "{}", "d0"), ("e1", "{}", "d1")])
    with uow_factory(write=False) as uow:
        assert uow.ingest.get_many("gw1", ["e0", "e1", "e2"]) == {"e1": ("{}", "d1")}
