"""The camera simulator: deterministic, levels mean what they say, labels read back,
and the frame outlets (video, folder, MJPEG) carry the frames."""

from __future__ import annotations

import socket

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image

from simulators.camera import (
    LEVELS,
    CameraSimulator,
    SimulatedCamera,
    mjpeg_server,
    write_folder,
    write_video,
)
from simulators.camera_labels import label_image, stand_in_label
from simulators.camera_scene import sample_scene
from tracker.domain.errors import CameraError

SERIAL = "JM-2026-000555"


def _texts(image: np.ndarray) -> set[tuple[str, str]]:
    return {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)}


def test_same_seed_same_frames_other_seed_other_frames():
    a = CameraSimulator([SERIAL], levels=["hard", "glare"], seed=42, renderer="stand-in")
    b = CameraSimulator([SERIAL], levels=["hard", "glare"], seed=42, renderer="stand-in")
    c = CameraSimulator([SERIAL], levels=["hard", "glare"], seed=43, renderer="stand-in")
    for i in (0, 1):
        assert np.array_equal(a.frame(i).image, b.frame(i).image)
        assert a.frame(i).scene == b.frame(i).scene
        assert not np.array_equal(a.frame(i).image, c.frame(i).image)
    assert a.frame(0).scene.level == "hard" and a.frame(1).scene.level == "glare"


def test_levels_draw_what_they_promise():
    rng = np.random.default_rng(0)
    for _ in range(50):
        rotated = sample_scene("rotated", rng)
        assert abs(rotated.angle) <= 180
        assert sample_scene("clean", rng).in_focus
        assert not sample_scene("blurred", rng).in_focus
        assert sample_scene("occluded", rng).occlusion > 0
        assert sample_scene("glare", rng).glare is not None
        assert max(abs(t) for t in sample_scene("perspective", rng).tilt) >= 15
        assert not sample_scene("empty", rng).show_label
    angles = [abs(sample_scene("rotated", rng).angle) for _ in range(200)]
    assert sum(15 <= a <= 45 for a in angles) > 120  # mostly the 15-45° band
    with pytest.raises(ValueError, match="unknown difficulty"):
        sample_scene("impossible", rng)


def test_label_stays_whole_inside_the_frame():
    sim = CameraSimulator(
        [SERIAL], levels=["rotated", "perspective", "hard"], seed=3, renderer="stand-in"
    )
    for frame in sim.frames(9):
        quad = frame.quad
        assert quad is not None
        assert (quad[:, 0] >= 0).all() and (quad[:, 0] < 1280).all()
        assert (quad[:, 1] >= 0).all() and (quad[:, 1] < 720).all()
        assert frame.whole


def test_frame_truth_flags():
    sim = CameraSimulator(
        [SERIAL], levels=["clean", "occluded", "blurred", "empty"], seed=1, renderer="stand-in"
    )
    clean, occluded, blurred, empty = sim.frames(4)
    assert clean.readable and clean.text == SERIAL
    assert not occluded.whole and not occluded.readable
    assert not blurred.in_focus and not blurred.readable
    assert empty.text is None and empty.quad is None and not empty.readable
    assert clean.image.shape == (720, 1280, 3) and clean.image.dtype == np.uint8


def test_stand_in_label_carries_code128_and_datamatrix_of_the_serial():
    label = np.asarray(stand_in_label(SERIAL))
    assert label.shape == (354, 709)  # 60 × 30 mm at 300 dpi
    assert _texts(label) == {("Code128", SERIAL), ("DataMatrix", SERIAL)}
    rotated = np.asarray(stand_in_label(SERIAL).rotate(30, expand=True, fillcolor=255))
    assert ("DataMatrix", SERIAL) in _texts(rotated)


def test_label_image_uses_the_real_renderer_when_it_exists():
    labels = pytest.importorskip("labels")
    if not hasattr(labels, "render_png"):
        pytest.skip("labels.render_png not written yet")
    image = label_image(SERIAL, renderer="real")
    assert ("DataMatrix", SERIAL) in _texts(image)


def test_any_label_image_pil_or_ndarray():
    pil = stand_in_label("PIL-1").convert("RGB")
    array = np.asarray(stand_in_label("ND-2"))
    sim = CameraSimulator(levels="clean", labels={"PIL-1": pil, "ND-2": array}, seed=2)
    assert sim.texts == ("PIL-1", "ND-2")
    got = [frame.text for frame in sim.frames(2)]
    assert got == ["PIL-1", "ND-2"]
    assert ("DataMatrix", "PIL-1") in _texts(sim.frame(0).image)
    with pytest.raises(ValueError, match="unknown level"):
        CameraSimulator(levels=["sideways"])
    with pytest.raises(ValueError, match="uint8"):
        CameraSimulator(labels={"x": np.zeros((10, 10), np.float32)})


def test_video_and_folder_round_trip(tmp_path):
    sim = CameraSimulator([SERIAL], levels="clean", seed=9, renderer="stand-in")
    frames = list(sim.frames(3))
    video = write_video(frames, tmp_path / "v.avi", fps=5)
    cap = cv2.VideoCapture(str(video))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 3
    ok, first = cap.read()
    cap.release()
    assert ok and first.shape == (720, 1280, 3)
    paths = write_folder(frames, tmp_path / "imgs")
    assert [p.name for p in paths] == ["frame_00000.png", "frame_00001.png", "frame_00002.png"]
    assert np.array_equal(cv2.imread(str(paths[1])), frames[1].image)  # PNG is lossless


def test_simulated_camera_unplug_and_replug():
    sim = CameraSimulator([SERIAL], seed=1, renderer="stand-in", size=(320, 240))
    cam = SimulatedCamera(sim, fps=100, loop=2)
    cam.open()
    first = cam.read()
    assert first is not None and first.shape == (240, 320, 3)
    cam.unplug()
    assert cam.read() is None
    cam.close()
    with pytest.raises(CameraError, match="not connected"):
        cam.open()
    cam.replug()
    cam.open()
    assert cam.read() is not None
    silent = SimulatedCamera(sim, fps=100, stop_after=1)
    silent.open()
    assert silent.read() is not None
    assert silent.read() is None


def test_mjpeg_server_speaks_multipart_jpeg_and_can_be_killed_and_revived():
    sim = CameraSimulator([SERIAL], seed=1, renderer="stand-in", size=(320, 240))
    server = mjpeg_server(sim, fps=30, loop=1).start()
    try:
        port = server.port
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while data.count(b"--frame") < 2:
                chunk = conn.recv(65536)
                assert chunk
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"multipart/x-mixed-replace; boundary=frame" in head
        part_head, _, payload = body.partition(b"\r\n\r\n")
        assert b"Content-Type: image/jpeg" in part_head
        assert payload[:2] == b"\xff\xd8"  # JPEG SOI
        length = int(part_head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        frame = cv2.imdecode(np.frombuffer(payload[:length], np.uint8), cv2.IMREAD_COLOR)
        assert frame.shape == (240, 320, 3)
        server.kill()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        server.revive()
        assert server.port == port
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        server.kill()


def test_all_levels_are_listed():
    assert set(LEVELS) >= {
        "clean",
        "noisy",
        "blurred",
        "rotated",
        "perspective",
        "glare",
        "occluded",
        "hard",
    }
    assert isinstance(stand_in_label(SERIAL), Image.Image)
