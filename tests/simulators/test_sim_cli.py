"""``tracker sim rfid`` as a real process: link printed, stdin commands, scene, quit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.readers import BadgeReader, M100Reader
from drivers.reads import BadgeRead, TagRead
from drivers.transport import Backoff

EPC = "30751FEB705C5904E3D50D70"
SIM = [sys.executable, "-c", "from tracker.cli.sim import app; app()", "rfid"]


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [*SIM, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TRACKER_LANG": "en"},
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def send(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def test_m100_sim_driven_by_stdin(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    link = tmp_path / "dev" / "usb-M100"
    proc = spawn("--protocol", "m100", "--link", str(link), "--seed", "1")
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == str(link)
    reads: list[TagRead] = []
    lock = threading.Lock()

    def on_read(read: TagRead) -> None:
        with lock:
            reads.append(read)

    reader = M100Reader(str(link), "p", on_read, backoff=Backoff(0.02, 0.2))
    reader.start()
    try:
        send(proc, f"tag add {EPC} -52")
        assert wait_for(lambda: len(reads) >= 5)
        assert {r.epc for r in reads} == {EPC}
        send(proc, "this is not a command")
        send(proc, "unplug 0.3")
        assert wait_for(lambda: reader.stats().reconnects >= 1)
        n = len(reads)
        assert wait_for(lambda: len(reads) > n + 3)  # reading again after the replug
        send(proc, "quit")
        assert proc.wait(timeout=10) == 0
    finally:
        reader.close()
    assert "unknown command" in proc.stderr.read()
    assert not link.exists()


def test_badge_sim_driven_by_a_scene(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    link = tmp_path / "dev" / "usb-RDM6300"
    scene = tmp_path / "scene.json"
    scene.write_text('[{"at": 0.5, "do": "badge 0100073EA7 0.6"}, {"at": 1.5, "do": "quit"}]')
    reads: list[BadgeRead] = []
    proc = spawn("--protocol", "em4100", "--link", str(link), "--scene", str(scene))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == str(link)
    reader = BadgeReader(str(link), "b", reads.append, backoff=Backoff(0.02, 0.2))
    reader.start()
    try:
        assert proc.wait(timeout=15) == 0  # the scene's quit step ends it
    finally:
        reader.close()
    assert len(reads) >= 2
    assert {r.badge for r in reads} == {"0100073EA7"}


def test_bad_scene_file_is_a_clear_error(
    tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    scene = tmp_path / "scene.toml"
    scene.write_text('[[step]]\nat = 1\ndo = "fly away"\n')
    proc = spawn("--link", str(tmp_path / "x"), "--scene", str(scene))
    assert proc.wait(timeout=15) == 2
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert "scene.toml" in err and "Traceback" not in err
