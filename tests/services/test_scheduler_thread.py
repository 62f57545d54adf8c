"""The scheduler thread (``tracker/scheduler.py``) on a real database and a manual
clock: it runs a job when the clock reaches the job's instant, and while nothing is due
it sends the database nothing at all (issue 16 goal 8: an idle service does not poll)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event

from tracker.domain.clock import ManualClock
from tracker.scheduler import Scheduler
from tracker.services.base import Services


def _wait(cond: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_runs_what_comes_due_and_reads_nothing_while_nothing_is(
    svc: Services, clock: ManualClock, engine: Engine
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    scheduler = Scheduler(svc, tick=0.02).start()
    try:
        # The first rounds set every job's mark; then the thread settles.
        def settled() -> bool:
            before = len(statements)
            time.sleep(0.3)
            return before > 0 and len(statements) == before

        assert _wait(settled)
        quiet = len(statements)
        time.sleep(0.3)  # some 15 ticks with the clock standing still
        assert statements[quiet:] == []

        clock.advance(timedelta(seconds=svc.site.policy.watch_seconds + 1))
        assert _wait(lambda: any(r.job == "watch" for r in scheduler.reports))
    finally:
        scheduler.stop()
        event.remove(engine, "before_cursor_execute", count)
