"""Every register as PDF, XLSX and CSV, read back with tools that are not ours: the
PDF's text by pdftotext (Chinese headings, every row) and its pages by pdftoppm, the
workbook by openpyxl cell by cell against the database, the CSV by the csv module."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.db import only_sqlite
from tests.reports.conftest import Office
from tests.reports.helpers import csv_rows, export, pdf_pages, pdf_text, xlsx_data
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.model import BorrowState
from tracker.domain.period import Marking
from tracker.services.base import Services
from tracker.services.receive import store_in_safe
from tracker.services.registers import KINDS
from tracker.services.registers.base import RegisterQuery

SH = ZoneInfo("Asia/Shanghai")

HEADINGS = {
    "receipts": ("收文登记簿", ["收文日期", "来文单位", "密级", "保密期限", "页数", "签收人签字"]),
    "borrows": (
        "借阅登记簿",
        ["借阅人", "批准人", "应还时间", "归还时间", "超期天数", "借阅人签字"],
    ),
    "circulations": ("传阅登记簿", ["阅文人", "送阅时间", "退回时间", "阅文人签字"]),
    "copies": ("复制登记簿", ["原件编号", "复制件编号", "批准人"]),
    "carry-outs": ("外出携带登记簿", ["携带人", "护送人", "交通工具", "携带人签字"]),
    "destructions": ("销毁登记簿", ["销毁地点", "销毁方式", "监销人", "监销人签字"]),
    "inventories": ("清查记录", ["清查范围", "清查结果", "清查人签字", "监督人签字"]),
    "handovers": ("移交清单", ["移交人", "接收人", "监交人", "移交人签字", "接收人签字"]),
    "classification": ("密级变更及解密登记", ["变更类别", "原密级标志", "变更后"]),
    "disclosures": ("绝密载体知悉记录", ["知悉人", "事项", "登记方式", "知悉人签字"]),
    "handlings": ("绝密文件办理登记簿", ["办理期限", "批办意见", "办理情况", "经办人签字"]),
}


def test_every_kind_has_headings_listed() -> None:
    assert set(HEADINGS) == set(KINDS)


@only_sqlite
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_pdf_has_the_chinese_headings_and_every_row(
    kind: str, office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    pdf, sheet = tmp_path / f"{kind}.pdf", tmp_path / f"{kind}.csv"
    done = export(office.svc, "carol", kind, november, "pdf", pdf)
    export(office.svc, "carol", kind, november, "csv", sheet)
    rows = csv_rows(sheet)[1:]
    assert done.rows == len(rows) > 0
    text = pdf_text(pdf)
    flat = "".join(text.split())
    title, headings = HEADINGS[kind]
    assert title in flat and "机关办公区" in flat  # the register and the unit
    assert "2026年11月01日至2026年11月30日" in flat  # the period
    assert "第1页共1页" in flat
    assert f"共{len(rows)}条记录" in flat
    for h in headings:
        assert h in flat, h
    for r in rows:  # every row: its serial and its title or marking
        serial = next(v for v in r if v.startswith("JM-"))
        assert serial in flat
        assert all("".join(v.split()) in flat for v in r if v and len(v) < 12), r
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 1
    with Image.open(pages[0]) as im:
        assert im.width > im.height  # A4 landscape
        assert im.convert("L").getextrema()[0] < 80  # ink on the page


@only_sqlite
def test_a_long_pdf_repeats_the_headings_and_counts_its_pages(
    svc: Services, clock: ManualClock, tmp_path: Path
) -> None:
    from tracker.services import borrowing

    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    for _ in range(47):
        req = borrowing.request_borrow(svc, "alice", c.serial, "alice", "secure", "阅办")
        borrowing.approve_borrow(svc, "ann", req.id)
        borrowing.check_out(svc, "carol", req.id)
        clock.advance(timedelta(minutes=30))
        borrowing.return_carrier(svc, "carol", c.serial)
    pdf = tmp_path / "borrows.pdf"
    done = export(
        svc, "oscar", "borrows", RegisterQuery(date(2026, 11, 1), date(2026, 12, 31)), "pdf", pdf
    )
    assert done.rows == 47
    text = pdf_text(pdf)
    pages = [p for p in text.split("\f") if p.strip()]
    n = len(pages)
    assert n >= 3
    for i, page in enumerate(pages, 1):
        flat = "".join(page.split())
        assert "借阅登记簿" in flat and "借阅人签字" in flat  # heading and columns on every page
        assert f"第{i}页共{n}页" in flat
    assert "".join(text.split()).count(c.serial) == 47
    assert len(pdf_pages(pdf, tmp_path)) == n


def _local(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(SH).replace(tzinfo=None)


def test_borrow_workbook_matches_the_database_cell_by_cell(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    book = tmp_path / "borrows.xlsx"
    export(office.svc, "carol", "borrows", november, "xlsx", book)
    head, data = xlsx_data(book)
    assert head == [
        "借出时间",
        "编号",
        "名称（或仅标志）",
        "密级标志",
        "借阅人",
        "批准人",
        "应还时间",
        "归还时间",
        "超期天数",
        "经办人",
    ]
    with office.svc.read() as uow:
        names = {p.id: p.name for p in uow.people.find()}
        lent = [
            b
            for b in uow.borrows.find(order_by="checked_out_at")
            if b.checked_out_at and not b.circulation
        ]
        expected = []
        for b in lent:
            c = uow.carriers.get(b.carrier)
            assert c is not None
            back = b.returned_at
            late = 0
            if back and back > b.due_at:
                late = -(-(back - b.due_at) // timedelta(days=1))
            elif back is None and office.svc.now() > b.due_at:
                late = -(-(office.svc.now() - b.due_at) // timedelta(days=1))
            expected.append(
                [
                    _local(b.checked_out_at),
                    c.serial,
                    c.title,
                    c.marking.zh(),
                    names[b.borrower],
                    names[b.approver or ""],
                    _local(b.due_at),
                    _local(back),
                    late,
                    names[b.checked_out_by or ""],
                ]
            )
    assert [b.state for b in lent] == [BorrowState.RETURNED, BorrowState.OUT]
    assert data == expected
    assert data[0][8] == 2  # returned two days late


def test_receipt_workbook_matches_the_database_cell_by_cell(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    book = tmp_path / "receipts.xlsx"
    done = export(office.svc, "oscar", "receipts", november, "xlsx", book)
    head, data = xlsx_data(book)
    assert head == [
        "收文日期",
        "编号",
        "来文单位",
        "名称（或仅标志）",
        "密级",
        "保密期限",
        "份号/份数",
        "页数",
        "签收人",
    ]  # the signature column is the printed book's only
    with office.svc.read() as uow:
        got = uow.carriers.find(original=None, order_by=["received_on", "serial"])
        # the marking each was received with, as the receipt's own register entry says
        received = {
            e.carrier: Marking.parse(e.data["marking"])
            for e in uow.ledger.scan([Action.RECEIVE.value])
        }
        expected = [
            [
                datetime.combine(c.received_on, datetime.min.time()),
                c.serial,
                c.received_from,
                c.title,
                received[c.serial].level.zh,
                received[c.serial].period.zh(),
                f"{c.copy_number}/{c.total_copies}",
                c.pages,
                "王机要",
            ]
            for c in got
        ]
    assert done.rows == len(expected) == 4
    assert data == expected
    # a's period was changed after receipt: the book keeps the marking that came in
    now = {c.serial: c.marking for c in got}
    assert received[office.a.serial] != now[office.a.serial]
    (row_a,) = [r for r in data if r[1] == office.a.serial]
    assert row_a[5] == received[office.a.serial].period.zh() != now[office.a.serial].period.zh()


@only_sqlite
def test_receipts_filtered_by_the_level_they_came_in_with(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    """t came in top secret (绝密) and was downgraded to secret since: it stays in
    November's book of top-secret receipts, and is not among the secret ones."""
    from dataclasses import replace

    from tracker.domain.period import SecrecyPeriod
    from tracker.services import classification

    classification.reclassify(
        office.svc, "ann", office.t.serial, Level.SECRET, SecrecyPeriod.years(10), "降密"
    )
    out = tmp_path / "r.csv"
    export(office.svc, "carol", "receipts", replace(november, level=Level.TOP_SECRET), "csv", out)
    assert [(r[1], r[4]) for r in csv_rows(out)[1:]] == [(office.t.serial, "绝密")]
    export(office.svc, "carol", "receipts", replace(november, level=Level.SECRET), "csv", out)
    assert office.t.serial not in [r[1] for r in csv_rows(out)[1:]]
    assert office.a.serial in [r[1] for r in csv_rows(out)[1:]]


@only_sqlite
def test_room_and_level_filters(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    from dataclasses import replace

    from tracker.domain.levels import Level

    out = tmp_path / "r.csv"
    export(office.svc, "carol", "receipts", replace(november, room="office-a"), "csv", out)
    assert [r[1] for r in csv_rows(out)[1:]] == [office.b.serial]
    export(office.svc, "carol", "receipts", replace(november, level=Level.TOP_SECRET), "csv", out)
    assert [r[1] for r in csv_rows(out)[1:]] == [office.t.serial]
    export(
        office.svc,
        "carol",
        "receipts",
        RegisterQuery(date(2026, 12, 1), date(2026, 12, 31)),
        "csv",
        out,
    )
    assert csv_rows(out) == [csv_rows(out)[0]]  # headings only: nothing received in December


@only_sqlite
def test_english_register(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    pdf = tmp_path / "d.pdf"
    export(office.svc, "carol", "destructions", november, "pdf", pdf, lang="en")
    flat = " ".join(pdf_text(pdf).split())
    assert "Register of destructions" in flat and "Witnesses" in flat and "Page 1 of 1" in flat


@only_sqlite
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_register_is_filtered_by_period_room_and_level(
    kind: str, office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    from dataclasses import replace

    key = [c.key for c in KINDS[kind].columns if not c.sign].index("serial")
    out = tmp_path / "r.csv"

    def serials(query: RegisterQuery) -> list[str]:
        export(office.svc, "oscar", kind, query, "csv", out)
        return [r[key] for r in csv_rows(out)[1:]]

    every = serials(november)
    assert every
    with office.svc.read() as uow:
        carriers = {s: uow.carriers.get(s) for s in set(every)}

    def level_of(serial: str) -> Level | None:
        c = carriers[serial]
        return c.level if c else None

    def room_of(serial: str) -> str | None:
        if kind == "inventories":  # by where the inventory looked: the secure room's safe
            return "secure"
        c = carriers[serial]
        return c.home_room if c else None

    kept = 0
    for room in ("secure", "office-a"):
        want = [s for s in every if room_of(s) == room]
        assert serials(replace(november, room=room)) == want, room
        kept += len(want)
    for level in Level:
        want = [s for s in every if level_of(s) is level]
        assert serials(replace(november, level=level)) == want, level
    both = replace(november, room="secure", level=Level.SECRET)
    want = [s for s in every if room_of(s) == "secure" and level_of(s) is Level.SECRET]
    assert serials(both) == want
    assert kept == len(every)  # every row's carrier is in one of the two rooms
    assert serials(RegisterQuery(date(2026, 12, 1), date(2026, 12, 31))) == []
    assert serials(RegisterQuery(date(2026, 10, 1), date(2026, 10, 31))) == []
