"""``tracker scan`` on a video file, a folder, the simulator, and bad sources."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from simulators.camera import CameraSimulator, mjpeg_server, write_folder, write_video
from simulators.camera_labels import stand_in_label
from tracker.cli.scan import app
from tracker.domain.errors import CameraError

SERIALS = ["JM-2026-000111", "JM-2026-000222"]


@pytest.fixture(scope="module")
def frames():
    sim = CameraSimulator(SERIALS, levels=["clean", "perspective"], seed=8, renderer="stand-in")
    return list(sim.frames(4))


def _json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_scan_video_prints_one_json_object_per_distinct_code(tmp_path, frames):
    path = write_video(frames, tmp_path / "door.avi")
    result = CliRunner().invoke(app, ["--source", str(path), "--json"])
    assert result.exit_code == 0, result.output
    objects = _json_lines(result.output)
    assert {o["text"] for o in objects} == set(SERIALS)
    assert all(set(o) == {"format", "text"} for o in objects)
    assert all(o["format"] in ("Code128", "DataMatrix", "QR") for o in objects)
    assert len(objects) == len({(o["format"], o["text"]) for o in objects})


def test_scan_image_with_full_search_reports_both_codes_of_a_label(tmp_path):
    stand_in_label(SERIALS[0]).save(tmp_path / "label.png")
    result = CliRunner().invoke(app, ["--source", str(tmp_path), "--json", "--full"])
    assert result.exit_code == 0, result.output
    assert {(o["format"], o["text"]) for o in _json_lines(result.output)} == {
        ("DataMatrix", SERIALS[0]),
        ("Code128", SERIALS[0]),
    }


def test_scan_with_zbar_plain_text(tmp_path, frames):
    write_folder(frames[:1], tmp_path)
    result = CliRunner().invoke(app, ["--source", str(tmp_path), "--decoder", "zbar"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Code128\t{SERIALS[0]}"


def test_scan_stream_and_simulator_stop_after_max_frames():
    sim = CameraSimulator(SERIALS[:1], levels="rotated", seed=1, renderer="stand-in")
    with mjpeg_server(sim, fps=20, loop=1) as server:
        result = CliRunner().invoke(app, ["-s", server.url, "--json", "--max-frames", "3"])
    assert result.exit_code == 0, result.output
    assert _json_lines(result.output) == [{"format": "DataMatrix", "text": SERIALS[0]}]
    result = CliRunner().invoke(app, ["-s", "sim:clean", "--json", "--max-frames", "2"])
    assert result.exit_code == 0, result.output
    assert _json_lines(result.output)[0]["text"] == "JM-2026-000123"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "/nonexistent/door.avi"], "no such file"),
        (["--source", "/dev/video99"], "cannot open"),
        (["--source", "http://127.0.0.1:9/stream.mjpg"], "cannot open stream"),
        (["--source", "sim:sideways"], "unknown simulator level"),
        (["--source", "sim:clean", "--decoder", "opencv"], "unknown decoder"),
    ],
)
def test_bad_sources_are_clear_camera_errors(args, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert isinstance(result.exception, CameraError)
    assert message in str(result.exception)
    assert result.exception.zh  # the Chinese text the CLI shows by default
