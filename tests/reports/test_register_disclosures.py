"""The registers of R16 and R18 read back with openpyxl and the csv module: the record
of who read or handled top secret, and the handling of top-secret receipts — cell by
cell against the database, titles and the text of instructions only with need-to-know,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.reports.helpers import csv_rows, export, xlsx_data
from tests.services.conftest import receive_one
from tracker.domain.clock import ManualClock
from tracker.domain.errors import PermissionDenied
from tracker.domain.levels import Level
from tracker.domain.model import Carrier
from tracker.services import disclosure, handling
from tracker.services.base import Services
from tracker.services.receive import store_in_safe
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.export import check_export

SH = ZoneInfo("Asia/Shanghai")
NOVEMBER = RegisterQuery(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())


def local(h: int, m: int, day: int = 24) -> datetime:
    return datetime(2026, 11, day, h, m)  # what the workbook holds: the site's wall time


@pytest.fixture
def read(svc: Services, clock: ManualClock) -> Carrier:
    """A top-secret carrier received at 10:00, read by alice 10:30-11:15 at the desk,
    instructed by the officer and handled by the custodian."""
    t = receive_one(svc, Level.TOP_SECRET, title="丙工程绝密方案", scope_people=("alice",))
    store_in_safe(svc, "carol", t.serial)
    clock.advance(timedelta(minutes=30))
    s = disclosure.open_reading(svc, "carol", t.serial, "alice")
    clock.advance(timedelta(minutes=45))
    disclosure.close_reading(svc, "carol", s.id)
    handling.instruct(svc, "oscar", t.serial, "请政策研究室阅办丙工程")
    clock.advance(timedelta(days=4))  # Saturday: a day late
    handling.complete(svc, "carol", t.serial, "已阅办，丙工程方案退回保存")
    receive_one(svc, Level.SECRET)  # not in either register
    return t


def test_disclosure_record_workbook(read: Carrier, svc: Services, tmp_path: Path) -> None:
    book = tmp_path / "d.xlsx"
    done = export(svc, "carol", "disclosures", NOVEMBER, "xlsx", book)
    head, data = xlsx_data(book)
    assert head == [
        "开始时间",
        "结束时间",
        "编号",
        "名称（或仅标志）",
        "密级标志",
        "知悉人",
        "事项",
        "地点",
        "登记方式",
        "登记人",
    ]
    t, mark = read.serial, "绝密★10年"
    assert data == [
        [
            local(10, 0),
            local(10, 0),
            t,
            "丙工程绝密方案",
            mark,
            "王机要",
            "签收",
            "机要室",
            "业务记录",
            "王机要",
        ],
        [
            local(10, 30),
            local(11, 15),
            t,
            "丙工程绝密方案",
            mark,
            "李核心",
            "阅读",
            "机要室",
            "机要员登记",
            "王机要",
        ],
        [
            local(11, 15),
            local(11, 15),
            t,
            "丙工程绝密方案",
            mark,
            "赵保密",
            "批办办理",
            None,
            "业务记录",
            "赵保密",
        ],
        [
            local(11, 15, 28),
            local(11, 15, 28),
            t,
            "丙工程绝密方案",
            mark,
            "王机要",
            "批办办理",
            None,
            "业务记录",
            "王机要",
        ],
    ]
    assert done.rows == 4


def test_handling_register_and_need_to_know(read: Carrier, svc: Services, tmp_path: Path) -> None:
    out = tmp_path / "h.csv"
    export(svc, "carol", "handlings", NOVEMBER, "csv", out)
    head, *rows = csv_rows(out)
    assert head[:5] == ["收文时间", "编号", "名称（或仅标志）", "密级标志", "办理期限"]
    (row,) = rows
    assert row[1:4] == [read.serial, "丙工程绝密方案", "绝密★10年"]
    assert row[4].startswith("2026-11-27 17:30")
    assert row[5:] == [
        "赵保密",
        "请政策研究室阅办丙工程",
        row[7],
        "王机要",
        "已阅办，丙工程方案退回保存",
        "1",  # Friday's close to Saturday morning: one day late
    ]
    assert row[7].startswith("2026-11-28 11:15")
    # An approver outside the scope reads the book without the title or the texts.
    export(svc, "andy", "handlings", NOVEMBER, "csv", out)
    (hidden,) = csv_rows(out)[1:]
    assert "丙工程" not in "".join(hidden) and hidden[2].startswith("〔")
    assert hidden[6] == hidden[9] == "—"
    export(svc, "andy", "disclosures", NOVEMBER, "csv", out)
    assert "丙工程" not in "".join(v for r in csv_rows(out) for v in r)
    # Staff read no register.
    with pytest.raises(PermissionDenied):
        check_export(svc, "alice", "disclosures", NOVEMBER, "csv")


def test_english_headings(read: Carrier, svc: Services, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    export(svc, "carol", "disclosures", NOVEMBER, "csv", out, lang="en")
    head, first, *_ = csv_rows(out)
    assert head[5:10] == ["Person", "What", "Place", "Recorded by means of", "Recorded by"]
    assert first[6:9] == ["receipt", "机要室", "record"]
