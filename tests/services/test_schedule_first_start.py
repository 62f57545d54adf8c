"""The very first start catches nothing up (nothing was missed before the service
existed); from then on, missed runs are caught up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import AlertType
from tracker.services.base import Services
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")


def test_first_start_after_close_does_not_sweep_the_past_but_the_next_close_does(
    svc: Services, clock: ManualClock
) -> None:
    receive_one(svc, Level.CONFIDENTIAL)  # never put away
    clock.set(datetime(2026, 11, 24, 19, 0, tzinfo=SH))
    assert run_due(svc) == []
    with svc.read() as uow:
        assert uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY) == []
    clock.set(datetime(2026, 11, 25, 17, 31, tzinfo=SH))
    jobs = [r.job for r in run_due(svc)]
    assert "end_of_day" in jobs
    with svc.read() as uow:
        assert len(uow.alerts.find(type=AlertType.NOT_LOCKED_AWAY)) == 1
