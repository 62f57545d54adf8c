"""Who may read the registers, and need-to-know inside them: titles only for readers
who may know them; otherwise the row carries the serial and the marking. Over the API
(streamed files, errors before the download) and from the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import app, auth, client, settings
from tests.db import only_sqlite
from tests.reports.conftest import Office
from tests.reports.helpers import csv_rows, export, pdf_text
from tracker.cli.main import main
from tracker.domain.errors import PermissionDenied
from tracker.services.registers import KINDS
from tracker.services.registers.base import RESTRICTED_ZH, Reading, RegisterQuery

__all__ = ["app", "auth", "client", "settings"]

ROOT = Path(__file__).resolve().parents[2]
TITLES = ("关于甲项目的请示", "乙单位人事安排", "丙工程绝密方案", "过期的丁通知")


def _rows_as(office: Office, person: str, kind: str, query: RegisterQuery) -> list[tuple]:
    with office.svc.read() as uow:
        reader = uow.people.get(person)
        assert reader is not None
        reading = Reading(uow, office.svc.site, reader, query, office.svc.now())
        return list(KINDS[kind].rows(reading))


def test_a_staff_reader_outside_a_scope_sees_serial_and_marking_only(
    office: Office, november: RegisterQuery
) -> None:
    # bob (finance) is in b's scope alone: a, t and gone are outside it.
    rows = {r[1]: r for r in _rows_as(office, "bob", "receipts", november)}
    assert rows[office.b.serial][3] == "乙单位人事安排"
    for c in (office.a, office.t, office.gone):  # as received (a's period changed since)
        assert rows[c.serial][3] == RESTRICTED_ZH
        assert rows[c.serial][4:6] == (c.level.zh, c.period.zh())  # the marking stays
    # and the same holds in every register: no title outside the scope
    for kind in KINDS:
        for r in _rows_as(office, "bob", kind, november):
            assert not any(t in str(v) for v in r for t in TITLES[:1] + TITLES[2:]), (kind, r)


@only_sqlite
def test_staff_may_not_export_a_register(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        export(office.svc, "bob", "borrows", november, "csv", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").read_bytes()  # nothing written


def _get(client: TestClient, auth: Callable[..., dict[str, str]], who: str, path: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers=auth(who, "zh"))


@only_sqlite
def test_api_streams_each_format_and_names_the_file(
    office: Office, client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    base = "/api/v1/registers/borrows?from=2026-11-01&to=2026-11-30"
    r = _get(client, auth, "carol", base + "&format=csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert (
        r.headers["content-disposition"] == 'attachment; filename="borrows_20261101-20261130.csv"'
    )
    assert r.headers["x-rows"] == "2" and int(r.headers["content-length"]) == len(r.content)
    assert "关于甲项目的请示" in r.content.decode("utf-8-sig")
    r = _get(client, auth, "oscar", base + "&format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(min_row=4, max_row=4))][:2] == [
        "借出时间",
        "编号",
    ]
    r = _get(client, auth, "oscar", "/api/v1/registers/summary?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    kinds = [k["kind"] for k in _get(client, auth, "ann", "/api/v1/registers").json()]
    assert kinds == [*KINDS, "summary"]


@only_sqlite
def test_api_an_approver_outside_the_scopes_gets_no_title(
    office: Office, client: TestClient, auth: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    # ann (leaders) is in none of the carriers' scopes.
    r = _get(client, auth, "ann", "/api/v1/registers/receipts?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200
    (tmp_path / "r.pdf").write_bytes(r.content)
    flat = "".join(pdf_text(tmp_path / "r.pdf").split())
    assert not any(t in flat for t in TITLES)
    received = f"{office.a.serial}某部机要局{RESTRICTED_ZH}{office.a.marking.zh().replace('★', '')}"
    assert received in flat  # serial, marking as received, no title
    r = _get(
        client, auth, "ann", "/api/v1/registers/copies?from=2026-11-01&to=2026-11-30&format=csv"
    )
    (tmp_path / "c.csv").write_bytes(r.content)
    (row,) = csv_rows(tmp_path / "c.csv")[1:]
    assert "分发甲项目各处" not in row  # the reason may quote the content: hidden too
    r = _get(
        client, auth, "carol", "/api/v1/registers/copies?from=2026-11-01&to=2026-11-30&format=csv"
    )
    assert "分发甲项目各处" in r.content.decode("utf-8-sig")


@only_sqlite
def test_api_refuses_before_the_download_with_clear_errors(
    office: Office, client: TestClient, auth: Callable[..., dict[str, str]]
) -> None:
    r = _get(client, auth, "bob", "/api/v1/registers/borrows?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    r = _get(client, auth, "carol", "/api/v1/registers/loans?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 422
    r = _get(client, auth, "carol", "/api/v1/registers/borrows?from=2026-11-30&to=2026-11-01")
    assert r.status_code == 422 and r.json()["error"]["field"] == "to"
    r = _get(
        client, auth, "carol", "/api/v1/registers/summary?from=2026-11-01&to=2026-11-30&format=csv"
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = _get(
        client, auth, "carol", "/api/v1/registers/borrows?from=2026-11-01&to=2026-11-30&room=moon"
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "room"


@only_sqlite
def test_cli_report_writes_the_file_whole_and_private(
    office: Office, db_url: str, ledger_key: bytes, tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_LEDGER_KEY", ledger_key.hex())
    monkeypatch.setenv("TRACKER_LANG", "en")
    out = tmp_path / "destructions.xlsx"
    args = ["report", "destructions", "--from", "2026-11-01", "--to", "2026-11-30"]
    assert main([*args, "--format", "xlsx", "-o", str(out), "--as", "oscar"]) == 0
    assert "(1 rows)" in capsys.readouterr().out
    assert out.stat().st_mode & 0o777 == 0o600 and out.read_bytes()[:2] == b"PK"
    bad = tmp_path / "bad.pdf"
    assert main([*args, "-o", str(bad), "--as", "bob"]) == 2  # staff: refused
    assert "may not read" in capsys.readouterr().err
    assert not bad.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert (
        main(
            [
                "report",
                "borrows",
                "--from",
                "2026-11-31",
                "--to",
                "2026-12-01",
                "-o",
                str(bad),
                "--as",
                "oscar",
            ]
        )
        == 2
    )
    assert "not a day" in capsys.readouterr().err


def test_the_cli_starts_without_the_rendering_libraries() -> None:
    code = (
        "import sys; from tracker.cli import main; main._register(); "
        "print(sorted(m for m in ('tracker.reports.lxw', 'matplotlib', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_every_export_is_in_the_administration_log(
    office: Office, november: RegisterQuery, tmp_path: Path
) -> None:
    from tracker.domain.adminlog import AdminAction
    from tracker.domain.ledger import EntryFilter

    export(office.svc, "carol", "borrows", november, "csv", tmp_path / "b.csv")
    export(office.svc, "oscar", "summary", november, "pdf", tmp_path / "s.pdf")
    with office.svc.read() as uow:
        found = uow.admin_log.find(
            EntryFilter(actions=frozenset({AdminAction.EXPORT.value})), limit=10
        )
    got = sorted((e.actor, e.data["export"], e.data["format"]) for e in found)
    assert got == [("carol", "register:borrows", "csv"), ("oscar", "register:summary", "pdf")]
    borrows = next(e for e in found if e.data["export"] == "register:borrows")
    assert (borrows.data["start"], borrows.data["end"]) == ("2026-11-01", "2026-11-30")
    assert borrows.data["rows"] == 2
    # what was exported is named, never shown: no title in the log
    assert not any(t in str(e.data) for e in found for t in TITLES)
