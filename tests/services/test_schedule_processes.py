"""The scheduler and notification delivery with several processes on one database
(workers, hosts): a scheduler that read its mark before another's catch-up committed
does not run the instants that catch-up covered; schedulers of several processes racing
for the same instants run each once; one process delivers at a time, so no message goes
out once per process. Each "process" here has its own engine and services; the real
processes are in tests/api/test_workers.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.db import only_postgres
from tests.services.conftest import EXAMPLE, receive_one
from tracker.bootstrap import bus_for
from tracker.config import load_site
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import DeliveryState, Notification
from tracker.notify.delivery import deliver_due
from tracker.services.base import Services
from tracker.services.schedule import run_due
from tracker.store.db import make_engine
from tracker.store.locks import exclusive
from tracker.store.uow import SqlUnitOfWork

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SH)


def sweeps(svc: Services) -> list[tuple[datetime, list[datetime]]]:
    """The end-of-day runs in the register: (instant, missed instants)."""
    with svc.read() as uow:
        return [
            (
                datetime.fromisoformat(e.data["at"]),
                [datetime.fromisoformat(m) for m in e.data["missed"]],
            )
            for e in uow.ledger.entries(limit=10_000)
            if e.action == "scheduled_run" and e.reason == "end_of_day"
        ]


def test_a_stale_scheduler_does_not_run_what_a_catch_up_covered(
    svc: Services, clock: ManualClock
) -> None:
    receive_one(svc, Level.CONFIDENTIAL)
    clock.set(at(24, 12))
    run_due(svc)  # the first start: the marks are set
    with svc.read() as uow:
        stale = uow.settings.get("schedule.end_of_day")
    assert stale is not None
    # One worker comes back on Thursday morning and catches up Tuesday's and Wednesday's
    # closes in one run...
    clock.set(at(26, 9))
    assert [r.job for r in run_due(svc)].count("end_of_day") == 1
    # ... while another had read the mark before that run committed, and its clock says
    # Tuesday's close has just passed.
    with svc.transaction() as tx:
        tx.uow.settings.put("schedule.end_of_day", stale)
    clock.set(at(24, 17, 31))
    assert [r.job for r in run_due(svc)].count("end_of_day") == 0
    assert sweeps(svc) == [(at(25, 17, 30), [at(24, 17, 30)])]


class Process:
    """A service process of its own on the test's database."""

    def __init__(self, url: str, key: bytes, clock: ManualClock) -> None:
        self.engine = make_engine(url)
        self.svc = Services(
            lambda: SqlUnitOfWork(self.engine, key),
            clock,
            load_site(EXAMPLE),
            bus_for(self.engine),
            lambda: SqlUnitOfWork(self.engine, key, write=False),
            exclusive(self.engine),
        )


@pytest.fixture
def processes(
    svc: Services, db_url: str, ledger_key: bytes, clock: ManualClock
) -> Iterator[list[Process]]:
    made = [Process(db_url, ledger_key, clock) for _ in range(3)]
    try:
        yield made
    finally:
        for p in made:
            p.svc.bus.close()
            p.engine.dispose()


def race(fns: list[Callable[[], object]]) -> list[object]:
    """Run ``fns`` at once, one thread each; their results."""
    start = threading.Barrier(len(fns))
    out: list[object] = [None] * len(fns)

    def run(i: int) -> None:
        start.wait()
        out[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@only_postgres
def test_schedulers_of_three_processes_run_each_instant_once(
    svc: Services, clock: ManualClock, processes: list[Process]
) -> None:
    receive_one(svc, Level.CONFIDENTIAL)
    clock.set(at(24, 12))
    run_due(svc)
    for day in (24, 25, 26):  # three closes, each raced for by three schedulers
        clock.set(at(day, 17, 31))
        race([lambda p=p: run_due(p.svc) for p in processes])
    assert [when for when, _ in sweeps(svc)] == [at(24, 17, 30), at(25, 17, 30), at(26, 17, 30)]


@only_postgres
def test_one_process_delivers_at_a_time(
    svc: Services, clock: ManualClock, processes: list[Process]
) -> None:
    with svc.transaction() as tx:
        for i in range(5):
            tx.uow.notifications.add(
                Notification(
                    f"N-{i}",
                    "email",
                    "oscar",
                    "oscar@example.org",
                    "subject",
                    "body",
                    (),
                    clock.now(),
                )
            )
    sent: list[str] = []
    gate = threading.Event()

    class Sender:
        def send(self, note: Notification, attachments: list[object]) -> None:
            gate.wait(5)  # hold the first sender inside its round while the others try
            sent.append(note.id)

    def deliver(p: Process) -> int:
        return deliver_due(p.svc, {"email": Sender()})

    threading.Timer(1.0, gate.set).start()
    counts = race([lambda p=p: deliver(p) for p in processes])
    assert sorted(counts) == [0, 0, 5]  # type: ignore[type-var]
    assert sorted(sent) == [f"N-{i}" for i in range(5)]  # each message once
    with svc.read() as uow:
        assert {n.state for n in uow.notifications.find()} == {DeliveryState.SENT}
