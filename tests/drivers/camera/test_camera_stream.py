"""The network-stream path: opencv/FFmpeg reading the simulator's HTTP MJPEG camera,
a dead stream reported offline and recovered, a hung stream timing out."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.camera.capture import Backoff, CameraStatus, CaptureLoop
from drivers.camera.decode import make_decoder
from drivers.camera.scanner import scan_frames
from drivers.camera.sources import open_source
from simulators.camera import CameraSimulator, mjpeg_server
from tracker.domain.errors import CameraError

SERIAL = "JM-2026-000789"


@pytest.fixture
def server():
    sim = CameraSimulator([SERIAL], levels=["clean", "rotated"], seed=2, renderer="stand-in")
    srv = mjpeg_server(sim, fps=20, loop=2).start()
    yield srv
    srv.kill()


def _wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_mjpeg_stream_is_read_and_decoded(server):
    loop = CaptureLoop(server.url, camera="door-1")
    frames = []
    for frame in loop.frames(timeout=20):
        frames.append(frame)
        if len(frames) == 4:
            break
    assert frames[0].image.shape == (720, 1280, 3)
    assert loop.state == "online"
    reads = list(scan_frames(frames, make_decoder(), camera="door-1"))
    assert {r.code.text for r in reads} == {SERIAL}
    assert len(reads) >= 3


def test_dead_stream_goes_offline_then_recovers_on_the_same_url(server):
    statuses: list[CameraStatus] = []
    loop = CaptureLoop(
        open_source(server.url, timeout=1.0),
        on_status=statuses.append,
        backoff=Backoff(initial=0.1, maximum=0.4),
    )

    def drive() -> None:
        _wait_for(lambda: loop.state == "online")
        server.kill()
        _wait_for(lambda: loop.state == "offline")
        time.sleep(0.5)  # reopen attempts meet "connection refused"
        server.revive()

    driver = threading.Thread(target=drive)
    driver.start()
    after = 0
    for _ in loop.frames(timeout=30):
        if loop.reconnects == 1 and loop.state == "online":
            after += 1
            if after == 3:
                break
    driver.join(timeout=10)
    assert [s.state for s in statuses] == ["online", "offline", "online"]
    assert after == 3


def test_hung_stream_times_out_to_offline(server):
    statuses: list[CameraStatus] = []
    stop = threading.Event()

    def on_status(status: CameraStatus) -> None:
        statuses.append(status)
        if status.state == "offline":
            stop.set()

    loop = CaptureLoop(
        open_source(server.url, timeout=1.0),
        on_status=on_status,
        fail_after=1,
        backoff=Backoff(initial=0.1, maximum=0.2),
    )
    for _ in loop.frames(stop, timeout=20):
        server.pause()  # connection stays open, no more frames come
    assert [s.state for s in statuses] == ["online", "offline"]


def test_unreachable_stream_is_a_clear_error_when_opened_directly(server):
    url = server.url
    server.kill()
    with pytest.raises(CameraError, match="cannot open stream"):
        open_source(url, timeout=1.0).open()
