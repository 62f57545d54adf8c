"""Fixtures for the camera tests: simulated frames, rendered once per session."""

from __future__ import annotations

import functools

import pytest

from simulators.camera import CameraSimulator, SimFrame

SERIAL = "JM-2026-000123"


@functools.cache
def sim_frames(level: str, count: int, seed: int = 11) -> tuple[SimFrame, ...]:
    """``count`` 1280×720 frames of ``level`` showing the project's real label (the
    stand-in until ``labels.render_png`` exists)."""
    sim = CameraSimulator([SERIAL], levels=level, seed=seed)
    return tuple(sim.frames(count))


@pytest.fixture
def frames_of():
    """``frames_of(level, count)`` → cached simulated frames."""
    return sim_frames
