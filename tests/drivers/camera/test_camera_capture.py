"""Capture through the real opencv path: video files, image folders, single images,
corrupt files, and a live (simulated) camera that goes away and comes back."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from drivers.camera.capture import Backoff, CameraStatus, CaptureLoop
from drivers.camera.decode import make_decoder
from drivers.camera.scanner import scan_frames
from drivers.camera.sources import FileVideoSource, ImageFolderSource, open_source
from simulators.camera import CameraSimulator, SimulatedCamera, write_folder, write_video
from tracker.domain.errors import CameraError

SERIALS = ["JM-2026-000123", "JM-2026-000456"]


@pytest.fixture(scope="module")
def sim() -> CameraSimulator:
    return CameraSimulator(SERIALS, levels=["clean", "rotated"], seed=5, renderer="stand-in")


@pytest.fixture(scope="module")
def frames(sim):
    return list(sim.frames(6))


def test_video_file_is_read_frame_by_frame_and_decoded(tmp_path, frames):
    path = write_video(frames, tmp_path / "carriers.avi")
    loop = CaptureLoop(str(path))
    got = list(loop.frames())
    assert len(got) == len(frames)
    assert got[0].image.shape == (720, 1280, 3)
    assert loop.state == "ended"
    reads = list(scan_frames(got, make_decoder()))
    assert {r.code.text for r in reads} == set(SERIALS)
    assert {r.frame for r in reads} == set(range(len(frames)))  # every frame read (MJPG)


def test_image_folder_in_sorted_order_skipping_a_corrupt_file(tmp_path, frames):
    write_folder(frames, tmp_path)
    (tmp_path / "frame_00002b.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (tmp_path / "notes.txt").write_text("not an image")
    source = open_source(str(tmp_path))
    assert isinstance(source, ImageFolderSource)
    got = list(CaptureLoop(source).frames())
    assert len(got) == len(frames)
    assert [p.name for p in source.skipped] == ["frame_00002b.png"]
    decoder = make_decoder()
    texts = [decoder.decode(f.image)[0].text for f in got]
    assert texts == [f.text for f in frames]  # name order = frame order


def test_single_image_file(tmp_path, frames):
    (path,) = write_folder(frames[:1], tmp_path, ext=".jpg")
    got = list(CaptureLoop(str(path)).frames())
    assert len(got) == 1
    assert make_decoder().decode(got[0].image)[0].text == frames[0].text


def test_corrupt_image_is_a_camera_error(tmp_path):
    bad = tmp_path / "label.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(CameraError, match="corrupt"):
        list(CaptureLoop(str(bad)).frames())


def test_corrupt_video_is_a_camera_error(tmp_path):
    bad = tmp_path / "door.avi"
    bad.write_bytes(b"RIFF\x00\x10\x00\x00AVI LIST" + np.random.default_rng(1).bytes(4000))
    source = open_source(str(bad))
    assert isinstance(source, FileVideoSource)
    with pytest.raises(CameraError, match=str(bad)):
        list(CaptureLoop(source).frames())


def test_folder_without_readable_images_is_a_camera_error(tmp_path):
    with pytest.raises(CameraError, match="no image files"):
        list(CaptureLoop(str(tmp_path)).frames())
    (tmp_path / "a.png").write_bytes(b"nope")
    (tmp_path / "b.png").write_bytes(b"nope")
    with pytest.raises(CameraError, match="no readable image"):
        list(CaptureLoop(str(tmp_path)).frames())


def test_missing_paths_and_devices_are_camera_errors(tmp_path):
    with pytest.raises(CameraError, match="no such file"):
        open_source(str(tmp_path / "missing.avi"))
    with pytest.raises(CameraError, match="empty"):
        open_source("  ")
    device = open_source("/dev/video97")
    assert device.live
    with pytest.raises(CameraError, match="cannot open"):
        device.open()
    with pytest.raises(CameraError, match="cannot open camera device"):
        open_source("57").open()


def test_timeout_and_stop_end_a_file_loop(tmp_path, frames):
    path = write_video(frames, tmp_path / "v.avi")
    stop = threading.Event()
    got = []
    for frame in CaptureLoop(str(path)).frames(stop):
        got.append(frame)
        stop.set()
    assert len(got) == 1
    assert list(CaptureLoop(str(path), fps=50).frames(timeout=0)) == []


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_unplugged_camera_goes_offline_and_recovers(sim):
    camera = SimulatedCamera(sim, fps=30, loop=2)
    statuses: list[CameraStatus] = []
    loop = CaptureLoop(
        camera,
        camera="safe-1",
        on_status=statuses.append,
        backoff=Backoff(initial=0.05, maximum=0.2),
    )
    stop = threading.Event()
    seen_after_replug = []

    def drive() -> None:
        _wait_for(lambda: loop.state == "online")
        camera.unplug()
        _wait_for(lambda: loop.state == "offline")
        time.sleep(0.3)  # several failed reopen attempts
        camera.replug()
        _wait_for(lambda: loop.state == "online" and loop.reconnects == 1)

    driver = threading.Thread(target=drive)
    driver.start()
    for frame in loop.frames(stop, timeout=20):
        if loop.reconnects == 1 and loop.state == "online":
            seen_after_replug.append(frame)
            if len(seen_after_replug) >= 3:
                break
    driver.join(timeout=10)
    assert [s.state for s in statuses] == ["online", "offline", "online"]
    assert all(s.camera == "safe-1" for s in statuses)
    assert statuses[1].reason
    assert len(seen_after_replug) == 3


def test_a_failing_status_callback_does_not_stop_a_live_loop(sim):
    camera = SimulatedCamera(sim, fps=60, loop=1)

    def broken(status: CameraStatus) -> None:
        raise RuntimeError("alert sink down")

    loop = CaptureLoop(camera, on_status=broken)
    got = []
    for frame in loop.frames(timeout=10):
        got.append(frame)
        if len(got) == 5:
            break
    assert len(got) == 5


def test_a_slow_consumer_gets_the_newest_frame_not_a_backlog(sim):
    camera = SimulatedCamera(sim, fps=50, loop=1)
    loop = CaptureLoop(camera)
    indices = []
    for frame in loop.frames(timeout=10):
        indices.append(frame.index)
        time.sleep(0.1)  # a decoder 5x slower than the camera
        if len(indices) == 4:
            break
    gaps = [b - a for a, b in itertools.pairwise(indices)]
    assert all(g >= 2 for g in gaps), indices  # frames were skipped, not queued


def test_write_video_refuses_an_empty_frame_list(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        write_video([], tmp_path / "x.avi")
