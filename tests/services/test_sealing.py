"""Holiday sealing (R19) on a real database: the scheduler seals the secure room's safes at
the close before New Year's Day 2027 (the example calendar's holiday) with a snapshot of
what their readers see, a carrier leaving a sealed safe is a critical alert, unsealing
after the holiday reports every difference; catch-up after downtime, no double run,
sealing by hand, and the register."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.seals import SealState
from tracker.services import sealing
from tracker.services.base import Services, Tx
from tracker.services.movement import Observation, apply_batch
from tracker.services.schedule import run_due

SH = ZoneInfo("Asia/Shanghai")
HOLIDAY = "2027-01-01/2027-01-03"
SEAL_AT = datetime(2026, 12, 31, 17, 30, tzinfo=SH)
UNSEAL_AT = datetime(2027, 1, 4, 8, 30, tzinfo=SH)
_ids = count()


def at(y: int, mo: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, mo, d, hh, mm, tzinfo=SH)


def in_safe(
    svc: Services, clock: ManualClock, safe: str, present: bool = True, *serials: str
) -> list[str]:
    """The safe's reader sees ``serials`` put in (or taken out) now; returns alert ids."""
    with svc.read() as uow:
        epcs = [uow.carriers.get(s).epc for s in serials]  # type: ignore[union-attr]
    obs = [
        Observation(f"s{next(_ids)}", "safe", clock.now(), code=e or "", safe=safe, present=present)
        for e in epcs
    ]
    return [a for o in apply_batch(svc, "gw", obs) for a in o.alerts]


def seal_alerts(svc: Services) -> list[tuple[str, str, str, str]]:
    with svc.read() as uow:
        return sorted(
            (a.type.value, a.severity.value, a.subject, a.details.get("difference", ""))
            for a in uow.alerts.find()
            if a.type.value.startswith("seal")
        )


def seals(svc: Services) -> list[Any]:
    with svc.read() as uow:
        return uow.seals.find(order_by="safe")


@pytest.fixture
def stocked(svc: Services, clock: ManualClock) -> list[str]:
    """Three carriers the readers saw put into safe-s1, one into safe-s2; the scheduler
    started at T0."""
    assert run_due(svc) == []
    serials = [receive_one(svc, Level.SECRET).serial for _ in range(4)]
    in_safe(svc, clock, "safe-s1", True, *serials[:3])
    in_safe(svc, clock, "safe-s2", True, serials[3])
    return serials


def test_the_secure_room_safes_are_sealed_at_the_holiday_and_compared_after_it(
    svc: Services, clock: ManualClock, stocked: list[str]
) -> None:
    a, b, c, d = stocked
    clock.set(SEAL_AT.replace(minute=31))
    reports = {r.job: r for r in run_due(svc)}
    assert len(reports["sealing"].extra["sealed"]) == 2
    s1, s2 = seals(svc)
    assert (s1.safe, s1.holiday, s1.contents, s1.until) == (
        "safe-s1",
        HOLIDAY,
        (a, b, c),
        UNSEAL_AT,
    )
    assert (s2.safe, s2.contents) == ("safe-s2", (d,))  # safe-a, in an office, is not sealed
    clock.set(at(2027, 1, 2, 10))
    alerts = in_safe(svc, clock, "safe-s1", False, b)  # taken out over the holiday
    assert len(alerts) == 1
    in_safe(svc, clock, "safe-s1", True, d)  # and another put in
    assert seal_alerts(svc) == [("seal_broken", "critical", b, "")]
    clock.set(UNSEAL_AT.replace(minute=31))
    reports = {r.job: r for r in run_due(svc)}
    assert len(reports["sealing"].extra["unsealed"]) == 2
    s1, s2 = seals(svc)
    assert (s1.state, s1.missing, s1.added, s1.breaches) == (SealState.UNSEALED, (b,), (d,), (b,))
    assert (s2.missing, s2.added) == ((d,), ())  # d moved from safe-s2 to safe-s1
    assert seal_alerts(svc) == [
        ("seal_broken", "critical", b, ""),
        ("seal_mismatch", "critical", b, "missing"),
        ("seal_mismatch", "critical", d, "missing"),
        ("seal_mismatch", "warning", d, "added"),
    ]
    with svc.read() as uow:
        entries = [e for e in uow.ledger.entries(limit=10_000) if e.action in ("seal", "unseal")]
    assert [(e.action, e.actor, e.data["holiday"]) for e in entries] == [
        ("seal", "system", HOLIDAY),
        ("seal", "system", HOLIDAY),
        ("unseal", "system", HOLIDAY),
        ("unseal", "system", HOLIDAY),
    ]
    assert entries[0].data["contents"] == [a, b, c] and entries[0].data["source"] == "readers"


def test_no_seal_twice_and_nothing_sealed_on_an_ordinary_weekend(
    svc: Services, clock: ManualClock, stocked: list[str]
) -> None:
    clock.set(at(2026, 11, 27, 17, 31))  # a Friday: an ordinary weekend follows
    assert "sealing" not in {r.job for r in run_due(svc)}
    clock.set(SEAL_AT.replace(minute=31))
    run_due(svc)
    clock.set(SEAL_AT.replace(minute=45))
    assert "sealing" not in {r.job for r in run_due(svc)}
    # the run itself is idempotent too:
    with svc.transaction() as tx:
        again = sealing.run_due(tx, SEAL_AT.replace(minute=45), [])
    assert again.sealed == [] and len(seals(svc)) == 2


def test_down_over_the_start_seals_late_down_over_the_whole_holiday_reports_it(
    svc: Services, clock: ManualClock, stocked: list[str]
) -> None:
    clock.set(at(2026, 12, 31, 12))
    run_due(svc)
    clock.set(at(2027, 1, 2, 9))  # down across the seal instant
    run_due(svc)
    assert [s.holiday for s in seals(svc)] == [HOLIDAY, HOLIDAY]
    assert seals(svc)[0].sealed_at == at(2027, 1, 2, 9)  # sealed late, when it came back


def test_a_holiday_passed_entirely_while_down_is_reported_not_sealed(
    svc: Services, clock: ManualClock, stocked: list[str]
) -> None:
    clock.set(at(2026, 12, 31, 12))
    run_due(svc)
    clock.set(at(2027, 1, 5, 9))
    report = {r.job: r for r in run_due(svc)}["sealing"]
    assert report.extra["holidays_missed"] == [HOLIDAY] and seals(svc) == []
    with svc.read() as uow:
        (entry,) = [
            e
            for e in uow.ledger.entries(limit=10_000)
            if e.action == "scheduled_run" and e.reason == "sealing"
        ]
    assert entry.data["holidays_missed"] == [HOLIDAY]


def test_sealing_by_hand(svc: Services, clock: ManualClock, stocked: list[str]) -> None:
    a, b, *_ = stocked
    s = sealing.seal_safe(svc, "carol", "safe-s1", "办公室搬迁期间封存")
    assert (s.contents, s.holiday, s.until, s.sealed_by) == ((a, b, stocked[2]), "", None, "carol")
    with pytest.raises(Conflict, match="already sealed"):
        sealing.seal_safe(svc, "oscar", "safe-s1", "再封")
    with pytest.raises(InvalidInput, match="not a safe"):
        sealing.seal_safe(svc, "carol", "secure", "封")
    with pytest.raises(InvalidInput, match="say why"):
        sealing.seal_safe(svc, "carol", "safe-a", " ")
    with pytest.raises(PermissionDenied):
        sealing.seal_safe(svc, "alice", "safe-a", "封")
    with pytest.raises(Conflict, match="not sealed"):
        sealing.unseal_safe(svc, "carol", "safe-a")
    done = sealing.unseal_safe(svc, "carol", "safe-s1")
    assert (done.state, done.missing, done.added, done.unsealed_by) == (
        SealState.UNSEALED,
        (),
        (),
        "carol",
    )
    assert seal_alerts(svc) == []


@pytest.mark.parametrize("step", ["seal", "unseal"])
def test_r14_seal_and_unseal_fail_without_their_register_entry(
    svc: Services,
    stocked: list[str],
    snapshot: Callable[[], Any],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    if step == "unseal":
        sealing.seal_safe(svc, "carol", "safe-s1", "封存")
    run = {
        "seal": lambda: sealing.seal_safe(svc, "carol", "safe-s1", "封存"),
        "unseal": lambda: sealing.unseal_safe(svc, "carol", "safe-s1"),
    }[step]
    before = snapshot()
    with monkeypatch.context() as patch:
        patch.setattr(Tx, "record", lambda self, *a, **kw: None)
        with pytest.raises(RuleViolation, match="R14: .* nothing was saved"):
            run()
    assert snapshot() == before
    run()
