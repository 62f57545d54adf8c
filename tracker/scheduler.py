"""The scheduler thread inside the service: runs the time-driven rules when due."""

from __future__ import annotations

import logging
import threading

from tracker.services.base import Services
from tracker.services.schedule import RunReport, run_due

logger = logging.getLogger(__name__)


class Scheduler:
    """Calls :func:`tracker.services.schedule.run_due` every ``tick`` real seconds. The
    jobs themselves decide from the service clock (real or fast) what is due."""

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
        while not self._stop.is_set():
            try:
                for report in run_due(self.svc):
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
            except Exception:  # a failing round (database blip) must not stop the scheduler
                logger.exception("scheduled run failed")
            self._stop.wait(self.tick)
