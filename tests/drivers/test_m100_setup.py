"""M100 set-up and health: golden bytes of every set-up command and answer from the
MagicRF M100 / QM100 firmware manual, the set-up sequence on its own, and the driver
setting a simulated module up (and noticing one that does not answer)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers import m100_setup as setup
from drivers.m100 import ErrorResponse
from drivers.readers import M100Reader
from drivers.transport import Backoff
from simulators.device import Faults
from simulators.m100 import M100Simulator

FAST = Backoff(0.02, 0.2)

# (wire bytes as in the manual, the message): every checksum is the manual's own.
GOLDEN = [
    ("BB 00 03 00 01 00 04 7E", setup.InfoCommand(setup.INFO_HARDWARE)),
    ("BB 00 03 00 01 01 05 7E", setup.InfoCommand(setup.INFO_SOFTWARE)),
    ("BB 00 03 00 01 02 06 7E", setup.InfoCommand(setup.INFO_MANUFACTURER)),
    (
        "BB 01 03 00 0B 00 4D 31 30 30 20 56 31 2E 30 30 22 7E",
        setup.InfoResponse(setup.INFO_HARDWARE, "M100 V1.00"),
    ),
    (
        "BB 01 03 00 10 00 4D 31 30 30 20 32 36 64 42 6D 20 56 31 2E 30 92 7E",
        setup.InfoResponse(setup.INFO_HARDWARE, "M100 26dBm V1.0"),
    ),
    ("BB 00 07 00 01 01 09 7E", setup.SetRegionCommand(setup.REGION_CN920)),
    ("BB 01 07 00 01 00 09 7E", setup.SetResponse(setup.CMD_SET_REGION, 0)),
    ("BB 00 08 00 00 08 7E", setup.GetRegionCommand()),
    ("BB 01 08 00 01 01 0B 7E", setup.RegionResponse(setup.REGION_CN920)),
    ("BB 00 B6 00 02 07 D0 8F 7E", setup.SetPowerCommand(2000)),
    ("BB 01 B6 00 01 00 B8 7E", setup.SetResponse(setup.CMD_SET_POWER, 0)),
    ("BB 00 B7 00 00 B7 7E", setup.GetPowerCommand()),
    ("BB 01 B7 00 02 07 D0 91 7E", setup.PowerResponse(2000)),
]


@pytest.mark.parametrize(("wire", "message"), GOLDEN, ids=[type(m).__name__ for _, m in GOLDEN])
def test_golden_bytes_both_ways(wire: str, message: setup.SetupMessage) -> None:
    raw = bytes.fromhex(wire)
    assert setup.to_bytes(message) == raw
    assert setup.parse(raw, type(message)) == message


def test_power_in_dbm() -> None:
    assert setup.SetPowerCommand.dbm(26) == setup.SetPowerCommand(2600)
    assert setup.to_bytes(setup.SetPowerCommand.dbm(20)) == bytes.fromhex("BB00B60002 07D0 8F7E")


def answers(step: setup.Setup, *messages: object) -> list[bytes | None]:
    out = []
    for m in messages:
        assert step.feed(m)  # type: ignore[arg-type]
        out.append(step.next(0.0))
    return out


def test_sequence_reads_versions_sets_and_reads_back() -> None:
    s = setup.Setup(region=setup.REGION_CN920, tx_power=26.0)
    sent = [s.next(0.0)]
    sent += answers(
        s,
        setup.InfoResponse(0, "M100 26dBm V1.0"),
        setup.InfoResponse(1, "V2.3.1"),
        setup.SetResponse(setup.CMD_SET_REGION, 0),
        setup.RegionResponse(1),
        setup.SetResponse(setup.CMD_SET_POWER, 0),
        setup.PowerResponse(2600),
    )
    assert sent == [
        bytes.fromhex("BB 00 03 00 01 00 04 7E"),
        bytes.fromhex("BB 00 03 00 01 01 05 7E"),
        bytes.fromhex("BB 00 07 00 01 01 09 7E"),
        bytes.fromhex("BB 00 08 00 00 08 7E"),
        setup.to_bytes(setup.SetPowerCommand(2600)),
        bytes.fromhex("BB 00 B7 00 00 B7 7E"),
        None,
    ]
    assert s.done
    assert s.info == setup.ModuleInfo("M100 26dBm V1.0", "V2.3.1", 1, 26.0, ())


def test_sequence_retries_gives_up_and_says_why() -> None:
    s = setup.Setup(tries=2, timeout=0.5)
    assert s.next(0.0) == bytes.fromhex("BB 00 03 00 01 00 04 7E")
    assert s.next(0.2) is None  # waiting for the answer
    assert s.next(0.6) == bytes.fromhex("BB 00 03 00 01 00 04 7E")  # retry
    assert s.next(1.2) == bytes.fromhex("BB 00 03 00 01 01 05 7E")  # gave up, next step
    assert s.feed(ErrorResponse(0x17))
    assert s.done and not s.info.answered
    assert s.info.problems == (
        "hardware version: no answer after 2 tries",
        "firmware version: refused with error 17",
    )


def test_read_back_that_differs_is_a_problem() -> None:
    s = setup.Setup(region=setup.REGION_CN920, tx_power=30.0)
    s.next(0.0)
    answers(
        s,
        setup.InfoResponse(0, "M100"),
        setup.InfoResponse(1, "V1"),
        setup.SetResponse(setup.CMD_SET_REGION, 0),
        setup.RegionResponse(0x02),
        setup.SetResponse(setup.CMD_SET_POWER, 0),
        setup.PowerResponse(2600),
    )
    assert s.info.problems == (
        "region reads back as 02, not 01",
        "power reads back as 26 dBm, not 30",
    )


# --- the driver against the simulated module ----------------------------------------------


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


@pytest.mark.parametrize("faults", [Faults(), Faults(byte_at_a_time=True, noise_prob=0.4)])
def test_driver_sets_the_module_up_then_inventories(tmp_path: Path, faults: Faults) -> None:
    link = tmp_path / "usb-m100"
    with M100Simulator(link, seed=2, faults=faults) as sim:
        assert isinstance(sim, M100Simulator)
        sim.add_tag("30751FEB705C5904E3D50D70", -55)
        reads: list[object] = []
        reader = M100Reader(
            str(link), "p", reads.append, region=setup.REGION_CN920, tx_power=26, backoff=FAST
        )
        reader.start()
        try:
            assert wait_for(lambda: bool(reads))
            assert reader.info == setup.ModuleInfo(
                "M100 26dBm V1.0", "V2.3.1", setup.REGION_CN920, 26.0, ()
            )
            assert (sim.region, sim.power) == (setup.REGION_CN920, 2600)
            assert sim.commands[:6] == [
                "InfoCommand",
                "InfoCommand",
                "SetRegionCommand",
                "GetRegionCommand",
                "SetPowerCommand",
                "GetPowerCommand",
            ]
            assert sim.commands[6] == "MultiPollCommand"
        finally:
            reader.close()


def test_power_above_the_board_reads_back_lower(tmp_path: Path) -> None:
    link = tmp_path / "usb-m100"
    with M100Simulator(link, seed=2) as sim:
        assert isinstance(sim, M100Simulator)
        reader = M100Reader(str(link), "p", lambda r: None, tx_power=30, backoff=FAST)
        reader.start()
        try:
            assert wait_for(lambda: sim.polling)
            assert reader.info.tx_power == 26.0
            assert reader.info.problems == ("power reads back as 26 dBm, not 30",)
        finally:
            reader.close()


def test_a_module_that_does_not_answer_is_never_heard(tmp_path: Path) -> None:
    link = tmp_path / "usb-m100"
    with M100Simulator(link, seed=2) as sim:
        assert isinstance(sim, M100Simulator)
        sim.silent = True
        reader = M100Reader(
            str(link), "p", lambda r: None, keepalive=0.2, setup_timeout=0.05, backoff=FAST
        )
        reader.start()
        try:
            assert wait_for(lambda: "MultiPollCommand" in sim.commands)  # set-up given up
            assert wait_for(lambda: sim.commands.count("StopCommand") >= 2)  # still probed
            stats = reader.stats()
            assert stats.connected and stats.last_heard is None  # → offline at the gateway
            assert not reader.info.answered
            sim.silent = False
            assert wait_for(lambda: reader.stats().last_heard is not None)  # back
        finally:
            reader.close()
