"""Scene rendering for the camera simulator: a label filmed on a desk, deterministically.

A frame is a procedural background (desk, wood or clutter) with a label warped onto it
(scale, rotation, perspective), then what a cheap camera does to it: uneven light, a
glare blob, gaussian or motion blur, sensor noise, and sometimes a thumb over the label.
Every random choice comes from the numpy ``Generator`` passed in, so a seed gives the
same frame on every machine.

Difficulty levels name parameter ranges (:data:`LEVELS`); :func:`sample_scene` draws one
:class:`Scene` from a level and :func:`render_scene` paints it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

logger = logging.getLogger(__name__)

FRAME_SIZE = (1280, 720)  # width, height

#: Difficulty levels. "whole and in focus" frames are clean, noisy, rotated, perspective
#: and glare; blurred and occluded frames are meant to fail sometimes; hard stacks all.
LEVELS = (
    "clean",
    "noisy",
    "blurred",
    "rotated",
    "perspective",
    "glare",
    "occluded",
    "hard",
    "empty",
)

# Above this much blur the label is "out of focus" for the purpose of the benchmark.
_FOCUS_SIGMA = 1.2
_FOCUS_MOTION = 5


@dataclass(frozen=True)
class Scene:
    """Everything that decides one frame (besides the label image itself)."""

    level: str
    background: str  # desk | wood | clutter
    label_width: float  # pixels the label spans in the frame
    angle: float  # degrees, in the image plane, counter-clockwise
    center: tuple[float, float]
    tilt: tuple[float, float]  # degrees the label is tilted about its x and y axes
    light: float  # darkest corner factor of the uneven lighting (1 = even)
    glare: tuple[float, float, float, float] | None  # x, y, radius, strength
    blur_sigma: float
    motion: tuple[int, float] | None  # length px, angle deg
    noise_sigma: float
    occlusion: float  # share of the label width covered by a thumb (0 = none)
    show_label: bool = True

    @property
    def in_focus(self) -> bool:
        """The label is sharp enough that a decoder should read it."""
        motion_len = self.motion[0] if self.motion else 0
        return self.blur_sigma <= _FOCUS_SIGMA and motion_len <= _FOCUS_MOTION


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _signed(rng: np.random.Generator, lo: float, hi: float) -> float:
    return _u(rng, lo, hi) * (1 if rng.random() < 0.5 else -1)


def sample_scene(
    level: str,
    rng: np.random.Generator,
    frame_size: tuple[int, int] = FRAME_SIZE,
    *,
    aspect: float = 0.5,
) -> Scene:
    """Draw the parameters of one frame of difficulty ``level`` from ``rng``.

    ``aspect`` is the label's height / width (0.5 for a 60 × 30 mm label).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown difficulty level {level!r}; choose one of {LEVELS}")
    width, height = frame_size
    background = str(rng.choice(["desk", "wood", "clutter"]))
    label_width = _u(rng, 360, 620)
    angle = _signed(rng, 0, 5)
    tilt = (_signed(rng, 0, 8), _signed(rng, 0, 8))
    light = _u(rng, 0.8, 1.0)
    glare: tuple[float, float, float, float] | None = None
    blur_sigma = _u(rng, 0.0, 0.6)
    motion: tuple[int, float] | None = None
    noise_sigma = _u(rng, 1.0, 3.0)
    occlusion = 0.0

    if level == "noisy":
        noise_sigma = _u(rng, 8.0, 18.0)
        light = _u(rng, 0.55, 0.9)
    elif level == "blurred":
        if rng.random() < 0.5:
            blur_sigma = _u(rng, 1.6, 3.2)
        else:
            motion = (int(rng.integers(7, 16)), _u(rng, 0, 180))
    elif level == "rotated":
        angle = _signed(rng, 15, 45) if rng.random() < 0.8 else _u(rng, -180, 180)
    elif level == "perspective":
        angle = _signed(rng, 0, 20)
        tilt = (_signed(rng, 15, 40), _signed(rng, 0, 35))
        if rng.random() < 0.5:
            tilt = (tilt[1], tilt[0])
    elif level == "glare":
        light = _u(rng, 0.6, 0.95)
        glare = (0.0, 0.0, _u(rng, 50, 130), _u(rng, 90, 170))  # placed on the label below
    elif level == "occluded":
        occlusion = _u(rng, 0.2, 0.45)
    elif level == "hard":
        label_width = _u(rng, 300, 480)
        angle = _u(rng, -180, 180)
        tilt = (_signed(rng, 0, 30), _signed(rng, 0, 30))
        light = _u(rng, 0.5, 0.8)
        glare = (0.0, 0.0, _u(rng, 40, 100), _u(rng, 60, 130))
        blur_sigma = _u(rng, 0.6, 1.2)
        noise_sigma = _u(rng, 6.0, 12.0)

    # Keep the whole label in the frame: shrink it until its rotated box fits, then
    # place the centre so the box (plus room for the perspective jitter) stays inside.
    cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    # Tilt foreshortens one side and enlarges the near one by at most ~25 %.
    slack = 1.25 if max(abs(t) for t in tilt) > 10 else 1.05
    half_x = 0.5 * label_width * (cos + aspect * sin) * slack + 8
    half_y = 0.5 * label_width * (sin + aspect * cos) * slack + 8
    shrink = min(1.0, (width / 2 - 1) / half_x, (height / 2 - 1) / half_y)
    label_width *= shrink
    half_x, half_y = half_x * shrink, half_y * shrink
    center = (_u(rng, half_x, width - half_x), _u(rng, half_y, height - half_y))
    if glare is not None:
        gx = center[0] + _signed(rng, 0, label_width * 0.35)
        gy = center[1] + _signed(rng, 0, label_width * 0.15)
        glare = (gx, gy, glare[2], glare[3])
    return Scene(
        level=level,
        background=background,
        label_width=label_width,
        angle=angle,
        center=center,
        tilt=tilt,
        light=light,
        glare=glare,
        blur_sigma=blur_sigma,
        motion=motion,
        noise_sigma=noise_sigma,
        occlusion=occlusion,
        show_label=level != "empty",
    )


# --- backgrounds -------------------------------------------------------------------


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian luminance noise for an image of ``shape``, shared by the colour channels.

    Decoders see grey frames, so per-channel noise would only triple the cost of the
    draw without changing what is measured.
    """
    noise = rng.standard_normal(shape[:2], dtype=np.float32)
    noise *= sigma
    return noise[..., None] if len(shape) == 3 else noise


def _smooth_noise(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1]: a small random grid upsampled smoothly."""
    width, height = size
    grid = rng.random((max(2, cells * height // width), cells)).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


def background(kind: str, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A BGR float32 background of ``kind`` (desk, wood, clutter) in 0..255."""
    width, height = size
    if kind == "wood":
        base = np.array([40, 90, 150], np.float32) * _u(rng, 0.7, 1.1)
        xs = np.arange(width, dtype=np.float32)[None, :]
        ys = np.arange(height, dtype=np.float32)[:, None]
        warp = _smooth_noise(rng, size, 6) * _u(rng, 20, 60)
        freq = _u(rng, 0.04, 0.09)
        grain = 0.5 + 0.5 * np.sin((ys + warp + 0.05 * xs) * freq)
        shade = 0.75 + 0.25 * grain
        img = base[None, None, :] * shade[..., None]
    elif kind == "clutter":
        tone = _u(rng, 90, 170)
        img = np.full((height, width, 3), tone, np.float32)
        img *= (0.85 + 0.3 * _smooth_noise(rng, size, 5))[..., None]
        for _ in range(int(rng.integers(6, 14))):
            colour = tuple(float(c) for c in rng.uniform(20, 235, 3))
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            if rng.random() < 0.5:
                w, h = int(rng.integers(30, 300)), int(rng.integers(10, 200))
                cv2.rectangle(img, (x, y), (x + w, y + h), colour, -1)
            else:
                x2, y2 = int(rng.integers(0, width)), int(rng.integers(0, height))
                cv2.line(img, (x, y), (x2, y2), colour, int(rng.integers(1, 6)))
        # Printed-text-like stripes: the kind of texture that fools barcode localisers.
        for _ in range(int(rng.integers(2, 6))):
            x, y = int(rng.integers(0, width - 200)), int(rng.integers(0, height - 60))
            for k in range(int(rng.integers(3, 8))):
                length = int(rng.integers(60, 200))
                cv2.line(img, (x, y + 9 * k), (x + length, y + 9 * k), (40, 40, 40), 2)
    else:  # desk
        base = rng.uniform(120, 200, 3).astype(np.float32)
        img = base[None, None, :] * (0.85 + 0.3 * _smooth_noise(rng, size, 4))[..., None]
    img += _noise(rng, img.shape, 3.0)
    return np.asarray(img, dtype=np.float32)


# --- rendering -----------------------------------------------------------------------


def label_quad(scene: Scene, label_shape: tuple[int, int]) -> np.ndarray:
    """Where the label's corners land in the frame (4×2, clockwise from top-left).

    The label is a flat card tilted in 3-D and seen through a pinhole camera (focal
    length ~1000 px, as on a 720p webcam), so the perspective is physically possible.
    """
    lh, lw = label_shape
    w = scene.label_width
    h = w * lh / lw
    corners = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]
    )
    tx, ty, rz = (math.radians(a) for a in (*scene.tilt, -scene.angle))
    rot_x = np.array([[1, 0, 0], [0, math.cos(tx), -math.sin(tx)], [0, math.sin(tx), math.cos(tx)]])
    rot_y = np.array([[math.cos(ty), 0, math.sin(ty)], [0, 1, 0], [-math.sin(ty), 0, math.cos(ty)]])
    rot_z = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    focal = 1000.0
    points = corners @ (rot_z @ rot_y @ rot_x).T + np.array([0.0, 0.0, focal])
    quad = focal * points[:, :2] / points[:, 2:3] + np.array(scene.center)
    return np.asarray(quad, dtype=np.float32)


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    rotated = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), dtype=np.float32)
    return rotated / max(float(rotated.sum()), 1e-6)


def render_scene(
    scene: Scene,
    label: np.ndarray,
    rng: np.random.Generator,
    frame_size: tuple[int, int] = FRAME_SIZE,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Paint ``scene`` with ``label`` (grey or BGR uint8) and return (BGR frame, quad)."""
    width, height = frame_size
    img = background(scene.background, rng, frame_size)
    quad: np.ndarray | None = None
    if scene.show_label:
        lab = label if label.ndim == 3 else cv2.cvtColor(label, cv2.COLOR_GRAY2BGR)
        paper = np.array([1.0, 0.98, 0.96], np.float32) * _u(rng, 0.92, 1.0)
        lab = lab.astype(np.float32) * paper
        quad = label_quad(scene, lab.shape[:2])
        lh, lw = lab.shape[:2]
        src = np.array([[0, 0], [lw, 0], [lw, lh], [0, lh]], np.float32)
        matrix = cv2.getPerspectiveTransform(src, quad)
        warped = cv2.warpPerspective(lab, matrix, frame_size, flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(
            np.ones((lh, lw), np.float32), matrix, frame_size, flags=cv2.INTER_LINEAR
        )[..., None]
        img = img * (1 - mask) + warped * mask
        if scene.occlusion > 0:
            _thumb(img, quad, scene.occlusion, rng)

    # Uneven light: a ramp across the frame in a random direction (built by broadcasting
    # two 1-D axes, which is much cheaper than a full coordinate grid).
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    theta = _u(rng, 0, 2 * math.pi)
    ramp = (xs * math.cos(theta) + ys * math.sin(theta)) / math.hypot(width, height)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    img *= (scene.light + (1 - scene.light) * ramp)[..., None]

    if scene.glare is not None:
        gx, gy, radius, strength = scene.glare
        # A round gaussian is separable: the outer product of two 1-D gaussians.
        blob = np.exp(-((xs - gx) ** 2) / (2 * radius**2)) * np.exp(
            -((ys - gy) ** 2) / (2 * radius**2)
        )
        img += (strength * blob)[..., None]

    if scene.blur_sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), scene.blur_sigma)
    if scene.motion is not None:
        img = cv2.filter2D(img, -1, _motion_kernel(*scene.motion))
    img += _noise(rng, img.shape, scene.noise_sigma)
    return np.clip(img, 0, 255).astype(np.uint8), quad


def _thumb(img: np.ndarray, quad: np.ndarray, share: float, rng: np.random.Generator) -> None:
    """Cover ``share`` of the label, from one short edge, with a skin-coloured thumb."""
    left = rng.random() < 0.5
    a, b = (quad[0], quad[3]) if left else (quad[1], quad[2])
    c, d = (quad[1], quad[2]) if left else (quad[0], quad[3])
    edge_mid = (a + b) / 2
    inward = ((c + d) / 2 - edge_mid) * share
    centre = edge_mid + inward / 2
    axes = (int(np.linalg.norm(inward) / 2 + 15), int(np.linalg.norm(b - a) * 0.45))
    angle = math.degrees(math.atan2(float(inward[1]), float(inward[0])))
    skin = tuple(float(c) for c in rng.uniform([90, 120, 170], [130, 160, 220]))
    cv2.ellipse(img, (int(centre[0]), int(centre[1])), axes, angle, 0, 360, skin, -1)
