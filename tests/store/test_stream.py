"""The live stream shared through the database (tracker.store.stream, SharedBus): events
committed by one process reach the subscribers of another, in commit order, whatever
their size; a listener that lost its connection catches up; a listener that starts late
keeps the recent events for clients that reconnect. PostgreSQL only (LISTEN/NOTIFY);
each "process" here is its own engine, bus and listener thread — the real processes are
in tests/api/test_workers.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from tests.db import only_postgres
from tests.factories import T0
from tests.services.conftest import EXAMPLE
from tracker.bootstrap import bus_for
from tracker.config import load_site
from tracker.domain.clock import ManualClock
from tracker.services.base import Services
from tracker.services.bus import Bus, Event, SharedBus, position
from tracker.store.db import make_engine
from tracker.store.stream import APP_NAME, StreamEventRow, StreamListener
from tracker.store.uow import SqlUnitOfWork

pytestmark = pytest.mark.timeout(60)


class Process:
    """One service process: its own engine, bus (shared through the database) and
    subscribers."""

    def __init__(self, url: str, key: bytes) -> None:
        self.engine = make_engine(url)
        self.bus = bus_for(self.engine)
        self.svc = Services(
            lambda: SqlUnitOfWork(self.engine, key),
            ManualClock(T0),
            load_site(EXAMPLE),
            self.bus,
            lambda: SqlUnitOfWork(self.engine, key, write=False),
        )
        self.heard: list[Event] = []
        self._lock = threading.Lock()
        self.bus.subscribe(self._on)

    def _on(self, ev: Event) -> None:
        with self._lock:
            self.heard.append(ev)

    def emit(self, *events: tuple[str, dict[str, Any]]) -> None:
        with self.svc.transaction() as tx:
            for kind, data in events:
                tx.emit(kind, **data)

    def close(self) -> None:
        self.bus.close()
        self.engine.dispose()


@pytest.fixture
def processes(db_url: str, ledger_key: bytes) -> Iterator[Callable[[], Process]]:
    made: list[Process] = []

    def make() -> Process:
        p = Process(db_url, ledger_key)
        made.append(p)
        assert isinstance(p.bus, SharedBus)
        return p

    try:
        yield make
    finally:
        for p in made:
            p.close()


def wait_for(cond: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _listening(p: Process) -> StreamListener:
    # The listener starts with the first subscription; wait until it hears.
    assert isinstance(p.bus, SharedBus) and isinstance(p.bus.listener, StreamListener)
    assert p.bus.listener.connected.wait(10)
    return p.bus.listener


@only_postgres
def test_an_event_committed_in_one_process_reaches_another(
    processes: Callable[[], Process],
) -> None:
    a, b = processes(), processes()
    _listening(a), _listening(b)
    a.emit(("carrier", {"serial": "S-1", "action": "store"}), ("alert", {"id": "A1"}))
    wait_for(lambda: len(b.heard) == 2 and len(a.heard) == 2)
    assert [(e.kind, e.data) for e in b.heard] == [
        ("carrier", {"serial": "S-1", "action": "store"}),
        ("alert", {"id": "A1"}),
    ]
    batch = b.heard[0].id.split("-")[0]
    assert [e.id for e in b.heard] == [f"{batch}-0", f"{batch}-1"]
    assert [e.id for e in a.heard] == [e.id for e in b.heard]  # one numbering for all


@only_postgres
def test_events_arrive_in_commit_order_from_concurrent_writers(
    processes: Callable[[], Process], engine: Engine
) -> None:
    a, b, c = processes(), processes(), processes()
    for p in (a, b, c):
        _listening(p)

    def write(p: Process, who: str) -> None:
        for i in range(40):
            p.emit(("carrier", {"serial": f"{who}-{i}"}))

    threads = [threading.Thread(target=write, args=(p, n)) for p, n in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: len(c.heard) == 80)
    batches = [position(e.id) for e in c.heard]
    assert batches == sorted(batches) and len(set(batches)) == 80
    # Each writer's own events keep their order, and every process heard the same.
    for who in ("a", "b"):
        mine = [e.data["serial"] for e in c.heard if e.data["serial"].startswith(who)]
        assert mine == [f"{who}-{i}" for i in range(40)]
    wait_for(lambda: len(a.heard) == 80 and len(b.heard) == 80)
    assert [e.id for e in a.heard] == [e.id for e in b.heard] == [e.id for e in c.heard]
    with engine.connect() as conn:
        ids = conn.execute(select(StreamEventRow.id).order_by(StreamEventRow.id)).scalars()
        assert [f"{i}-0" for i in ids] == [e.id for e in c.heard]


@only_postgres
def test_an_event_far_larger_than_a_notify_payload_gets_through(
    processes: Callable[[], Process],
) -> None:
    a, b = processes(), processes()
    _listening(b)
    message = "载体" * 20_000  # 120 KB of UTF-8; NOTIFY payloads stop at 8000 bytes
    a.emit(*[("alert", {"id": f"A{i}", "message": message}) for i in range(5)])
    wait_for(lambda: len(b.heard) == 5)
    assert all(e.data["message"] == message for e in b.heard)


@only_postgres
def test_a_listener_that_lost_its_connection_catches_up(
    processes: Callable[[], Process], engine: Engine
) -> None:
    a, b = processes(), processes()
    listener = _listening(b)
    a.emit(("carrier", {"serial": "before"}))
    wait_for(lambda: len(b.heard) == 1)
    with engine.connect() as conn:
        # Cut the listener's connection, as a database restart or a network cut would.
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :app AND datname = current_database()"
            ),
            {"app": APP_NAME},
        )
    wait_for(lambda: not listener.connected.is_set(), 10)
    a.emit(("carrier", {"serial": "while-away"}))
    a.emit(("carrier", {"serial": "after"}))
    wait_for(lambda: len(b.heard) == 3)
    assert [e.data["serial"] for e in b.heard] == ["before", "while-away", "after"]


@only_postgres
def test_a_late_listener_keeps_the_recent_events_for_reconnecting_clients(
    processes: Callable[[], Process],
) -> None:
    a = processes()
    _listening(a)
    for i in range(5):
        a.emit(("carrier", {"serial": f"S-{i}"}))
    wait_for(lambda: len(a.heard) == 5)
    seen = a.heard[1].id  # a client on process a saw S-0 and S-1, then lost its connection
    late = processes()  # ... and reconnects to another process, started after the events
    _listening(late)
    assert late.heard == []  # started late: nothing is delivered live from before
    assert [e.data["serial"] for e in late.bus.since(seen)] == ["S-2", "S-3", "S-4"]
    assert [e.id for e in late.bus.since(seen)] == [e.id for e in a.heard[2:]]


def test_the_in_process_bus_numbers_and_keeps_events() -> None:
    bus = Bus(keep=3)
    heard: list[Event] = []
    bus.subscribe(heard.append)
    bus.publish([Event("carrier", {"n": 1}), Event("carrier", {"n": 2})])
    bus.publish([Event("carrier", {"n": 3}), Event("carrier", {"n": 4})])
    assert [e.data["n"] for e in heard] == [1, 2, 3, 4]
    first, second = position(heard[0].id), position(heard[2].id)
    assert first is not None and second is not None
    assert second[0] > first[0] and position(heard[1].id) == (first[0], 1)
    assert [e.data["n"] for e in bus.since(heard[1].id)] == [3, 4]
    assert [e.data["n"] for e in bus.since(heard[2].id)] == [4]
    assert [e.data["n"] for e in bus.since("0-0")] == [2, 3, 4]  # older than kept: all kept
    assert bus.since("not-an-id") == [] and bus.since("") == []
