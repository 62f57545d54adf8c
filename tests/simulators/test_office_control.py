"""Driving a running simulated office from another process: ``tracker sim carry/put/
take/unplug/show/status`` through the control socket, read by the real gateway."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulators.control import ControlServer, send
from simulators.office import SimulatedOffice
from tests.cli.test_cli_core import EXAMPLE, receive_top_secret, tracker
from tracker.bootstrap import build, open_reader
from tracker.domain.errors import DeviceUnavailable
from tracker.gateway.outbox import Outbox
from tracker.gateway.runner import Gateway, GatewayOptions
from tracker.gateway.sinks import ServiceSink

__all__ = ["tracker"]


def wait_for(pred, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_sim_commands_move_carriers_through_the_real_gateway(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tracker("site", "load", str(EXAMPLE))
    tracker(
        "person", "add", "alice", "--name", "李", "--department", "policy", "--clearance", "core"
    )
    tracker("person", "badge", "alice", "0100073EAB")
    serial = receive_top_secret(tracker, "--home-safe", "safe-s1", "--scope-people", "alice")[
        "serial"
    ]
    app = build()
    office = SimulatedOffice(app.services.site, tmp_path / "by-id").start()
    app.services.site = office.site
    gw = Gateway(
        office.site,
        ServiceSink(app.services, "gw"),
        Outbox(),
        open_reader,
        GatewayOptions("gw", doors=frozenset({"door-secure"}), safes=frozenset({"safe-s1"})),
    ).start()
    sock = tmp_path / "sim.sock"
    control = ControlServer(office, sock).start()

    def where() -> tuple[str, str | None]:
        with app.services.read() as uow:
            c = uow.carriers.get(serial)
            assert c is not None
            return c.state.value, c.location

    try:
        assert office.ready([r.id for r in gw.readers_cfg])
        tracker("sim", "put", serial, "--safe", "safe-s1", "--socket", str(sock))
        assert wait_for(lambda: where() == ("in_safe", "safe-s1"))
        tracker("sim", "take", serial, "--safe", "safe-s1", "--socket", str(sock))
        assert wait_for(lambda: where() == ("registered", "secure"))
        tracker(
            "sim",
            "carry",
            serial,
            "--door",
            "door-secure",
            "--direction",
            "out",
            "--person",
            "alice",
            "--socket",
            str(sock),
        )
        assert wait_for(lambda: where()[1] == "corridor")
        with app.services.read() as uow:
            (alert,) = uow.alerts.find(rule="R2")
            (move,) = uow.movements.find(carrier=serial, door="door-secure")
        assert alert.subject == serial and move.people == ("alice",)
        status = tracker("sim", "status", "--socket", str(sock)).stdout
        assert "door-secure-in" in status
        bad = tracker("sim", "show", serial, "--camera", "nope", "--socket", str(sock), ok=False)
        assert bad.returncode == 2 and "nope" in bad.stderr
    finally:
        control.stop()
        gw.stop()
        office.stop()


def test_no_office_running_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable, match="tracker serve --simulate"):
        send(tmp_path / "absent.sock", {"cmd": "status"})
