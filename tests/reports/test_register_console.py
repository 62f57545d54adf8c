"""The console's 登记簿 page over HTTP: every register with a download per format, the
period's statistics with the monthly report's charts as pictures; downloads through the
same checked, recorded export as the API; need-to-know; bad input answered with a page."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from PIL import Image

from tests.api.conftest import app, settings
from tests.console.conftest import browser
from tests.db import only_sqlite
from tests.reports.conftest import Office
from tracker.domain.adminlog import AdminAction
from tracker.domain.ledger import EntryFilter
from tracker.services.registers import KINDS
from tracker.services.registers.base import RESTRICTED_ZH

__all__ = ["app", "browser", "settings"]

pytestmark = only_sqlite  # the HTTP layer is the same on both databases

NOVEMBER = "from=2026-11-01&to=2026-11-30"
TITLES_ALL = ("关于甲项目的请示", "乙单位人事安排", "丙工程绝密方案", "过期的丁通知")


def _links(html: str) -> dict[str, list[str]]:
    """Download links by register kind, as the page lists them."""
    out: dict[str, list[str]] = {}
    for kind, cell in re.findall(r'<tr data-kind="([^"]+)">(.*?)</tr>', html, re.S):
        out[kind] = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', cell)]
    return out


def test_every_register_with_a_download_per_format_and_the_charts(
    office: Office, browser: Any
) -> None:
    carol = browser("carol")
    menu = carol.get("/console/").text
    assert 'href="/console/registers"' in menu and "登记簿" in menu
    page = carol.get(f"/console/registers?{NOVEMBER}")
    assert page.status_code == 200, page.text
    links = _links(page.text)
    assert list(links) == [*KINDS, "summary"]
    for kind in KINDS:
        assert links[kind] == [
            f"/console/registers/{kind}.{fmt}?{NOVEMBER}" for fmt in ("pdf", "xlsx", "csv")
        ]
    assert links["summary"] == [f"/console/registers/summary.pdf?{NOVEMBER}"]
    # the statistics: 4 received, 1 destroyed, 2 borrows of which 1 due and late
    for stat, value in (("received", "4"), ("destroyed", "1"), ("borrows", "2")):
        assert re.search(rf'id="stat-{stat}">{value}<', page.text), stat
    assert re.search(r'id="stat-overdue">100.0%<', page.text)
    charts = dict(re.findall(r'id="chart-(\w+)" src="data:image/png;base64,([^"]+)"', page.text))
    assert sorted(charts) == ["alerts", "carriers", "flow"]
    for data in charts.values():
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            assert im.format == "PNG" and im.width > 600 and im.height > 250
            assert im.convert("L").getextrema()[0] < 100  # something drawn


def test_a_download_is_the_checked_recorded_export(office: Office, browser: Any) -> None:
    carol = browser("carol")
    links = _links(carol.get(f"/console/registers?{NOVEMBER}").text)
    csv = carol.get(links["borrows"][2])
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == (
        'attachment; filename="borrows_20261101-20261130.csv"'
    )
    assert csv.headers["cache-control"] == "no-store"
    text = csv.content.decode("utf-8-sig")
    assert text.count(office.a.serial) == 2 and "关于甲项目的请示" in text
    assert carol.get(links["inventories"][1]).content[:2] == b"PK"
    pdf = carol.get(links["summary"][0])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with office.svc.read() as uow:
        found = uow.admin_log.find(EntryFilter(actions=frozenset({AdminAction.EXPORT.value})))
    got = sorted((e.actor, e.data["export"], e.data["format"]) for e in found)
    assert got == [
        ("carol", "register:borrows", "csv"),
        ("carol", "register:inventories", "xlsx"),
        ("carol", "register:summary", "pdf"),
    ]


def test_filters_and_need_to_know_in_a_download(office: Office, browser: Any) -> None:
    ann = browser("ann")  # an approver in none of the carriers' scopes
    page = ann.get(f"/console/registers?{NOVEMBER}&room=office-a&level=confidential")
    assert page.status_code == 200
    (href,) = [h for h in _links(page.text)["receipts"] if ".csv" in h]
    assert "room=office-a" in href and "level=confidential" in href
    text = ann.get(href).content.decode("utf-8-sig")
    rows = text.splitlines()[1:]
    assert len(rows) == 1 and office.b.serial in rows[0]  # the filter holds
    assert RESTRICTED_ZH in rows[0] and not any(t in text for t in TITLES_ALL)


def test_staff_may_not_open_the_page_nor_download(office: Office, browser: Any) -> None:
    bob = browser("bob")
    assert 'href="/console/registers"' not in bob.get("/console/").text
    assert bob.get("/console/registers").status_code == 403
    r = bob.get(f"/console/registers/borrows.csv?{NOVEMBER}")
    assert r.status_code == 403 and office.a.serial not in r.text


def test_bad_input_is_answered_with_a_page(office: Office, browser: Any) -> None:
    carol = browser("carol")
    page = carol.get("/console/registers?from=2026-11-31&to=2026-11-30")
    assert page.status_code == 422
    assert re.search(r'id="from-error">[^<]*不是日期', page.text)
    assert _links(page.text)["borrows"] == []  # no download for a period that is not one
    page = carol.get("/console/registers?from=2026-11-30&to=2026-11-01")
    assert page.status_code == 422 and "早于起始日期" in page.text
    for path, status in (
        (f"/console/registers/loans.csv?{NOVEMBER}", 422),
        (f"/console/registers/borrows.doc?{NOVEMBER}", 422),
        (f"/console/registers/summary.csv?{NOVEMBER}", 422),
        ("/console/registers/borrows.csv?from=x&to=2026-11-30", 422),
        (f"/console/registers/borrows.csv?{NOVEMBER}&room=moon", 422),
    ):
        r = carol.get(path)
        assert r.status_code == status, (path, r.status_code)
        assert "Traceback" not in r.text and "<html" in r.text


def test_without_a_period_the_page_shows_last_month(office: Office, browser: Any) -> None:
    page = browser("oscar").get("/console/registers")
    assert page.status_code == 200  # the office's clock is in November 2026
    assert 'value="2026-10-01"' in page.text and 'value="2026-10-31"' in page.text
    assert "from=2026-10-01&amp;to=2026-10-31" in page.text
