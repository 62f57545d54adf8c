"""Finding a real CJK font through fontconfig and checking it has every glyph we print.

``fc-match ':lang=zh'`` always answers with *some* font, even on a machine without any
Chinese font (it falls back to DejaVu), and a font that claims Chinese may still lack a
glyph such as ``★`` (Droid Sans Fallback does). So every candidate is checked against
its character map, and every label's text is checked again before it is rendered: a
missing glyph is a :class:`LabelError`, never a tofu box on a classified carrier.

``TRACKER_LABEL_FONT=/path/font.ttc[:index]`` overrides the search.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache

from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError

from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)

FONT_PACKAGES = "fonts-noto-cjk or fonts-wqy-microhei"
INSTALL_HINT = "apt-get install fonts-wqy-microhei (or fonts-noto-cjk)"

# Characters every label may print whatever the carrier: markings for every level and
# period form, captions, the reprint mark, digits and ASCII for serials and EPCs.
BASE_CHARS = frozenset(
    "绝密机秘内部★年个月长期编号份制发关收到日补打第共"
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    " -_./:#()+,'&%"
)


@dataclass(frozen=True)
class FontFile:
    """A font face on disk: file, face index inside a collection, and its coverage."""

    path: str
    index: int
    family: str
    codepoints: frozenset[int]

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` the font has no glyph for (whitespace excluded)."""
        return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in self.codepoints})

    def check(self, text: str, field: str = "text") -> None:
        """Raise :class:`LabelError` naming ``field`` if any character lacks a glyph."""
        gone = self.missing(text)
        if gone:
            chars = "".join(gone)
            raise LabelError(
                f"font {self.family} ({self.path}) has no glyph for {chars!r} in {field}; "
                f"install {FONT_PACKAGES} or set TRACKER_LABEL_FONT",
                zh=f"字体 {self.family} 缺少字符 {chars!r}（{field}）；"
                f"请安装 {FONT_PACKAGES} 或设置 TRACKER_LABEL_FONT",
            )


@lru_cache(maxsize=32)
def load_font(path: str, index: int = 0) -> FontFile:
    """Read a font face's name and character map (cached)."""
    try:
        with TTFont(path, fontNumber=index, lazy=True) as tt:
            cmap = tt.getBestCmap() or {}
            name = tt["name"].getDebugName(1) or os.path.basename(path)
    except (OSError, TTLibError) as exc:
        raise LabelError(
            f"cannot read font {path} (face {index}): {exc}",
            zh=f"无法读取字体 {path}（第 {index} 个字形）：{exc}",
        ) from exc
    return FontFile(path, index, name, frozenset(cmap))


def _fc(args: list[str]) -> list[tuple[str, int]]:
    exe = shutil.which(args[0])
    if exe is None:
        raise LabelError(
            f"{args[0]} not found: install the Debian packages fontconfig and {FONT_PACKAGES}",
            zh=f"找不到 {args[0]}：请安装 Debian 软件包 fontconfig 以及 {FONT_PACKAGES}",
        )
    try:
        out = subprocess.run(
            [exe, *args[1:]], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("%s failed: %s", args[0], exc)
        return []
    found = []
    for line in out.splitlines():
        path, _, idx = line.strip().rpartition(":")
        if path and idx.isdigit():
            found.append((path, int(idx)))
    return found


def _candidates() -> list[tuple[str, int]]:
    override = os.environ.get("TRACKER_LABEL_FONT", "").strip()
    if override:
        path, sep, idx = override.rpartition(":")
        if sep and idx.isdigit():
            return [(path, int(idx))]
        return [(override, 0)]
    seen: list[tuple[str, int]] = []
    for entry in _fc(["fc-match", "-f", "%{file}:%{index}\n", ":lang=zh"]) + _fc(
        ["fc-list", "-f", "%{file}:%{index}\n", ":lang=zh"]
    ):
        if entry not in seen:
            seen.append(entry)
    return seen


@lru_cache(maxsize=1)
def _find_cached(env_key: str) -> FontFile:
    del env_key  # only part of the cache key
    tried: list[str] = []
    for path, index in _candidates():
        try:
            font = load_font(path, index)
        except LabelError as exc:
            tried.append(f"{path}: unreadable")
            logger.info("skipping font %s: %s", path, exc)
            continue
        gone = font.missing("".join(sorted(BASE_CHARS)))
        if not gone:
            logger.info("label font: %s (%s, face %d)", font.family, path, index)
            return font
        # Non-ASCII first: a missing ★ or 密 says more than a missing '#'.
        gone.sort(key=lambda ch: (ord(ch) < 128, ch))
        tried.append(f"{font.family} lacks {''.join(gone[:12])!r}")
    detail = "; ".join(tried) if tried else "fontconfig lists no Chinese font"
    raise LabelError(
        f"no CJK font with the glyphs labels need ({detail}); install one: {INSTALL_HINT}",
        zh=f"没有可用的中文字体（{detail}）；请安装：{INSTALL_HINT}",
    )


def find_cjk_font() -> FontFile:
    """The CJK font for labels: the first fontconfig Chinese font covering every label
    character (:data:`BASE_CHARS`). Raises :class:`LabelError` naming the Debian package
    to install when there is none."""
    key = "|".join(os.environ.get(k, "") for k in ("TRACKER_LABEL_FONT", "FONTCONFIG_FILE", "PATH"))
    return _find_cached(key)


def clear_cache() -> None:
    """Forget the chosen font (after installing fonts or changing the environment)."""
    _find_cached.cache_clear()


# --- subsets ------------------------------------------------------------------------


def _subset_options() -> subset.Options:
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = [1, 2, 3, 4, 6]
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM"]
    return opts


def subset_font(font: TTFont, chars: str) -> None:
    """Cut ``font`` (in place) down to the glyphs of ``chars``: no hinting, no layout
    features, a drawn .notdef."""
    sub = subset.Subsetter(_subset_options())
    sub.populate(text=chars)
    sub.subset(font)


def subset_ttf(font: TTFont, chars: str) -> bytes:
    """Cut ``font`` (modified in place) down to the glyphs of ``chars``; TrueType bytes."""
    subset_font(font, chars)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=64)
def _working_font(path: str, index: int, extra: frozenset[str]) -> bytes:
    with TTFont(path, fontNumber=index, lazy=True) as full:
        return subset_ttf(full, "".join(sorted(BASE_CHARS | extra)))


def working_font(font: FontFile, chars: str) -> bytes:
    """A small TrueType cut from ``font``: the label alphabet plus ``chars``.

    Parsing or subsetting a full CJK font (5-20 MB) takes hundreds of milliseconds;
    renderers start from this cached cut instead. The characters beyond the label
    alphabet are usually an issuing authority's name, which repeats, so it caches well.
    """
    font.check(chars, "label text")
    extra = frozenset(ch for ch in chars if ch not in BASE_CHARS and not ch.isspace())
    return _working_font(font.path, font.index, extra)


_TMP: list[str] = []


def _cache_dir() -> str:
    if not _TMP:
        path = tempfile.mkdtemp(prefix="labels-fonts-")
        atexit.register(shutil.rmtree, path, True)
        _TMP.append(path)
    return _TMP[0]


@lru_cache(maxsize=64)
def _working_font_path(path: str, index: int, extra: frozenset[str]) -> str:
    data = _working_font(path, index, extra)
    target = os.path.join(_cache_dir(), hashlib.sha1(data).hexdigest()[:16] + ".ttf")
    with open(target, "wb") as fh:
        fh.write(data)
    return target


def working_font_path(font: FontFile, chars: str) -> str:
    """:func:`working_font` written to a private temporary ``.ttf`` (for fpdf2)."""
    font.check(chars, "label text")
    extra = frozenset(ch for ch in chars if ch not in BASE_CHARS and not ch.isspace())
    return _working_font_path(font.path, font.index, extra)
