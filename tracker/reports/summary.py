"""The statistics summary as a PDF report (the monthly report to the secrecy
officer), and the summary with its charts for the web console's 登记簿 page."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from labels.fonts import find_cjk_font
from tracker.domain.alerts import CATALOGUE
from tracker.domain.levels import Level
from tracker.domain.model import AlertType, CarrierState
from tracker.reports.charts import charts
from tracker.services.base import Services
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.stats import LEVELS, Summary, read_summary

FAMILY = "report-cjk"


@dataclass(frozen=True)
class SummaryView:
    """What the console shows: the figures and the charts (name -> PNG bytes)."""

    summary: Summary
    charts: dict[str, bytes]


def console_summary(
    svc: Services, actor: str, query: RegisterQuery, lang: str = "zh"
) -> SummaryView:
    """The statistics for ``query`` and their charts, as ``actor`` may read them (for
    the console's 登记簿 page; the same figures and pictures as the PDF report)."""
    s = read_summary(svc, actor, query)
    return SummaryView(s, charts_of(s, lang))


class _Report(FPDF):
    def __init__(self, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        font = find_cjk_font()
        self.add_font(FAMILY, "", font.path, collection_font_number=font.index)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, 15)
        self.alias_nb_pages()
        self.set_creator("carrier-tracker")

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, size=8)
        text = self.t("第 {} 页　共 {{nb}} 页", "Page {} of {{nb}}").format(self.page_no())
        self.cell(0, 5, text, align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FAMILY, size=12)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, size=9)

    def grid(self, rows: list[list[str]], widths: list[float]) -> None:
        for i, r in enumerate(rows):
            self.set_fill_color(225)
            for text, w in zip(r, widths, strict=True):
                self.cell(w, 6.5, text, border=1, align="C", fill=i == 0)
            self.ln(6.5)


def _level(lv: str, lang: str) -> str:
    return Level(lv).en if lang == "en" else Level(lv).zh


def summary_pdf(s: Summary, lang: str = "zh") -> bytes:
    """The summary as a PDF report with its charts."""
    pdf = _Report(lang)
    t = pdf.t
    pdf.add_page()
    pdf.set_font(FAMILY, size=16)
    period = (
        f"{s.start:%Y-%m-%d} – {s.end:%Y-%m-%d}"
        if lang == "en"
        else (f"{s.start:%Y年%m月%d日} 至 {s.end:%Y年%m月%d日}")
    )
    pdf.cell(
        0,
        10,
        f"{s.unit}　" + t("涉密载体管理统计报告", "custody statistics"),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FAMILY, size=9)
    pdf.cell(
        0,
        6,
        t("统计期间：", "Period: ")
        + period
        + "　"
        + t("生成时间：", "made ")
        + f"{s.made_at:%Y-%m-%d %H:%M}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    states = [st for st in CarrierState if any(s.carriers[lv][st.value] for lv in LEVELS)]
    pdf.heading(
        t("一、载体数量（按密级和状态，截至生成时）", "1. Carriers by level and state (now)")
    )
    head = (
        [t("密级", "Level")]
        + [st.value if lang == "en" else st.zh for st in states]
        + [t("合计", "Total")]
    )
    body = [
        [_level(lv, lang)]
        + [str(s.carriers[lv][st.value]) for st in states]
        + [str(sum(s.carriers[lv].values()))]
        for lv in LEVELS
    ]
    w = 180 / len(head)
    pdf.grid([head, *body], [w] * len(head))
    pdf.image(io.BytesIO(charts_of(s, lang)["carriers"]), w=150, x=30)

    pdf.heading(t("二、本期收文、销毁与借阅", "2. Received, destroyed, borrowed"))
    rows = [[t("密级", "Level"), t("收文", "Received"), t("销毁", "Destroyed")]] + [
        [_level(lv, lang), str(s.received[lv]), str(s.destroyed[lv])] for lv in LEVELS
    ]
    pdf.grid(rows, [60, 60, 60])
    rate = "—" if s.overdue_rate is None else f"{s.overdue_rate:.1%}"
    pdf.ln(2)
    pdf.multi_cell(
        0,
        6,
        t(
            f"本期借阅 {s.borrows} 次；本期到期 {s.borrows_due} 次，其中超期归还或未还 "
            f"{s.borrows_late} 次，超期率 {rate}。",
            f"{s.borrows} borrow(s); {s.borrows_due} due in the period, {s.borrows_late} "
            f"returned late or not yet: overdue rate {rate}.",
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.image(io.BytesIO(charts_of(s, lang)["flow"]), w=150, x=30)

    pdf.heading(t("三、告警（按类型）及确认用时", "3. Alerts by type and time to acknowledge"))
    head = [
        t("告警类型", "Type"),
        t("数量", "Raised"),
        t("已确认", "Acknowledged"),
        t("未确认", "Not yet"),
        t("中位数（分）", "Median (min)"),
        t("最长（分）", "Max (min)"),
    ]
    body = []
    for typ, n in sorted(s.alerts.items(), key=lambda kv: -kv[1]):
        a = s.ack.get(typ)
        body.append(
            [
                CATALOGUE[AlertType(typ)].name(lang),
                str(n),
                str(a.acknowledged if a else 0),
                str(a.unacknowledged if a else n),
                "—" if not a or a.median_minutes is None else f"{a.median_minutes:g}",
                "—" if not a or a.max_minutes is None else f"{a.max_minutes:g}",
            ]
        )
    if not body:
        body.append([t("本期无告警", "none"), "0", "0", "0", "—", "—"])
    pdf.grid([head, *body], [50, 22, 27, 27, 27, 27])
    pdf.image(io.BytesIO(charts_of(s, lang)["alerts"]), w=160, x=25)
    pdf.ln(6)
    pdf.cell(
        0,
        6,
        t(
            "保密干部（签字）：____________　　日期：____年__月__日",
            "Secrecy officer: ____________    Date: ________",
        ),
    )
    return bytes(pdf.output())


_CACHE: dict[tuple[str, str], dict[str, bytes]] = {}


def charts_of(s: Summary, lang: str) -> dict[str, bytes]:
    """The charts of ``s`` (made once per figures and language: a page shown again, or
    the PDF after the page, draws nothing new)."""
    key = (replace(s, made_at=datetime.min).to_json(), lang)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = charts(s, lang)
    return _CACHE[key]
