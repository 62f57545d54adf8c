"""Alarm stills: kept content-addressed with their alert (one blob for the same bytes),
deleted by the scheduler's daily run once the site's ``evidence_days`` are over — each
deletion a register entry naming the still's SHA-256, alarm and alert — and never when
the site keeps them for ever."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest

from drivers.camera.stills import encode_jpeg
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import NotFound
from tracker.domain.evidence import AlarmPolicy
from tracker.domain.levels import Level
from tracker.services import alarms
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch
from tracker.services.schedule import run_due

OPENING = 9  # the example site's calendar opens at 09:00 (Asia/Shanghai)


def jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return encode_jpeg(rng.integers(0, 255, (32, 48), dtype=np.uint8))


def alarm(svc: Services, n: int, epc: str, images: list[bytes]) -> str:
    """An alarm at the secure room's door with ``images`` as stills; its alert's id."""
    stills = tuple(alarms.encode_still(0.4 * (i - 1), img) for i, img in enumerate(images))
    obs = Observation(
        f"gw:alarm:{n}", "alarm", svc.now(), code=epc, door="door-secure", stills=stills
    )
    (out,) = apply_batch(svc, "gw", [obs])
    return out.alerts[0]


def morning(clock: ManualClock, days: int) -> datetime:
    t = clock.now() + timedelta(days=days)
    return t.astimezone(clock.now().tzinfo).replace(hour=OPENING, minute=5)


def deletions(svc: Services) -> list[dict]:  # type: ignore[type-arg]
    with svc.read() as uow:
        return [e.data for e in uow.ledger.entries(limit=10_000) if e.action == "evidence_delete"]


@pytest.fixture
def kept(svc: Services) -> Services:
    svc.site = replace(svc.site, alarm_policy=AlarmPolicy(evidence_days=30))  # type: ignore[type-var]
    return svc


def test_stills_past_their_retention_are_deleted_each_with_a_register_entry(
    kept: Services, clock: ManualClock
) -> None:
    svc = kept
    run_due(svc)  # the scheduler's first start: marks only
    c1 = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    c2 = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    a, b, shared = jpeg(1), jpeg(2), jpeg(3)
    first = alarm(svc, 1, c1.epc or "", [a, shared])
    clock.advance(timedelta(days=10))
    second = alarm(svc, 2, c2.epc or "", [shared, b])
    old = alarms.stills_for(svc, first)
    assert [s.sha256 for s in old] == [hashlib.sha256(x).hexdigest() for x in (a, shared)]

    clock.set(morning(clock, 21))  # 31 days after the first alarm, 21 after the second
    (daily,) = [r for r in run_due(svc) if r.job == "daily"]
    assert daily.purged == 2
    gone = alarms.stills_for(svc, first)
    assert all(s.deleted_at is not None for s in gone)  # the record stays, marked
    for s in gone:
        with pytest.raises(NotFound):
            alarms.still_image(svc, s.id)
    logged = deletions(svc)
    assert sorted((d["sha256"], d["alert"], d["alarm"]) for d in logged) == sorted(
        (s.sha256, first, "gw:alarm:1") for s in old
    )
    # The bytes the second alarm shares are kept; the first alarm's own are gone.
    with svc.read() as uow:
        assert uow.evidence.blob(old[0].sha256) is None
        assert uow.evidence.blob(old[1].sha256) == shared
    assert [alarms.still_image(svc, s.id)[1] for s in alarms.stills_for(svc, second)] == [
        shared,
        b,
    ]

    clock.set(morning(clock, 10))
    (daily,) = [r for r in run_due(svc) if r.job == "daily"]
    assert daily.purged == 2 and len(deletions(svc)) == 4
    with svc.read() as uow:
        assert uow.evidence.blob(old[1].sha256) is None


def test_a_site_that_keeps_stills_for_ever_never_deletes_them(
    svc: Services, clock: ManualClock
) -> None:
    svc.site = replace(svc.site, alarm_policy=AlarmPolicy(evidence_days=0))  # type: ignore[type-var]
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    alert = alarm(svc, 1, c.epc or "", [jpeg(1)])
    clock.advance(timedelta(days=3650))
    assert alarms.purge(svc) == 0
    (s,) = alarms.stills_for(svc, alert)
    assert s.deleted_at is None and deletions(svc) == []
