"""The monthly report: the scheduler writes last month's statistics to the outbox for the
secrecy officer at the first opening time of each month, the delivery worker sends it to
a real SMTP server on 127.0.0.1 (aiosmtpd) with the report as a PDF attachment — once,
also after downtime (one report for each month missed) and with two schedulers."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.db import only_sqlite
from tests.notify.test_delivery import Inbox, smtp, subject
from tests.reports.conftest import Office
from tracker.domain.clock import ManualClock
from tracker.domain.errors import Conflict
from tracker.domain.site import NotificationConfig
from tracker.notify.delivery import deliver_due
from tracker.notify.senders import senders_for
from tracker.services import people
from tracker.services.base import Services
from tracker.services.schedule import _run, run_due

__all__ = ["smtp"]

SH = ZoneInfo("Asia/Shanghai")


def _configure(svc: Services, port: int) -> None:
    svc.site = replace(
        svc.site,
        notifications=NotificationConfig(
            smtp_url=f"smtp://127.0.0.1:{port}", email_from="tracker@unit.example"
        ),
    )
    people.update_person(svc, "cli:test", "oscar", email="oscar@unit.example")


def _reports(inbox: Inbox) -> list[object]:
    return [m for m in inbox.messages if "月报" in subject(m)]


def _pdf_text(data: bytes, tmp: Path) -> str:
    path = tmp / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode().split())


def test_monthly_report_reaches_the_officer_once(
    office: Office, clock: ManualClock, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    svc = office.svc
    inbox, port = smtp
    _configure(svc, port)
    run_due(svc)  # first start: the marks
    clock.set(datetime(2026, 12, 1, 8, 45, tzinfo=SH))
    jobs = [r for r in run_due(svc) if r.job == "monthly"]
    assert [r.reports for r in jobs] == [1]
    assert deliver_due(svc, senders_for(svc.site.notifications)) >= 1
    (msg,) = _reports(inbox)
    assert msg["To"] == "oscar@unit.example"
    assert "2026年11月" in subject(msg)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "本月收文：绝密 1，机密 2，秘密 1" in body
    (att,) = list(msg.iter_attachments())
    assert att.get_content_type() == "application/pdf"
    assert att.get_filename() == "monthly-2026-11.pdf"
    text = _pdf_text(att.get_content(), tmp_path)
    assert "涉密载体管理统计报告" in text and "2026年11月01日至2026年11月30日" in text
    assert "超期率" in text and "第1页" in text
    # later rounds, a restart, and a second scheduler send nothing more
    clock.set(datetime(2026, 12, 1, 9, 30, tzinfo=SH))
    assert [r for r in run_due(svc) if r.job == "monthly"] == []
    try:
        _run(svc, "monthly", [datetime(2026, 12, 1, 8, 30, tzinfo=SH)])
        raise AssertionError("the same instant ran twice")
    except Conflict:
        pass
    deliver_due(svc, senders_for(svc.site.notifications))
    assert len(_reports(inbox)) == 1


def test_after_downtime_each_missed_month_is_reported_once(
    svc: Services, clock: ManualClock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _configure(svc, port)
    run_due(svc)
    clock.set(datetime(2027, 2, 3, 10, 0, tzinfo=SH))  # down from late November
    jobs = [r for r in run_due(svc) if r.job == "monthly"]
    assert [r.at for r in jobs] == [
        datetime(2026, 12, 1, 8, 30, tzinfo=SH),
        datetime(2027, 1, 1, 8, 30, tzinfo=SH),
        datetime(2027, 2, 1, 8, 30, tzinfo=SH),
    ]
    assert all(r.job != "monthly" for r in run_due(svc))  # nothing left to catch up
    deliver_due(svc, senders_for(svc.site.notifications))
    months = sorted(subject(m) for m in _reports(inbox))
    assert len(months) == 3
    assert ["2026年11月" in months[0], "2026年12月" in months[1], "2027年01月" in months[2]] == [
        True,
        True,
        True,
    ]


def test_without_an_address_the_report_waits_visibly(svc: Services, clock: ManualClock) -> None:
    run_due(svc)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    run_due(svc)
    with svc.read() as uow:
        notes = [n for n in uow.notifications.find() if n.run.startswith("monthly:")]
        files = uow.attachments.find(notification=[n.id for n in notes])
    assert [n.state.value for n in notes] == ["failed"]  # no SMTP server configured
    assert notes[0].last_error and len(files) == 1


@only_sqlite
def test_an_english_site_gets_the_report_in_english(
    svc: Services, clock: ManualClock, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    _configure(svc, port)
    svc.site = replace(svc.site, notifications=replace(svc.site.notifications, language="en"))
    run_due(svc)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    run_due(svc)
    deliver_due(svc, senders_for(svc.site.notifications))
    (msg,) = [m for m in inbox.messages if "Monthly report" in subject(m)]
    assert "November 2026" in subject(msg)
    assert "overdue rate" in msg.get_body(preferencelist=("plain",)).get_content()
    (att,) = list(msg.iter_attachments())
    text = _pdf_text(att.get_content(), tmp_path)
    assert "custodystatistics" in text and "Page1of" in text


@only_sqlite
def test_the_report_pdf_carries_its_three_charts_as_pictures(
    office: Office, tmp_path: Path
) -> None:
    from tests.reports.helpers import export
    from tracker.services.registers.base import RegisterQuery

    pdf = tmp_path / "s.pdf"
    export(
        office.svc,
        "oscar",
        "summary",
        RegisterQuery(date(2026, 11, 1), date(2026, 11, 30)),
        "pdf",
        pdf,
    )
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(listing) == 3  # carriers by level and state, received and destroyed, alerts
    for line in listing:
        width, height = (int(v) for v in line.split()[3:5])
        assert width > 600 and height > 250  # pictures, drawn at 150 dpi
    text = _pdf_text(pdf.read_bytes(), tmp_path)
    assert "载体数量" in text and "本期收文、销毁与借阅" in text and "告警" in text
