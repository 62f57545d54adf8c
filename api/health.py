"""What ``/healthz`` says about the database: it looks at most once per ``seconds``
(``TRACKER_HEALTH_CACHE_SECONDS``, 1 s by default; 0 looks on every call) and answers
from its last look in between, so a load balancer or monitor polling it many times a
second costs the database one read a second. A database that goes away is reported
within that time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from tracker.domain.errors import TrackerError
from tracker.services.base import Services

logger = logging.getLogger(__name__)


def database_answers(services: Services) -> bool:
    """One read of the register's head: True when the database answers."""
    try:
        with services.read() as uow:
            uow.ledger.head()
    except TrackerError as exc:
        logger.warning("health check: database unavailable: %s", exc.message)
        return False
    return True


class Health:
    """The database's health, looked at no more than once per ``seconds``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._known: bool | None = None
        self._until = 0.0
        self._looking = False

    async def database_ok(self, services: Services) -> bool:
        """True when the database answered at the last look (looking again, in a worker
        thread, once that is older than ``seconds``). While one look is under way other
        callers get the previous answer instead of starting their own."""
        known = self._known
        if known is not None and (self.clock() < self._until or self._looking):
            return known
        self._looking = True
        try:
            ok = await run_in_threadpool(database_answers, services)
        finally:
            self._looking = False
        self._known, self._until = ok, self.clock() + self.seconds
        return ok
