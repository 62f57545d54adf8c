"""The CJK font: found through fontconfig, every printed character has a glyph."""

from __future__ import annotations

from pathlib import Path

import pytest

from labels import LabelContent, render_pdf, render_png, render_zpl
from labels.content import CAPTIONS
from labels.fonts import BASE_CHARS, find_cjk_font, load_font
from tracker.domain.errors import LabelError
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.domain.period import Marking, SecrecyPeriod

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"


def _all_markings() -> set[str]:
    periods = [SecrecyPeriod.years(n) for n in range(1, 31)]
    periods += [SecrecyPeriod.months(n) for n in range(1, 12)]
    periods += [SecrecyPeriod.long_term(), SecrecyPeriod.none()]
    out = set()
    for level in Level:
        for period in periods:
            m = Marking(level, period)
            out |= {m.zh(), m.en()}
    return out


def test_chosen_font_has_every_marking_caption_and_reprint_glyph() -> None:
    font = find_cjk_font()
    printed = "".join(_all_markings())
    printed += "".join(v for lang in CAPTIONS.values() for v in lang.values())
    printed += "补打REPRINT#0123456789-/: "
    assert font.missing(printed) == []
    assert set(printed) - {" "} <= BASE_CHARS  # the base set the font is chosen for


def test_fontconfig_default_match_is_not_trusted_blindly() -> None:
    # fc-match ':lang=zh' answers DejaVu Sans on this machine, which has no Chinese;
    # the finder must still come back with a font that has the glyphs.
    font = find_cjk_font()
    assert "DejaVu" not in font.family
    assert font.missing("机密★10年补打") == []


def test_no_chinese_font_names_the_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig></fontconfig>', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    with pytest.raises(LabelError) as info:
        find_cjk_font()
    assert "fonts-wqy-microhei" in str(info.value) and "fonts-noto-cjk" in str(info.value)
    assert "apt-get install" in info.value.zh
    with pytest.raises(LabelError):
        render_png(LabelContent.sample())


def test_missing_fontconfig_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LabelError, match=r"fc-match not found.*fontconfig"):
        find_cjk_font()


def test_font_without_cjk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_LABEL_FONT", DEJAVU)
    with pytest.raises(LabelError, match="lacks"):
        find_cjk_font()


@pytest.mark.skipif(not Path(DROID).exists(), reason="fonts-droid-fallback not installed")
def test_chinese_font_lacking_the_star_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Droid Sans Fallback claims Chinese but has no ★: a marking would print a box.
    assert load_font(DROID).missing("★") == ["★"]
    monkeypatch.setenv("TRACKER_LABEL_FONT", DROID)
    with pytest.raises(LabelError, match="★"):
        find_cjk_font()


@pytest.mark.parametrize("render", [render_png, lambda c: render_pdf([c]), render_zpl])
def test_character_without_glyph_is_refused_naming_the_field(
    carrier: Carrier, render: object
) -> None:
    carrier.issuing_authority = "𠀀字办公室"  # CJK extension B: not in WenQuanYi
    content = LabelContent.from_carrier(carrier)
    with pytest.raises(LabelError) as info:
        render(content)  # type: ignore[operator]
    assert "authority" in str(info.value) and "𠀀" in str(info.value)
