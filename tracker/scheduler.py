"""The scheduler thread inside the service: runs the time-driven rules when due."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from tracker.services.base import Services
from tracker.services.schedule import JOBS, RunReport, due_instants, job_marks, run_due

logger = logging.getLogger(__name__)


class Scheduler:
    """Looks every ``tick`` real seconds whether a job is due and then calls
    :func:`tracker.services.schedule.run_due`. The jobs themselves decide from the service
    clock (real or fast) what is due.

    Between runs it remembers each job's mark (the last instant it ran for) and asks
    :func:`~tracker.services.schedule.due_instants` — pure calendar arithmetic — whether
    any instant has come since, so an idle second costs no database round (issue 16 goal
    8); ``run_due`` reads the marks again from the database and claims what it runs, so
    a mark another process moved meanwhile only makes a round find nothing to do."""

    def __init__(self, svc: Services, tick: float = 1.0) -> None:
        self.svc, self.tick = svc, tick
        self.reports: list[RunReport] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> Scheduler:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(30)

    def _loop(self) -> None:
        marks: dict[str, datetime] | None = None  # None: look in the database
        while not self._stop.is_set():
            try:
                now = self.svc.now()
                if marks is None or self._due(marks, now):
                    marks = None
                    self._round(now)
                    marks = job_marks(self.svc)
            except Exception:  # a failing round (database blip) must not stop the scheduler
                logger.exception("scheduled run failed")
            self._stop.wait(self.tick)

    def _round(self, now: datetime) -> None:
        for report in run_due(self.svc, now):
            self.reports.append(report)
            if report.raised or report.reminded or report.declassified or report.reports:
                logger.info(
                    "%s at %s: %d raised, %d reminded, %d declassified, %d reports",
                    report.job,
                    report.at.isoformat(),
                    report.raised,
                    report.reminded,
                    len(report.declassified),
                    report.reports,
                )

    def _due(self, marks: dict[str, datetime], now: datetime) -> bool:
        return any(due_instants(self.svc, job, marks[job], now) for job in JOBS)
