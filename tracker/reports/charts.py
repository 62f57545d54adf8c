"""The monthly report's charts as PNG pictures (matplotlib, no display needed), in the
labels' CJK font: carriers by level and state, received and destroyed by level, alerts
by type, and the median time to acknowledge them."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from labels.fonts import find_cjk_font
from tracker.domain.alerts import CATALOGUE
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState
from tracker.services.registers.stats import LEVELS, Summary

DPI = 150


@lru_cache(maxsize=1)
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = find_cjk_font()
    font_manager.fontManager.addfont(font.path)
    name = font_manager.FontProperties(fname=font.path).get_name()
    plt.rcParams["font.family"] = [name]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _level(value: str, lang: str) -> str:
    lv = Level(value)
    return lv.en if lang == "en" else lv.zh


def _integers(*axes: Any, horizontal: bool = False) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    _pyplot().close(fig)
    return buf.getvalue()


def carriers_chart(s: Summary, lang: str = "zh") -> bytes:
    """Stacked bars: carriers of each level by state."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    names = [_level(lv, lang) for lv in LEVELS]
    bottom = [0] * len(LEVELS)
    for st in CarrierState:
        values = [s.carriers[lv][st.value] for lv in LEVELS]
        if any(values):
            label = st.value if lang == "en" else st.zh
            ax.bar(names, values, bottom=bottom, label=label)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(_t(lang, "载体数量（按密级和状态）", "Carriers by level and state"))
    ax.set_ylabel(_t(lang, "件", "carriers"))
    _integers(ax)
    if any(bottom):
        ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def flow_chart(s: Summary, lang: str = "zh") -> bytes:
    """Grouped bars: received and destroyed in the period, by level."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    xs = list(range(len(LEVELS)))
    ax.bar(
        [x - 0.2 for x in xs],
        [s.received[lv] for lv in LEVELS],
        0.4,
        label=_t(lang, "收文", "received"),
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [s.destroyed[lv] for lv in LEVELS],
        0.4,
        label=_t(lang, "销毁", "destroyed"),
    )
    ax.set_xticks(xs, [_level(lv, lang) for lv in LEVELS])
    ax.set_title(_t(lang, "本期收文与销毁", "Received and destroyed"))
    _integers(ax)
    ax.legend(fontsize=8)
    return _png(fig)


def alerts_chart(s: Summary, lang: str = "zh") -> bytes:
    """Horizontal bars: alerts raised by type, and the median minutes to acknowledge."""
    plt = _pyplot()
    types = sorted(s.alerts, key=lambda t: s.alerts[t])
    names = [CATALOGUE[AlertType(t)].name(lang) for t in types]
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, max(2.2, 0.4 * len(types) + 1.2)))
    left.barh(names, [s.alerts[t] for t in types], color="#c0504d")
    left.set_title(_t(lang, "告警数量", "Alerts raised"), fontsize=10)
    medians = [(s.ack[t].median_minutes or 0) if t in s.ack else 0 for t in types]
    right.barh(names, medians, color="#4f81bd")
    right.set_yticks(range(len(types)), [""] * len(types))
    right.set_title(
        _t(lang, "确认用时中位数（分钟）", "Median minutes to acknowledge"), fontsize=10
    )
    if not types:  # no bars: no axes with made-up ticks either, only the words
        for ax in (left, right):
            ax.set_xticks([])
            ax.set_yticks([])
        left.text(
            0.5, 0.5, _t(lang, "本期无告警", "no alerts"), ha="center", transform=left.transAxes
        )
    return _png(fig)


def charts(s: Summary, lang: str = "zh") -> dict[str, bytes]:
    """Every chart of the summary, by name, as PNG bytes."""
    return {
        "carriers": carriers_chart(s, lang),
        "flow": flow_chart(s, lang),
        "alerts": alerts_chart(s, lang),
    }
