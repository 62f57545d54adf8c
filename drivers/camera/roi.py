"""Finding where a code probably is, cheaply, so a decoder reads a crop, not the frame.

Barcodes and 2-D codes are dense, high-contrast edges. On a frame shrunk to ~320 px
wide, the gradient magnitude is smoothed, thresholded and closed into blobs; the biggest
blobs, grown by a margin and mapped back to full resolution, are the candidate regions.
It costs about a millisecond and misses labels smaller than a few dozen pixels.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

logger = logging.getLogger(__name__)

_WORK_WIDTH = 320
_MIN_AREA = 120  # in work pixels: ~40×40 px at 1280 wide


def find_regions(gray: np.ndarray, *, max_regions: int = 3) -> list[tuple[int, int, int, int]]:
    """Up to ``max_regions`` boxes ``(x, y, w, h)`` (full-frame pixels), biggest first."""
    height, width = gray.shape[:2]
    factor = min(1.0, _WORK_WIDTH / width)
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3)
    grad = cv2.addWeighted(cv2.convertScaleAbs(gx), 0.5, cv2.convertScaleAbs(gy), 0.5, 0)
    grad = cv2.blur(grad, (5, 5))
    level, _ = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Otsu on a frame with no code picks noise; a floor keeps flat frames empty.
    _, mask = cv2.threshold(grad, max(float(level), 30.0), 255, cv2.THRESH_BINARY)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    small_kernel = np.ones((3, 3), np.uint8)
    mask = cv2.erode(mask, small_kernel, iterations=2)
    mask = cv2.dilate(mask, small_kernel, iterations=3)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    blobs = [
        tuple(int(v) for v in stats[i, :4])
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= _MIN_AREA
    ]
    blobs.sort(key=lambda b: b[2] * b[3], reverse=True)
    boxes = []
    for x, y, w, h in blobs[:max_regions]:
        pad_x, pad_y = 0.15 * w + 4, 0.15 * h + 4
        x0 = max(0, int((x - pad_x) / factor))
        y0 = max(0, int((y - pad_y) / factor))
        x1 = min(width, int((x + w + pad_x) / factor))
        y1 = min(height, int((y + h + pad_y) / factor))
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes
