"""The relay-board drivers against their simulators on real ptys: the LCUS driver's bytes
arrive as the documented commands and are written again after a replug; the Modbus
driver writes coils on pymodbus's own server, notices a board that stops answering
(muted or unplugged) and writes every relay's wanted state again when it is back. The
simulators log what they were told with the time it arrived."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.modbus_relay import ModbusRelay
from drivers.relay import LcusRelay
from drivers.transport import Backoff
from simulators.relay import LcusSimulator, ModbusRelaySimulator
from tracker.domain.errors import InvalidInput

FAST = Backoff(0.05, 0.2)

pytestmark = pytest.mark.timeout(60)


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


# --- LCUS -------------------------------------------------------------------------------


def test_lcus_commands_arrive_as_the_documented_bytes_with_their_time(tmp_path: Path) -> None:
    link = tmp_path / "usb-lcus"
    with LcusSimulator(link) as sim:
        assert isinstance(sim, LcusSimulator)
        relay = LcusRelay("relay-exit", str(link), 2, backoff=FAST)
        relay.start()
        try:
            assert relay.wait_connected(5)
            before = time.monotonic()
            relay.set(1, True)
            relay.set(2, True)
            relay.set(1, False)
            assert wait_for(lambda: len(sim.log.commands) == 3)
            after = time.monotonic()
            assert [(c.relay, c.on) for c in sim.log.commands] == [(1, True), (2, True), (1, False)]
            assert all(before <= c.at <= after for c in sim.log.commands)
            assert sim.state() == {1: False, 2: True}
            assert sim.garbage == 0  # every byte the driver wrote was a whole valid command
            assert relay.stats().commands == 3 and relay.stats().connected
        finally:
            relay.close()


def test_lcus_relay_numbers_beyond_the_board_are_refused(tmp_path: Path) -> None:
    relay = LcusRelay("relay-exit", str(tmp_path / "nothing"), 1, backoff=FAST)
    with pytest.raises(InvalidInput, match="relays 1-1, not 2"):
        relay.set(2, True)


def test_lcus_unplugged_is_offline_and_gets_its_state_again_when_plugged_back(
    tmp_path: Path,
) -> None:
    link = tmp_path / "usb-lcus"
    with LcusSimulator(link) as sim:
        assert isinstance(sim, LcusSimulator)
        relay = LcusRelay("relay-exit", str(link), 1, backoff=FAST)
        relay.start()
        try:
            assert relay.wait_connected(5)
            relay.set(1, True)
            assert sim.log.wait_for(1, True, timeout=5) is not None
            sim.unplug()
            assert wait_for(lambda: not relay.stats().connected)
            assert sim.state() == {1: False}  # powered from USB: the relay dropped out
            replugged = time.monotonic()
            sim.replug()
            # The module cannot say what it did; the driver writes the wanted state again.
            assert sim.log.wait_for(1, True, after=replugged, timeout=10) is not None
            assert relay.stats().connected
        finally:
            relay.close()


# --- Modbus RTU -------------------------------------------------------------------------


@pytest.fixture
def board(tmp_path: Path):  # type: ignore[no-untyped-def]
    sim = ModbusRelaySimulator(tmp_path / "usb-rs485", channels=4, unit=3, coil_base=16).start()
    relay = ModbusRelay(
        "relay-secure",
        sim.url,
        4,
        unit=3,
        coil_base=16,
        timeout=0.2,
        probe_every=0.2,
        backoff=FAST,
    )
    relay.start()
    yield sim, relay
    relay.close()
    sim.stop()


def test_modbus_coils_are_written_on_pymodbus_own_server(board) -> None:  # type: ignore[no-untyped-def]
    sim, relay = board
    assert relay.wait_connected(10)
    before = time.monotonic()
    relay.set(1, True)
    relay.set(4, True)
    on = sim.log.wait_for(4, True, after=before, timeout=5)
    assert on is not None and on.at >= before
    assert sim.state() == {1: True, 4: True}
    relay.set(1, False)
    assert sim.log.wait_for(1, False, after=before, timeout=5) is not None
    assert sim.state() == {1: False, 4: True}
    assert relay.stats().connected and relay.stats().failures == 0


def test_a_modbus_board_that_stops_answering_is_noticed_and_rewritten_when_back(board) -> None:  # type: ignore[no-untyped-def]
    sim, relay = board
    assert relay.wait_connected(10)
    relay.set(2, True)
    assert sim.log.wait_for(2, True, timeout=5) is not None
    sim.mute()  # plugged in, powered, silent: a dead controller or a broken RS-485 pair
    assert wait_for(lambda: not relay.stats().connected)
    assert "No response received" in (relay.stats().last_error or "")
    relay.set(3, True)  # wanted while the board is away
    sim.mute(False)
    back = time.monotonic()
    assert wait_for(lambda: relay.stats().connected)
    # Every wanted relay is written again once the board answers.
    assert sim.log.wait_for(2, True, after=back, timeout=5) is not None
    assert sim.log.wait_for(3, True, after=back, timeout=5) is not None
    assert sim.state() == {2: True, 3: True}


def test_a_modbus_adapter_unplugged_and_plugged_back(board) -> None:  # type: ignore[no-untyped-def]
    sim, relay = board
    assert relay.wait_connected(10)
    sim.unplug()
    assert wait_for(lambda: not relay.stats().connected)
    assert not os.path.exists(sim.url)
    assert wait_for(lambda: "cannot open" in (relay.stats().last_error or ""))
    sim.replug()
    assert wait_for(lambda: relay.stats().connected, 15)
    relay.set(1, True)
    assert sim.log.wait_for(1, True, timeout=5) is not None
