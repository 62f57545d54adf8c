"""The alarm patterns on a real relay board: the gateway's AlarmController driving the
LCUS driver, whose commands reach the module simulator on a real pty. The controller is
told the time (``tick(now)``), so the patterns are checked step by step, not by sleeping:
a steady light, a flashing one, the buzzer for its seconds, off after ``off_after`` or
when every alarm that sounded it is silenced (its alert acknowledged)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.relay import LcusRelay
from drivers.transport import Backoff
from simulators.relay import LcusSimulator
from tracker.config import DoorAlarm
from tracker.gateway.alarm import AlarmController

LIGHT, BUZZER = 1, 2
DOOR = "door-exit"

pytestmark = pytest.mark.timeout(60)


def wait_for(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


class Board:
    """An LCUS module simulator and the real driver writing to it."""

    def __init__(self, folder: Path) -> None:
        self.sim = LcusSimulator(folder / "usb-lcus").start()
        self.driver = LcusRelay("relay-exit", self.sim.url, 2, backoff=Backoff(0.05, 0.2))
        self.driver.start()
        assert self.driver.wait_connected(5)

    def settles(self, want: dict[int, bool]) -> bool:
        """The module's relays reach ``want``."""
        return wait_for(lambda: self.sim.state() == want)

    def close(self) -> None:
        self.driver.close()
        self.sim.stop()


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    b = Board(tmp_path)
    yield b
    b.close()


def controller(board: Board, **kw: object) -> AlarmController:
    alarm = DoorAlarm(DOOR, "relay-exit", (LIGHT,), BUZZER, **kw)  # type: ignore[arg-type]
    return AlarmController([alarm], {"relay-exit": board.driver})


def test_steady_light_with_the_buzzer_for_its_seconds_then_off_after_its_time(
    board: Board,
) -> None:
    c = controller(board, pattern="steady", buzzer_seconds=2.0, off_after=5.0)
    t0 = 1000.0
    assert c.sound(DOOR, "a1", t0)
    assert board.settles({LIGHT: True, BUZZER: True})
    c.tick(t0 + 1.0)
    assert board.settles({LIGHT: True, BUZZER: True})
    c.tick(t0 + 2.0)  # the buzzer's two seconds are over; the light stays
    assert board.settles({LIGHT: True, BUZZER: False})
    c.tick(t0 + 4.9)
    assert c.sounding(DOOR)
    c.tick(t0 + 5.0)  # off by itself
    assert board.settles({LIGHT: False, BUZZER: False})
    assert not c.sounding(DOOR)
    assert [(h[1], h[2], h[3]) for h in c.history] == [
        (DOOR, "on", "a1"),
        (DOOR, "off", "timed out"),
    ]
    # Every command the module received was a state change, in order.
    assert [(x.relay, x.on) for x in board.sim.log.commands] == [
        (LIGHT, True),
        (BUZZER, True),
        (BUZZER, False),
        (LIGHT, False),
        (BUZZER, False),
    ]


def test_flashing_light_turns_on_and_off_every_flash_period(board: Board) -> None:
    c = controller(board, pattern="flashing", flash_seconds=0.5, buzzer_seconds=0, off_after=0)
    t0 = 50.0
    c.sound(DOOR, "a1", t0)
    assert board.settles({LIGHT: True, BUZZER: True})
    seen = []
    for step in range(1, 7):
        c.tick(t0 + 0.5 * step)
        want = step % 2 == 0
        assert board.settles({LIGHT: want, BUZZER: True})  # buzzer 0 s: as long as the light
        seen.append(want)
    assert seen == [False, True, False, True, False, True]
    c.tick(t0 + 3600)  # off_after 0: never by itself
    assert c.sounding(DOOR)


def test_off_only_when_every_alarm_that_sounded_it_is_silenced(board: Board) -> None:
    c = controller(board, pattern="steady", buzzer_seconds=0, off_after=0)
    c.sound(DOOR, "a1", 10.0)
    c.sound(DOOR, "a2", 11.0)  # a second carrier while it sounds: no second "on"
    assert board.settles({LIGHT: True, BUZZER: True})
    assert not c.silence(DOOR, ["a1"], "acknowledged")  # a2's alert is still open
    assert c.sounding(DOOR)
    assert c.silence(DOOR, ["a2"], "acknowledged")
    assert board.settles({LIGHT: False, BUZZER: False})
    assert not c.silence(DOOR, ["a2"], "acknowledged")  # already off: nothing to do
    assert [x.on for x in board.sim.log.commands] == [True, True, False, False]


def test_a_door_without_an_alarm_does_not_sound(board: Board) -> None:
    c = controller(board)
    assert not c.sound("door-secure", "a1", 0.0)
    time.sleep(0.1)
    assert board.sim.log.commands == []
