"""Door alarms end to end: reader simulators and relay-board simulators on real ptys, the
real drivers, the gateway and the core on a real database.

A top-secret carrier at the outer zone of the secure room's door energises the relay
before the crossing is decided; an authorized borrow through the same door does not;
with the service stopped the alarm still fires and the events arrive afterwards; a relay
board unplugged raises an alert; acknowledging the alert turns the alarm off."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from simulators.office import SimulatedOffice
from simulators.relay import LcusSimulator, ModbusRelaySimulator
from tests.factories import T0
from tests.services.conftest import clock, receive_one, snapshot, svc
from tracker.bootstrap import open_reader
from tracker.config import DoorAlarm, OutputConfig, SiteConfig
from tracker.domain.clock import ManualClock
from tracker.domain.errors import TransientError
from tracker.domain.levels import Level
from tracker.domain.model import AlertType
from tracker.gateway.events import Crossing
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions, clock_time
from tracker.gateway.sinks import ServiceSink
from tracker.gateway.table import ServiceFeed, TableStore
from tracker.services import alerting, authz, borrowing
from tracker.services.base import Services

__all__ = ["clock", "snapshot", "svc"]

ALICE = "0100073EAB"
DOORS = frozenset({"door-secure", "door-exit"})

pytestmark = pytest.mark.timeout(90)


def wait_for(pred, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def with_alarms(site: SiteConfig, folder: Path) -> SiteConfig:
    """The example site with a Modbus board at the secure room's door (light on relay 1,
    buzzer on relay 2) and an LCUS module at the exit."""
    outputs = (
        OutputConfig(
            id="relay-secure",
            protocol="modbus",
            url=str(folder / "relay-secure"),
            channels=4,
            heartbeat=1.0,
            options={"unit": 1, "coil_base": 0},
        ),
        OutputConfig(id="relay-exit", protocol="lcus", url=str(folder / "relay-exit"), channels=1),
    )
    alarms = (
        DoorAlarm("door-secure", "relay-secure", (1,), 2, "steady", 0.5, 1.0, 60.0, False),
        DoorAlarm("door-exit", "relay-exit", (1,), None, "steady", 0.5, 0.0, 60.0, True),
    )
    return replace(site, outputs=outputs, alarms=alarms)


@dataclass
class Rig:
    office: SimulatedOffice
    gateway: Gateway
    modbus: ModbusRelaySimulator
    lcus: LcusSimulator


class FlakySink:
    """The service is reachable only while ``up``."""

    def __init__(self, inner: ServiceSink, up: bool = True) -> None:
        self.inner, self.up = inner, up

    def send(self, batch) -> None:  # type: ignore[no-untyped-def]
        if not self.up:
            raise TransientError("service down")
        self.inner.send(batch)


def rig(svc: Services, tmp_path: Path, *, sink=None, feed: bool = True, **policy) -> Rig:  # type: ignore[no-untyped-def]
    """The simulated office and both relay boards, and a gateway for the two doors
    (``policy``: the site's alarm settings to change)."""
    office = SimulatedOffice(svc.site, tmp_path / "by-id").start()
    site = with_alarms(office.site, tmp_path / "by-id")
    site = replace(site, alarm_policy=replace(site.alarm_policy, **policy))
    svc.site = site
    svc.clock = ManualClock(T0, speed=1.0)
    modbus = ModbusRelaySimulator(tmp_path / "by-id" / "relay-secure", channels=4).start()
    lcus = LcusSimulator(tmp_path / "by-id" / "relay-exit").start()
    table = TableStore(tmp_path / "authz.json")
    if not feed:
        table.replace(authz.current(svc))  # the last table it had before the service went away
    gw = Gateway(
        site,
        sink or ServiceSink(svc, "gw-test"),
        Outbox(tmp_path / "outbox.sqlite"),
        open_reader,
        GatewayOptions("gw-test", doors=DOORS, heartbeat_every=0.3, retry_min=0.1, retry_max=0.3),
        to_time=clock_time(svc.clock),
        table=table,
        feed=ServiceFeed(authz.feed(svc)) if feed else None,
    ).start()
    assert office.ready(r.id for r in gw.readers_cfg)
    assert wait_for(lambda: gw.table.version is not None)
    return Rig(office, gw, modbus, lcus)


@pytest.fixture
def stop() -> Iterator[list[Rig]]:
    rigs: list[Rig] = []
    yield rigs
    for r in rigs:
        r.gateway.stop()
        r.office.stop()
        r.modbus.stop()
        r.lcus.stop()


def crossing(gw: Gateway, epc: str) -> Crossing | None:
    return next((e for e in gw.events if isinstance(e, Crossing) and e.epc == epc), None)


def test_top_secret_at_the_outer_zone_energises_the_relay_before_the_crossing_is_decided(
    svc, tmp_path, stop
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    r = rig(svc, tmp_path)
    stop.append(r)
    assert wait_for(lambda: c.epc in (r.gateway.table.table.known if r.gateway.table.table else ()))
    started = time.monotonic()
    r.office.carry("door-secure", "out", (c.epc,), (ALICE,))
    on = r.modbus.log.wait_for(1, True, after=started, timeout=5)
    buzz = r.modbus.log.wait_for(2, True, after=started, timeout=5)
    assert on is not None and buzz is not None
    assert wait_for(lambda: crossing(r.gateway, c.epc) is not None)
    decided = crossing(r.gateway, c.epc)
    assert decided is not None
    # Sounded by the first outer-zone read, not by the crossing decided later: the
    # controller was told at that read's time, which the portal decided on. (How soon
    # the relay follows is bench_alarm's to measure; comparing the relay simulator's
    # clock with the decision's made this test fail on a loaded machine.)
    (sounded,) = [h for h in r.gateway.alarm.history if h[1] == "door-secure" and h[2] == "on"]
    first_reads = [d[0] for d in r.gateway.portal.decisions if d[2] == c.epc and d[3] != "allowed"]
    assert sounded[0] == first_reads[0] < decided.decided_at
    # The buzzer stops after its second; the light stays on.
    assert r.modbus.log.wait_for(2, False, after=buzz.at, timeout=5) is not None
    assert r.modbus.state()[1] is True
    with svc.read() as uow:
        assert wait_for(lambda: _alerts(svc, c.serial, "R2"))
        (alert,) = _alerts(svc, c.serial, "R2")
        entries = [e for e in uow.ledger.for_carrier(c.serial) if e.action == "alarm"]
    assert alert.details["door"] == "door-secure"
    assert len(entries) == 1 and entries[0].data["alerts"] == [alert.id]
    assert alert.details["alarms"] == entries[0].data["alarm"]
    # The full crossing followed and counted on the same alert.
    assert wait_for(lambda: _alerts(svc, c.serial, "R2")[0].count == 2)


def test_acknowledging_the_alert_turns_the_alarm_off(svc, tmp_path, stop) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    r = rig(svc, tmp_path)
    stop.append(r)
    assert wait_for(lambda: c.epc in (r.gateway.table.table.known if r.gateway.table.table else ()))
    r.office.carry("door-secure", "out", (c.epc,), (ALICE,))
    assert r.modbus.log.wait_for(1, True, timeout=5) is not None
    assert wait_for(lambda: bool(_alerts(svc, c.serial, "R2")))
    acked = time.monotonic()
    alerting.acknowledge(svc, "carol", _alerts(svc, c.serial, "R2")[0].id, "已到场处置")
    off = r.modbus.log.wait_for(1, False, after=acked, timeout=5)
    assert off is not None and off.at - acked < 2.0
    assert not r.gateway.alarm.sounding("door-secure")


def test_an_authorized_borrow_through_the_same_door_does_not_alarm(svc, tmp_path, stop) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.SECRET, scope_people=("alice",))
    req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "reading", "阅文")
    borrowing.approve_borrow(svc, "ann", req.id)
    borrowing.check_out(svc, "carol", req.id)
    top = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    r = rig(svc, tmp_path)
    stop.append(r)
    assert wait_for(
        lambda: top.epc in (r.gateway.table.table.known if r.gateway.table.table else ())
    )
    r.office.carry("door-secure", "out", (c.epc,), (ALICE,))
    assert wait_for(lambda: crossing(r.gateway, c.epc) is not None)
    assert wait_for(lambda: _location(svc, c.serial) == "corridor")
    time.sleep(0.3)
    assert r.modbus.log.commands == []
    assert {d[3] for d in r.gateway.portal.decisions if d[2] == c.epc} == {"allowed"}


def test_with_the_service_stopped_the_alarm_fires_and_the_events_arrive_after_reconnect(
    svc, tmp_path, stop
) -> None:  # type: ignore[no-untyped-def]
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    sink = FlakySink(ServiceSink(svc, "gw-test"), up=False)
    r = rig(svc, tmp_path, sink=sink, feed=False)
    stop.append(r)
    started = time.monotonic()
    r.office.carry("door-secure", "out", (c.epc,), (ALICE,))
    assert r.modbus.log.wait_for(1, True, after=started, timeout=5) is not None
    assert wait_for(lambda: crossing(r.gateway, c.epc) is not None)
    assert wait_for(lambda: r.gateway.outbox.counts()[0] >= 2)
    assert _alerts(svc, c.serial, "R2") == []
    # The table on disk survives a restart of the gateway, with its version.
    assert TableStore(tmp_path / "authz.json").version == r.gateway.table.version
    sink.up = True
    assert wait_for(lambda: r.gateway.outbox.counts() == (0, 0))
    (alert,) = _alerts(svc, c.serial, "R2")
    assert alert.count == 2  # the alarm and the crossing, one alert
    with svc.read() as uow:
        assert [m.door for m in uow.movements.find(carrier=c.serial)] == ["door-secure"]


def test_an_unplugged_relay_board_raises_an_alert_and_clears_it_when_back(
    svc, tmp_path, stop
) -> None:  # type: ignore[no-untyped-def]
    r = rig(svc, tmp_path)
    stop.append(r)
    time.sleep(1.2)  # past the board's first heartbeat
    r.modbus.unplug()
    assert wait_for(lambda: _open(svc, AlertType.OUTPUT_OFFLINE), timeout=10)
    (a,) = _open(svc, AlertType.OUTPUT_OFFLINE)
    assert a.subject == "relay-secure"
    r.modbus.replug()
    assert wait_for(lambda: not _open(svc, AlertType.OUTPUT_OFFLINE), timeout=15)


def _alerts(svc: Services, serial: str, rule: str) -> list:  # type: ignore[type-arg]
    with svc.read() as uow:
        return [a for a in uow.alerts.find(subject=serial) if a.rule == rule]


def _open(svc: Services, type_: AlertType) -> list:  # type: ignore[type-arg]
    with svc.read() as uow:
        return uow.alerts.find(type=type_, state="open")


def _location(svc: Services, serial: str) -> str | None:
    with svc.read() as uow:
        x = uow.carriers.get(serial)
        return x.location if x else None
