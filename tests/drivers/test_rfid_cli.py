"""``tracker rfid listen`` against simulators over real ptys (typer's CliRunner)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulators.device import Faults
from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from tracker.cli.rfid import app

EPC = "30751FEB705C5904E3D50D70"


def listen(*args: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["listen", *args])
    return result.exit_code, result.stdout.splitlines(), result.stderr


def after(seconds: float, fn: object) -> None:
    threading.Timer(seconds, fn).start()  # type: ignore[arg-type]


def test_m100_json_lines(tmp_path: Path) -> None:
    link = tmp_path / "by-id" / "usb-M100"
    with M100Simulator(link, seed=1) as sim:
        assert isinstance(sim, M100Simulator)
        sim.add_tag(EPC, -55)
        code, lines, _ = listen("--protocol", "m100", "--port", str(link), "--count", "5", "--json")
    assert code == 0
    assert len(lines) == 5
    now = datetime.now(UTC)
    for line in lines:
        record = json.loads(line)
        assert set(record) == {"protocol", "id", "rssi", "time"}
        assert record["protocol"] == "m100" and record["id"] == EPC
        assert isinstance(record["rssi"], int) and -60 <= record["rssi"] <= -50
        when = datetime.fromisoformat(record["time"])
        assert when.utcoffset() == timedelta(0)
        assert now - timedelta(seconds=30) < when <= now


def test_m100_prints_nothing_for_invalid_frames(tmp_path: Path) -> None:
    """Each valid notification is preceded by damaged and cut copies and noise; exactly
    the valid ones are printed."""
    link = tmp_path / "m100"
    faults = Faults(noise_prob=1.0, corrupt_prob=1.0, truncate_prob=1.0)
    expected = [f"E2000000000000000000{i:04X}" for i in range(10)]
    with M100Simulator(link, faults=faults, seed=3) as sim:
        assert isinstance(sim, M100Simulator)
        for epc in expected:
            sim.emit_once(epc, -61)
        code, lines, _ = listen(
            "--protocol", "m100", "--port", str(link), "--timeout", "2", "--json"
        )
        assert sim.counters.bad_frames >= 20
    assert code == 0
    assert sorted(json.loads(line)["id"] for line in lines) == expected


@pytest.mark.parametrize(
    ("protocol", "expected_id"),
    [("em4100", "0100073EA7"), ("em4100-decimal", "00073EA7")],
)
def test_badge_json_lines_have_no_rssi(tmp_path: Path, protocol: str, expected_id: str) -> None:
    link = tmp_path / "badge"
    with Rdm6300Simulator(link, mode=protocol) as sim:
        assert isinstance(sim, Rdm6300Simulator)
        after(0.3, lambda: sim.present("0100073EA7", 2.0))
        code, lines, _ = listen(
            "--protocol", protocol, "--port", str(link), "--count", "2", "--json", "--timeout", "10"
        )
    assert code == 0
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [expected_id, expected_id]
    assert all(set(r) == {"protocol", "id", "time"} and r["protocol"] == protocol for r in records)


def test_plain_output(tmp_path: Path) -> None:
    link = tmp_path / "m100"
    with M100Simulator(link, rssi_noise=0) as sim:
        assert isinstance(sim, M100Simulator)
        sim.add_tag(EPC, -47)
        code, lines, _ = listen("--protocol", "m100", "--port", str(link), "--count", "1")
    assert code == 0
    assert lines[0].endswith(f"  m100  {EPC}  -47 dBm")


def test_timeout_before_count_exits_1_quietly(tmp_path: Path) -> None:
    link = tmp_path / "m100"
    with M100Simulator(link):
        t0 = time.monotonic()
        code, lines, _ = listen(
            "--protocol", "m100", "--port", str(link), "--count", "1", "--timeout", "0.5"
        )
    assert code == 1
    assert lines == []
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_unopenable_port_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("TRACKER_LANG", lang)
    code, lines, err = listen("--protocol", "m100", "--port", "/dev/serial/by-id/no-such-reader")
    assert code == 2
    assert lines == []
    assert "no-such-reader" in err
    assert ("cannot open" if lang == "en" else "无法打开") in err
    assert "Traceback" not in err


def test_registered_in_the_tracker_command() -> None:
    """``tracker rfid listen`` through the real console entry point, as an installer runs it."""
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tracker.cli.main import run; run()",
            "rfid",
            "listen",
            "--protocol",
            "em4100",
            "--port",
            "socket://127.0.0.1:1",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TRACKER_LANG": "en"},
    )
    assert result.returncode == 2
    assert "cannot open reader port socket://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr
