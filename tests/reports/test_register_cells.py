"""Every register's workbook opened with openpyxl and compared cell by cell with what the
office's workflows put in the database (the borrow and receipt registers are in
test_register_files.py); and the workbook's own layout: headings frozen and filtered,
printed A4 landscape one page wide, the count and signature lines after the rows, text
that needs escaping kept as written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.db import only_sqlite
from tests.reports.conftest import Office
from tests.reports.helpers import export, xlsx_data
from tracker.domain.ledger import Action, EntryFilter
from tracker.domain.model import ApprovalState
from tracker.services.registers.base import RegisterQuery

SH = ZoneInfo("Asia/Shanghai")
A_TITLE, B_TITLE, T_TITLE, GONE_TITLE = (
    "关于甲项目的请示",
    "乙单位人事安排",
    "丙工程绝密方案",
    "过期的丁通知",
)


def _local(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(SH).replace(tzinfo=None)


def _book(office: Office, kind: str, query: RegisterQuery, tmp: Path) -> list[list[Any]]:
    path = tmp / f"{kind}.xlsx"
    export(office.svc, "oscar", kind, query, "xlsx", path)
    return xlsx_data(path)[1]


def test_circulations(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (ci,) = uow.circulations.find()
        (hop,) = uow.borrows.find(circulation=ci.id)
    head = [_local(ci.started_at), office.a.serial, A_TITLE, "机密★5年", "钱领导"]
    assert _book(office, "circulations", november, tmp_path) == [
        [*head, _local(ci.due_at), "李核心", _local(hop.checked_out_at), _local(hop.returned_at)],
        [*head, _local(ci.due_at), "郑重要", None, None],  # not yet issued
    ]


def test_copies(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (q,) = uow.copy_requests.find()
    assert q.state is ApprovalState.DONE
    assert _book(office, "copies", november, tmp_path) == [
        [
            _local(q.requested_at),
            office.a.serial,
            A_TITLE,
            "机密★5年",
            2,
            "、".join(office.copies),
            "王机要",
            "钱领导",
            _local(q.decided_at),
            "分发甲项目各处",
        ]
    ]


def test_carry_outs(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (co,) = uow.carry_outs.find()
    assert _book(office, "carry-outs", november, tmp_path) == [
        [
            _local(co.valid_from),
            _local(co.valid_until),
            office.t.serial,
            T_TITLE,
            "绝密★10年",
            "李核心",
            "护送甲、护送乙",  # the escorts
            "京A-12345",  # the vehicle
            "上级机关",
            "钱领导",
            None,  # not back yet
        ]
    ]


def test_destructions(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (d,) = uow.destructions.find()
    assert d.witnesses == ("oscar", "andy")
    assert _book(office, "destructions", november, tmp_path) == [
        [
            _local(d.executed_at),
            office.gone.serial,
            GONE_TITLE,
            "机密★10年",
            "机要室",  # the place
            "碎纸机粉碎",  # the method
            "钱领导",
            "王机要",
            "赵保密、孙领导",  # the two witnesses
        ]
    ]


def test_inventories(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (inv,) = uow.inventories.find()
    at, scope = _local(inv.started_at), "机要室1号保险柜（全部密级）"
    path = tmp_path / "inventories.xlsx"
    export(office.svc, "oscar", "inventories", november, "xlsx", path)
    assert xlsx_data(path)[1] == [
        [at, scope, office.a.serial, A_TITLE, "机密★5年", "在位"],
        [at, scope, office.t.serial, T_TITLE, "绝密★10年", "缺失"],  # carried out
        [at, scope, office.copies[0], A_TITLE, "机密★5年", "缺失"],
        [at, scope, office.copies[1], A_TITLE, "机密★5年", "在位"],
        [at, scope, office.b.serial, B_TITLE, "秘密★10年", "账外"],  # homed elsewhere
    ]
    after = _after_rows(path)
    assert after[0] == "共 5 条记录"
    assert after[1].endswith("应在 4，在位 2，缺失 2，账外 1；清查人 王机要（已结束）")
    assert [line.split("：")[0] for line in after[2:]] == [
        "清查人签字",
        "监督人签字",
        "保密干部签字",
    ]


def test_handovers(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        (h,) = uow.handovers.find()
    path = tmp_path / "handovers.xlsx"
    export(office.svc, "oscar", "handovers", november, "xlsx", path)
    assert xlsx_data(path)[1] == [
        [
            _local(h.at),
            "郑重要",  # leaving her post
            "李核心",
            office.a.serial,
            A_TITLE,
            "机密★5年",
            "1/3",
            12,
            "钱领导",  # the supervising leader who signed the handover, logged in
            "王机要",
        ]
    ]
    assert [line.split("：")[0] for line in _after_rows(path)[1:]] == [
        "移交人签字",
        "接收人签字",
        "监交人签字",
    ]


def test_classification(office: Office, november: RegisterQuery, tmp_path: Path) -> None:
    with office.svc.read() as uow:
        actions = frozenset({Action.RECLASSIFY.value, Action.DECLASSIFY.value})
        changed = {(e.carrier, e.action): e for e in uow.ledger.find(EntryFilter(actions=actions))}
    rows = _book(office, "classification", november, tmp_path)
    level_change = ["密级变更", "机密★10年", "机密★5年", "依据定密通知调整期限", "钱领导", "钱领导"]
    assert rows == [
        *(
            [_local(changed[(s, "reclassify")].at), s, A_TITLE, *level_change]
            for s in [office.a.serial, *office.copies]  # copies follow their original
        ),
        [
            _local(changed[(office.b.serial, "declassify")].at),
            office.b.serial,
            B_TITLE,
            "提前解密",
            "秘密★10年",
            "解密",
            "事项已公开",
            "钱领导",
            "钱领导",
        ],
    ]


def _after_rows(path: Path) -> list[str]:
    """The text in column A after the data rows: the count, summary and signature lines."""
    sheet = load_workbook(path).worksheets[0]
    values = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1)]
    blank = values.index(None)
    return [v for v in values[blank:] if v is not None]


@only_sqlite
def test_the_workbook_is_laid_out_for_print_and_filtering(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    path = tmp_path / "borrows.xlsx"
    export(office.svc, "oscar", "borrows", november, "xlsx", path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "借阅登记簿"
    assert sheet["A1"].value == "机关办公区 借阅登记簿" and sheet["A1"].font.b
    assert sheet["A2"].value.startswith("期间：2026年11月01日 至 2026年11月30日")
    assert sheet["A3"].value.startswith("导出人：赵保密（保密干部）")
    assert sheet["A4"].value == "借出时间" and sheet["A4"].font.b
    assert sheet["A4"].fill.fgColor.rgb == "FFDDDDDD"
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:J6"  # headings and the two rows
    assert sheet.print_title_rows == "$4:$4"  # the headings on every printed page
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    # one page wide (an absent fitToWidth means 1 in ECMA-376), as many pages long as needed
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet["A5"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["I5"].value == 2 and sheet["I5"].data_type == "n"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["I"].width
    assert _after_rows(path) == ["共 2 条记录"]


@pytest.mark.parametrize(
    "text",
    [
        "R&D <plan> \"quoted\" 'single'",
        "  leading and trailing  ",
        "控制\x01字符\x1f与\t制表\n第二行",
        "]]> &amp; ★ 𠀀 \u3000全角空格",
        "=1+1",  # text, never a formula
    ],
)
def test_text_that_needs_escaping_reads_back_as_written(tmp_path: Path, text: str) -> None:
    from tracker.reports.xlsx_writer import write_xlsx
    from tracker.services.registers import KINDS
    from tracker.services.registers.base import Register

    columns = KINDS["copies"].columns
    at = datetime(2026, 11, 24, 9, 30, 15, tzinfo=SH)
    # requested, serial, title, marking (empty), count, copies (none), requested by,
    # approver, approved (a day), reason; the signature column
    row = (at, text, text, "", 7, None, text, "钱领导", at.date(), text, None)
    path = tmp_path / "t.xlsx"
    register = Register("copies", text, columns, iter([row]), text, text, text, text, at)
    with path.open("wb") as fh:
        write_xlsx(register, fh)
    sheet = load_workbook(path).worksheets[0]
    clean = text.replace("\x01", "").replace("\x1f", "")
    got = [c.value for c in sheet[5]]
    assert got == [
        at.replace(tzinfo=None),
        clean,
        clean,
        None,
        7,
        None,
        clean,
        "钱领导",
        datetime(2026, 11, 24),
        clean,
    ]
    assert sheet.cell(5, 2).data_type == "s" and sheet.cell(5, 9).number_format == "yyyy-mm-dd"
    assert sheet["A1"].value == f"{clean} {clean}"


def test_a_cell_the_library_refuses_is_a_clear_error_and_writes_nothing() -> None:
    """A text longer than a cell may hold (32,767 characters) is refused by libxlsxwriter:
    the export fails with the library's reason and the row and column, and nothing
    reaches the output."""
    import io

    from tracker.domain.errors import ReportError
    from tracker.reports.xlsx_writer import write_xlsx
    from tracker.services.registers import KINDS
    from tracker.services.registers.base import Register

    at = datetime(2026, 11, 24, 9, 30, tzinfo=SH)
    good = (at, "JM-1", A_TITLE, "机密★5年", 1, None, "王机要", "钱领导", at, "", None)
    long = (at, "JM-2", "长" * 32_768, "机密★5年", 1, None, "王机要", "钱领导", at, "", None)
    register = Register(
        "copies", "复制登记簿", KINDS["copies"].columns, iter([good, long]), "单位", "期间",
        "全部", "赵保密", at,
    )  # fmt: skip
    out = io.BytesIO()
    with pytest.raises(
        ReportError, match=r"row 6, column 3: String exceeds .* 32,767 characters"
    ) as caught:
        write_xlsx(register, out)
    assert "XLSX" in caught.value.zh and "row 6" in caught.value.zh
    assert out.getvalue() == b""


def test_rows_failing_part_way_leave_no_file_and_nothing_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows wait in libxlsxwriter's temporary files until the book is closed: those
    are in a private directory and already unlinked while the book is written (open only
    to this process), and if the rows fail part way (the database gone) nothing reaches
    the output and nothing of the register (titles) stays on disk."""
    import io
    import os
    import tempfile

    from tracker.reports.xlsx_writer import write_xlsx
    from tracker.services.registers import KINDS
    from tracker.services.registers.base import Register

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    at = datetime(2026, 11, 24, 9, 30, tzinfo=SH)
    seen: list[tuple[int, list[str], list[str]]] = []

    def rows() -> Any:
        for i in range(300):
            yield (at, f"JM-{i}", A_TITLE, "机密★5年", 1, None, "王机要", "钱领导", at, "", None)
        (work,) = scratch.iterdir()
        held = []  # what this process holds open in the private directory
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(work)):
                held.append(target)
        seen.append((work.stat().st_mode & 0o777, [f.name for f in work.iterdir()], held))
        raise RuntimeError("the database went away")

    columns = KINDS["copies"].columns
    register = Register(
        "copies", "复制登记簿", columns, rows(), "单位", "期间", "全部", "赵保密", at
    )
    out = io.BytesIO()
    with pytest.raises(RuntimeError, match="went away"):
        write_xlsx(register, out)
    ((mode, visible, held),) = seen
    assert mode == 0o700 and visible == []
    assert held and all(target.endswith("(deleted)") for target in held)
    assert out.getvalue() == b""
    assert list(scratch.iterdir()) == []


def test_without_libxlsxwriter_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A machine without the library (a fault the test machine cannot have: the set-up
    installs it) gets a configuration error naming the package, not a ctypes trace."""
    import ctypes.util

    from tracker.domain.errors import ConfigError
    from tracker.reports import lxw

    lxw.library.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libxlsxwriter-gone.so.0")
    try:
        with pytest.raises(ConfigError, match="apt-get install libxlsxwriter4") as caught:
            lxw.library()
        assert "未安装 libxlsxwriter" in caught.value.zh
    finally:
        lxw.library.cache_clear()
