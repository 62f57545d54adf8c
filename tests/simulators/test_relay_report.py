"""The relay simulators report what they were told: every command logged as it arrives
and listed with its wall-clock time by ``tracker sim relays`` through the simulated
office's control socket (the real drivers on real ptys doing the telling)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drivers.modbus_relay import ModbusRelay
from drivers.relay import LcusRelay
from drivers.transport import Backoff
from simulators.control import ControlServer
from simulators.office import SimulatedOffice
from simulators.relay import LcusSimulator, ModbusRelaySimulator
from tests.cli.test_cli_core import EXAMPLE
from tracker.cli.sim import app
from tracker.config import load_site

pytestmark = pytest.mark.timeout(60)


def test_tracker_sim_relays_lists_each_command_with_its_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_LANG", "en")
    caplog.set_level(logging.INFO, logger="simulators.relay")
    lcus = LcusSimulator(tmp_path / "usb-relay-exit").start()
    modbus = ModbusRelaySimulator(tmp_path / "usb-relay-secure", channels=2).start()
    office = SimulatedOffice(load_site(EXAMPLE), tmp_path / "by-id")  # not started: unused
    control = ControlServer(
        office, tmp_path / "sim.sock", outputs={"relay-exit": lcus, "relay-secure": modbus}
    ).start()
    fast = Backoff(0.05, 0.2)
    drivers = [
        LcusRelay("relay-exit", lcus.url, 1, backoff=fast),
        ModbusRelay("relay-secure", modbus.url, 2, timeout=0.2, backoff=fast),
    ]
    try:
        for d in drivers:
            d.start()
            assert d.wait_connected(10)
        before = datetime.now(UTC)
        drivers[0].set(1, True)
        drivers[1].set(2, True)
        drivers[1].set(2, False)
        assert lcus.log.wait_for(1, True) is not None
        assert modbus.log.wait_for(2, False) is not None
        after = datetime.now(UTC)
        result = CliRunner().invoke(app, ["relays", "--socket", str(control.path)])
    finally:
        for d in drivers:
            d.close()
        control.stop()
        lcus.stop()
        modbus.stop()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "relay-exit: 1=on"
    assert lines[2] == "relay-secure: 2=off"
    times = [datetime.fromisoformat(line.split()[0]) for line in lines if line.startswith("  ")]
    assert [line.split(None, 1)[1] for line in lines if line.startswith("  ")] == [
        "relay 1 on",
        "relay 2 on",
        "relay 2 off",
    ]
    slack = 0.05  # a millisecond-rounded time from two clocks
    assert all(
        before.timestamp() - slack <= t.timestamp() <= after.timestamp() + slack for t in times
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "simulators.relay"]
    assert any(m.startswith("LCUS module usb-relay-exit: relay 1 on at ") for m in logged)
    assert any(m.startswith("Modbus board usb-relay-secure: relay 2 off at ") for m in logged)
