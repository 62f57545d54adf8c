"""End to end through simulators, real drivers over ptys, the gateway and the core:
a top-secret carrier carried out through the exit by one person raises the critical
alerts within a second of the crossing; a confidential carrier with an approved borrow
moving into an office raises nothing; observations wait in the outbox while the
service is down."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.office import SimulatedOffice
from tests.factories import T0
from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.bootstrap import open_reader
from tracker.domain.clock import ManualClock
from tracker.domain.errors import TransientError
from tracker.domain.levels import Level
from tracker.domain.model import AlertType
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
from tracker.gateway.sinks import ServiceSink
from tracker.services import borrowing
from tracker.services.base import Services
from tracker.services.receive import store_in_safe

__all__ = ["clock", "snapshot", "svc"]

ALICE = "0100073EAB"

pytestmark = pytest.mark.timeout(90)


def wait_for(pred, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def alerts(svc: Services) -> set[tuple[str, str | None]]:
    with svc.read() as uow:
        return {
            (a.type.value, a.rule)
            for a in uow.alerts.find()
            if a.type is not AlertType.READER_OFFLINE
        }


@pytest.fixture
def office(svc: Services, tmp_path: Path) -> Iterator[tuple[SimulatedOffice, Gateway]]:
    sim = SimulatedOffice(svc.site, tmp_path / "by-id").start()
    svc.site = sim.site  # the service reads the same (simulated) site
    svc.clock = ManualClock(T0, speed=1.0)  # time runs, as it does for real doors
    doors = frozenset({"door-secure", "door-exit", "door-office-a", "door-office-b"})
    gw = Gateway(
        sim.site,
        ServiceSink(svc, "gw-test"),
        Outbox(),
        open_reader,
        GatewayOptions("gw-test", doors=doors, heartbeat_every=1.0),
        to_time=clock_time(svc.clock),
    ).start()
    assert sim.ready(r.id for r in gw.readers_cfg)
    yield sim, gw
    gw.stop()
    sim.stop()


def test_top_secret_through_the_exit_by_one_person_raises_critical_alerts_within_a_second(
    svc, office
) -> None:  # type: ignore[no-untyped-def]
    sim, _gw = office
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    sim.carry("door-secure", "out", (c.epc,), (ALICE,))
    assert wait_for(lambda: ("unauthorized_removal", "R2") in alerts(svc))
    sim.carry("door-exit", "out", (c.epc,), (ALICE,))
    assert wait_for(lambda: ("unauthorized_removal", "R6") in alerts(svc))
    with svc.read() as uow:
        x = uow.carriers.get(c.serial)
        assert x is not None and x.location == "outside"
        moves = uow.movements.find(carrier=c.serial, order_by="at")
        (r6,) = [a for a in uow.alerts.find() if a.rule == "R6"]
    # From the crossing (as the door logic timed it) to the alert stored: under a second.
    assert (r6.first_seen - moves[-1].at).total_seconds() < 1.0
    assert [(m.door, m.to_place) for m in moves] == [
        ("door-secure", "corridor"),
        ("door-exit", "outside"),
    ]
    assert all(m.people == ("alice",) for m in moves)


def test_confidential_carrier_on_an_approved_borrow_into_an_office_raises_nothing(
    svc, office
) -> None:  # type: ignore[no-untyped-def]
    sim, _gw = office
    c = receive_one(
        svc, Level.CONFIDENTIAL, home_room="office-a", home_safe="safe-a", scope_people=("alice",)
    )
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "office-b", "会商")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    sim.carry("door-office-a", "out", (c.epc,), (ALICE,))
    assert wait_for(lambda: _location(svc, c.serial) == "corridor")
    sim.carry("door-office-b", "in", (c.epc,), (ALICE,))
    assert wait_for(lambda: _location(svc, c.serial) == "office-b")
    time.sleep(0.3)
    assert alerts(svc) == set()


def _location(svc: Services, serial: str) -> str | None:
    with svc.read() as uow:
        c = uow.carriers.get(serial)
        return c.location if c else None


class FlakySink:
    """The service is down until told otherwise."""

    def __init__(self, inner: ServiceSink) -> None:
        self.inner, self.up, self.attempts = inner, False, 0

    def send(self, batch) -> None:  # type: ignore[no-untyped-def]
        self.attempts += 1
        if not self.up:
            raise TransientError("service down")
        self.inner.send(batch)


def test_observations_wait_in_the_outbox_while_the_service_is_down(svc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim = SimulatedOffice(svc.site, tmp_path / "by-id").start()
    svc.site = sim.site
    svc.clock = ManualClock(T0, speed=1.0)
    sink = FlakySink(ServiceSink(svc, "gw"))
    outbox = Outbox(tmp_path / "outbox.sqlite")
    gw = Gateway(
        sim.site,
        sink,
        outbox,
        open_reader,
        GatewayOptions(
            "gw", doors=frozenset({"door-secure"}), heartbeat_every=60, retry_min=0.1, retry_max=0.3
        ),
        to_time=clock_time(svc.clock),
    ).start()
    try:
        assert sim.ready(r.id for r in gw.readers_cfg)
        c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
        sim.carry("door-secure", "out", (c.epc,), (ALICE,))
        assert wait_for(lambda: outbox.counts()[0] >= 1 and sink.attempts >= 2)
        assert alerts(svc) == set()
        sink.up = True
        assert wait_for(lambda: ("unauthorized_removal", "R2") in alerts(svc))
        assert wait_for(lambda: outbox.counts() == (0, 0))
    finally:
        gw.stop()
        sim.stop()
