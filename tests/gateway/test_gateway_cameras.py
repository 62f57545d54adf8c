"""Cameras through the gateway into the core: a label shown at a safe's camera puts the
carrier in (and a second showing takes it out); a carrier read by a door camera but by
no RFID reader raises a shielded-tag alert; one also seen by RFID raises nothing."""

from __future__ import annotations

import time
from pathlib import Path

from drivers.camera import CaptureLoop, DoorScanner, SafeScanner, ShieldCorrelator, make_decoder
from simulators.camera_show import ShowCamera
from simulators.office import SimulatedOffice
from tests.factories import T0
from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.bootstrap import open_reader
from tracker.domain.clock import ManualClock
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState
from tracker.gateway.cameras import CameraWorker
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
from tracker.gateway.sinks import ServiceSink
from tracker.services.base import Services

__all__ = ["clock", "snapshot", "svc"]


def wait_for(pred, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def state(svc: Services, serial: str) -> tuple[CarrierState, str | None]:
    with svc.read() as uow:
        c = uow.carriers.get(serial)
        assert c is not None
        return c.state, c.location


def test_showing_a_label_at_the_safe_camera_puts_it_in_then_takes_it_out(svc: Services) -> None:
    svc.clock = ManualClock(T0, speed=1.0)
    c = receive_one(svc, Level.SECRET)
    gw = Gateway(
        svc.site,
        ServiceSink(svc, "gw"),
        Outbox(),
        open_reader,
        GatewayOptions("gw", doors=frozenset(), safes=frozenset()),
        to_time=clock_time(svc.clock),
    ).start()
    cam = ShowCamera("cam-safe-s1")

    def known(code: str) -> str | None:
        st, loc = state(svc, code)
        return "in" if st is CarrierState.IN_SAFE and loc == "safe-s1" else "out"

    worker = CameraWorker(
        "cam-safe-s1",
        CaptureLoop(cam, camera="cam-safe-s1", fps=10),
        make_decoder(),
        SafeScanner("cam-safe-s1", "safe-s1", "toggle", window=1.0),
        gw.submit,
        clock_time(svc.clock),
        known=known,
    )
    gw.attach_camera(worker, heartbeat=30)
    try:
        cam.show(c.serial, 0.8)
        assert wait_for(lambda: state(svc, c.serial) == (CarrierState.IN_SAFE, "safe-s1"))
        time.sleep(2.5)  # past the dedup window: a new showing is a new scan
        cam.show(c.serial, 0.8)
        assert wait_for(lambda: state(svc, c.serial) == (CarrierState.REGISTERED, "secure"))
    finally:
        gw.stop()
    with svc.read() as uow:
        moves = uow.movements.find(carrier=c.serial, order_by="at")
    assert [(m.source.value, m.to_place) for m in moves] == [
        ("camera", "safe-s1"),
        ("camera", "secure"),
    ]


def test_door_camera_without_an_rfid_read_is_a_shielded_tag(svc: Services, tmp_path: Path) -> None:
    svc.clock = ManualClock(T0, speed=1.0)
    office = SimulatedOffice(svc.site, tmp_path / "by-id").start()
    svc.site = office.site
    shielded = receive_one(svc, Level.SECRET, scope_people=("alice",))
    tagged = receive_one(svc, Level.SECRET, scope_people=("alice",))
    epc_of = {shielded.serial: shielded.epc, tagged.serial: tagged.epc}
    gw = Gateway(
        office.site,
        ServiceSink(svc, "gw"),
        Outbox(),
        open_reader,
        GatewayOptions("gw", doors=frozenset({"door-exit"})),
        to_time=clock_time(svc.clock),
    ).start()
    cam = ShowCamera("cam-exit")
    worker = CameraWorker(
        "cam-exit",
        CaptureLoop(cam, camera="cam-exit", fps=10),
        make_decoder(),
        DoorScanner("cam-exit", "door-exit"),
        gw.submit,
        clock_time(svc.clock),
        correlator=ShieldCorrelator(window=3.0, identities=lambda s: [epc_of.get(s) or s]),
    )
    gw.attach_camera(worker, heartbeat=30, door="door-exit")
    try:
        assert office.ready([r.id for r in gw.readers_cfg])
        office.carry("door-exit", "out", (tagged.epc or "",))
        cam.show(tagged.serial, 1.0)
        time.sleep(1.2)
        cam.show(shielded.serial, 1.0)  # in a foil bag: the readers hear nothing
        assert wait_for(lambda: _alerts(svc, AlertType.SHIELDED_TAG) == {shielded.serial}, 15)
        time.sleep(1.0)
    finally:
        gw.stop()
        office.stop()
    assert _alerts(svc, AlertType.SHIELDED_TAG) == {shielded.serial}
    assert tagged.serial in _alerts(svc, AlertType.UNAUTHORIZED_REMOVAL)


def _alerts(svc: Services, t: AlertType) -> set[str]:
    with svc.read() as uow:
        return {a.subject for a in uow.alerts.find(type=t)}
