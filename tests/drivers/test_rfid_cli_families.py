"""``tracker rfid listen`` for the LLRP and UHFReader18 families, against their
simulators (a real TCP socket, a real pty)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulators.chafon import ChafonSimulator
from simulators.llrp import LLRPSimulator
from tracker.cli.rfid import app

EPC = "30751FEB705C5904E3D50D70"


def listen(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["listen", *args])
    return result.exit_code, result.stdout.splitlines(), result.output


def test_llrp_reader_json_lines() -> None:
    with LLRPSimulator(seed=1, rssi_noise=0) as sim:
        assert isinstance(sim, LLRPSimulator)
        sim.antenna(2).add_tag(EPC, -52)
        code, lines, _ = listen("--protocol", "llrp", "--port", sim.url, "--count", "3", "--json")
        assert sim.commands[-3:] == ["StopROSpec", "DeleteROSpec", "CloseConnection"]
    assert code == 0
    records = [json.loads(line) for line in lines]
    assert [(r["protocol"], r["id"], r["rssi"]) for r in records] == [("llrp", EPC, -52)] * 3


def test_uhfreader18_plain_lines(tmp_path: Path) -> None:
    link = tmp_path / "usb-cf"
    with ChafonSimulator(link, seed=1) as sim:
        assert isinstance(sim, ChafonSimulator)
        sim.add_tag(EPC)
        code, lines, _ = listen("--protocol", "uhfreader18", "--port", str(link), "--count", "2")
    assert code == 0
    assert (
        all(line.endswith(f"  uhfreader18  {EPC}  -70 dBm") for line in lines) and len(lines) == 2
    )


def test_llrp_reader_not_there_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_LANG", "en")
    with LLRPSimulator() as sim:
        url = sim.url
    code, _, output = listen("--protocol", "llrp", "--port", url, "--timeout", "1")
    assert code == 2
    assert f"cannot open reader port {url}" in output


def test_a_serial_path_is_no_llrp_url() -> None:
    code, _, output = listen("--protocol", "llrp", "--port", "/dev/ttyUSB0")
    assert code == 2
    assert "expected llrp://host[:port]" in output
