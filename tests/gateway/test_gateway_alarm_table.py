"""The gateway's authorization table at work, with the reader and relay simulators on real
ptys and the core on a real database: an unknown tag alarms at the exit but not at the
secure room's door (the site file's ``unknown_tags``); the table follows a carry-out approved
while the gateway runs (new version, on disk) and the carrier then leaves silently;
a table the service no longer confirms raises ``table_stale`` with its version and age,
resolved once the service is back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.gateway.test_gateway_alarm import ALICE, _alerts, crossing, rig, stop, wait_for
from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.domain.levels import Level
from tracker.domain.model import AlertType
from tracker.gateway.table import TableStore
from tracker.services import authz, carry_out
from tracker.services.base import Services

__all__ = ["clock", "snapshot", "stop", "svc"]

UNKNOWN = "3034257BF400000000ABCDEF"
STRANGER = "3034257BF400000000FEDCBA"

pytestmark = pytest.mark.timeout(90)


def _open(svc: Services, type_: AlertType) -> list:  # type: ignore[type-arg]
    with svc.read() as uow:
        return uow.alerts.find(type=type_, state="open")


def test_an_unknown_tag_alarms_at_the_exit_but_not_at_the_secure_rooms_door(
    svc, tmp_path, stop
) -> None:  # type: ignore[no-untyped-def]
    r = rig(svc, tmp_path)
    stop.append(r)
    started = time.monotonic()
    r.office.carry("door-exit", "out", (UNKNOWN,))
    assert r.lcus.log.wait_for(1, True, after=started, timeout=5) is not None
    assert wait_for(lambda: any(a.subject == UNKNOWN for a in _open(svc, AlertType.UNKNOWN_TAG)))
    # door-secure's alarm does not sound for unknown tags (not an exit: unknown_tags false).
    r.office.carry("door-secure", "out", (STRANGER,))
    assert wait_for(lambda: crossing(r.gateway, STRANGER) is not None)
    assert ("door-secure", STRANGER, "unknown") in {d[1:] for d in r.gateway.portal.decisions}
    assert r.modbus.log.commands == []
    assert not r.gateway.alarm.sounding("door-secure")


def test_the_table_follows_a_carry_out_approved_while_the_gateway_runs(svc, tmp_path, stop) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    epc = c.epc or ""
    r = rig(svc, tmp_path)
    stop.append(r)
    before = r.gateway.table.version
    assert before is not None
    decided = r.gateway.table.decide("door-exit", epc, svc.now(), unknown_alarms=True)
    assert (decided.alarm, decided.rule) == (True, "R6")  # not out of the building
    now = svc.now()
    co = carry_out.request_carry_out(
        svc, "alice", [c.serial], "alice", [], "上级机关", "送审", now, now + timedelta(hours=4)
    )
    carry_out.approve_carry_out(svc, "ann", co.id)
    # Pushed at once (the register entry wakes the feed), not at the next full refresh.
    assert wait_for(lambda: (r.gateway.table.version or 0) > before, timeout=5)
    decided = r.gateway.table.decide("door-exit", epc, svc.now(), unknown_alarms=True)
    assert not decided.alarm and decided.window is not None
    assert TableStore(tmp_path / "authz.json").version == r.gateway.table.version  # on disk
    assert (tmp_path / "authz.json").stat().st_mode & 0o777 == 0o600
    r.office.carry("door-exit", "out", (epc,), (ALICE,))
    assert wait_for(lambda: crossing(r.gateway, epc) is not None)
    time.sleep(0.3)
    assert r.lcus.log.commands == []
    assert ("door-exit", epc, "allowed") in {d[1:] for d in r.gateway.portal.decisions}
    assert _alerts(svc, c.serial, "R6") == []


def test_a_stale_table_is_an_alert_until_the_service_confirms_it_again(svc, tmp_path, stop) -> None:  # type: ignore[no-untyped-def]
    r = rig(svc, tmp_path, feed=False, table_max_age=0.6)  # the service is unreachable
    stop.append(r)
    version = r.gateway.table.version
    assert wait_for(lambda: bool(_open(svc, AlertType.TABLE_STALE)), timeout=10)
    (a,) = _open(svc, AlertType.TABLE_STALE)
    assert a.subject == "gw-test" and a.details["version"] == str(version)
    assert float(a.details["age"]) >= 0.6
    # The service is back and sends the table: fresh again, the alert resolved.
    r.gateway.table.replace(authz.current(svc))
    assert wait_for(lambda: not _open(svc, AlertType.TABLE_STALE), timeout=10)
    with svc.read() as uow:
        (done,) = uow.alerts.find(type=AlertType.TABLE_STALE)
    assert done.state.value == "resolved"
