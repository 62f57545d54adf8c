"""The console's 登记簿 page in a real browser (Debian's Chromium, headless) against a real
``tracker serve --simulate``: the charts are pictures the browser draws, each register
downloads as a file the browser saves (read back with openpyxl, pdftotext), the page
fits a desk and a tablet, and staff are not offered it. Screenshots are kept under
``test-artifacts/console/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.console.harness import (
    DESK,
    TABLET,
    Served,
    chromium,
    login,
    require_chromium,
    serve,
    shoot,
)
from tests.reports.helpers import pdf_text, xlsx_data

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_chromium()
    with serve(tmp_path_factory.mktemp("registers")) as served:
        assert served.samples and {"oscar", "bob"} <= served.passwords.keys()
        yield served


@pytest.fixture(scope="module")
def browser(office: Served) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _page(office: Served, browser: Any, who: str, viewport: dict[str, int] = DESK) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, office.base, who, office.passwords[who])
    return page


def test_the_registers_page_draws_its_charts_and_downloads_each_book(
    office: Served, browser: Any, tmp_path: Path
) -> None:
    page = _page(office, browser, "oscar")
    page.get_by_role("link", name="登记簿").click()
    page.wait_for_url("**/console/registers")
    # The server's clock is the real one; its days are the site's (Asia/Shanghai), which
    # are a day ahead of UTC's for eight hours every night.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    page.fill("#from", today.replace(day=1).isoformat())
    page.fill("#to", today.isoformat())
    page.click("#show-registers")
    page.wait_for_selector("#statistics")
    drawn = page.evaluate(
        "[...document.querySelectorAll('img.chart')].map(i => [i.complete, i.naturalWidth])"
    )
    assert len(drawn) == 3 and all(done and width > 600 for done, width in drawn), drawn
    assert int(page.inner_text("#stat-received")) >= len(office.samples)
    shoot(page, "desk-registers")

    row = page.locator('tr[data-kind="receipts"]')
    with page.expect_download() as got:
        row.get_by_role("link", name="XLSX").click()
    book = tmp_path / got.value.suggested_filename
    got.value.save_as(book)
    assert book.name.startswith("receipts_") and book.suffix == ".xlsx"
    head, rows = xlsx_data(book)
    assert head[:3] == ["收文日期", "编号", "来文单位"]
    assert {r[1] for r in rows} >= set(office.samples)

    with page.expect_download() as got:
        page.locator('tr[data-kind="summary"]').get_by_role("link", name="PDF").click()
    report = tmp_path / "summary.pdf"
    got.value.save_as(report)
    assert "涉密载体管理统计报告" in "".join(pdf_text(report).split())

    tablet = _page(office, browser, "oscar", TABLET)
    tablet.goto(page.url)
    overflow = tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # nothing wider than the screen
    shoot(tablet, "tablet-registers")


def test_staff_are_not_offered_the_registers(office: Served, browser: Any) -> None:
    page = _page(office, browser, "bob")
    assert page.get_by_role("link", name="登记簿").count() == 0
    response = page.goto(office.base + "/console/registers")
    assert response is not None and response.status == 403
