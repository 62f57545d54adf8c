"""The simulators' command language and scene files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from simulators.m100 import M100Simulator
from simulators.rdm6300 import Rdm6300Simulator
from simulators.scene import Command, SceneRunner, apply, load_scene, parse_command
from tracker.domain.errors import ConfigError, InvalidInput

EPC = "30751FEB705C5904E3D50D70"


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (f"tag add {EPC}", Command("tag add", (EPC,))),
        (f"tag add {EPC} -61", Command("tag add", (EPC, "-61"))),
        (f"  TAG remove {EPC} ", Command("tag remove", (EPC,))),
        (f"pass {EPC} 1.5", Command("pass", (EPC, "1.5"))),
        ("badge 0100073EA7 2", Command("badge", ("0100073EA7", "2"))),
        ("unplug 0.5", Command("unplug", ("0.5",))),
        ("noise 20", Command("noise", ("20",))),
        ("quit", Command("quit")),
    ],
)
def test_commands_parse(line: str, command: Command) -> None:
    assert parse_command(line) == command


@pytest.mark.parametrize(
    "line",
    [
        "",
        "dance",
        "tag",
        "tag add",
        "tag add XYZ",
        f"pass {EPC}",
        f"pass {EPC} soon",
        "badge 0100073EA 1",
        "unplug -1",
        "quit now",
        f"tag add {EPC} loud",
    ],
)
def test_bad_commands_say_what_is_wrong(line: str) -> None:
    with pytest.raises(InvalidInput):
        parse_command(line)


def test_commands_that_do_not_fit_the_simulator(tmp_path: Path) -> None:
    sim = Rdm6300Simulator(tmp_path / "badge")
    with pytest.raises(InvalidInput, match="does not apply"):
        apply(sim, parse_command(f"tag add {EPC}"))
    m100 = M100Simulator(tmp_path / "m100")
    with pytest.raises(InvalidInput, match="does not apply"):
        apply(m100, parse_command("badge 0100073EA7 1"))
    assert apply(m100, parse_command("quit")) is True


def test_toml_and_json_scenes_load_in_time_order(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text(
        f'[[step]]\nat = 2\ndo = "quit"\n\n[[step]]\nat = 0.5\ndo = "pass {EPC} 1"\n',
        encoding="utf-8",
    )
    js = tmp_path / "s.json"
    js.write_text(
        json.dumps({"steps": [{"at": 0.5, "do": f"pass {EPC} 1"}, {"at": 2, "do": "quit"}]})
    )
    assert load_scene(toml) == load_scene(js)
    assert [s.at for s in load_scene(toml)] == [0.5, 2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[step]]\nat = 1\n", "step 1: needs 'at' and 'do'"),
        ('[[step]]\nat = 1\ndo = "fly"\n', "step 1"),
        ("not toml [", "s.toml"),
    ],
)
def test_scene_errors_name_file_and_step(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_scene(path)


def test_scene_runner_drives_a_simulator(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        f'[[step]]\nat = 0\ndo = "tag add {EPC}"\n'
        f'[[step]]\nat = 0.3\ndo = "tag remove {EPC}"\n'
        '[[step]]\nat = 0.4\ndo = "quit"\n'
        '[[step]]\nat = 9\ndo = "noise 1"\n',
        encoding="utf-8",
    )
    sim = M100Simulator(tmp_path / "m100")
    seen: list[list[str]] = []
    runner = SceneRunner(
        sim, load_scene(path), on_step=lambda s: seen.append(sim.tags_in_field(time.monotonic()))
    )
    runner.start()
    assert runner.done.wait(5)
    assert runner.quit_requested.is_set()
    assert seen == [[EPC], []]


SCENES = sorted((Path(__file__).resolve().parents[2] / "simulators" / "scenes").glob("*.toml"))


@pytest.mark.parametrize("path", SCENES, ids=[p.name for p in SCENES])
def test_shipped_scenes_load_and_fit_their_simulator(path: Path, tmp_path: Path) -> None:
    steps = load_scene(path)
    assert steps
    sim = (
        M100Simulator(tmp_path / "m")
        if path.name.startswith("m100")
        else Rdm6300Simulator(tmp_path / "b")
    )
    for step in steps:  # not started: commands only change state or queue work
        assert apply(sim, step.command) is False
