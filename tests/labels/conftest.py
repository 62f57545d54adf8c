"""Fixtures for label tests: a carrier with a secret title, and barcode decoding."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import zxingcpp
from PIL import Image

from labels import fonts
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, Medium
from tracker.domain.period import SecrecyPeriod

SECRET_TITLE = "关于鲲鹏工程的绝密请示"


@pytest.fixture
def carrier() -> Carrier:
    """A secret carrier whose title must never reach a label."""
    return Carrier(
        serial="JM-2026-000123",
        title=SECRET_TITLE,
        medium=Medium.PAPER,
        level=Level.SECRET,
        period=SecrecyPeriod.years(10),
        classified_on=date(2026, 1, 5),
        issuing_authority="国家保密局",
        received_on=date(2026, 3, 2),
        copy_number=3,
        total_copies=5,
        epc="3414257BF400000000BC6038",
    )


@pytest.fixture(autouse=True)
def _fresh_font_choice() -> Iterator[None]:
    # Tests change the font environment; never let one test's choice leak to another.
    fonts.clear_cache()
    yield
    fonts.clear_cache()


def decode(image: Image.Image) -> dict[str, set[str]]:
    """Texts zxing-cpp reads from ``image``, by symbology name (Code128, DataMatrix)."""
    found: dict[str, set[str]] = {}
    for r in zxingcpp.read_barcodes(image.convert("L")):
        found.setdefault(r.format.name, set()).add(r.text)
    return found


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    """``image`` rotated on a white background, grown to fit."""
    return image.convert("L").rotate(degrees, expand=True, fillcolor=255)
