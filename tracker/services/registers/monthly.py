"""The monthly report to the secrecy officer (the scheduler's ``monthly`` job): at the
opening time of the first day of each month, last month's statistics are written to the
notification outbox for every active officer, as an email with the report as a PDF
attachment (rendered by the sender from the statistics frozen here)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.domain.attachments import Attachment
from tracker.domain.model import DeliveryState, Notification, Role, new_id
from tracker.services.base import Tx
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.stats import LEVELS, Summary, summarize

ATTACHMENT_KIND = {"zh": "summary_pdf", "en": "summary_pdf_en"}  # by the site's language
_LEVEL_ZH = {"top_secret": "绝密", "secret": "机密", "confidential": "秘密", "internal": "内部"}


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(first: date) -> RegisterQuery:
    """The calendar month before the one starting on ``first``."""
    end = first - timedelta(days=1)
    return RegisterQuery(end.replace(day=1), end)


def enqueue_monthly(tx: Tx, at: datetime) -> int:
    """Inside the scheduled run's transaction: write last month's report to the outbox
    for every active officer; returns how many notifications were written."""
    cal = tx.svc.site.calendar
    query = previous_month(cal.local_date(at).replace(day=1))
    summary = summarize(tx.uow, tx.svc.site, query, at)
    cfg = tx.svc.site.notifications
    lang = "en" if cfg.language == "en" else "zh"
    subject, body = email_text(summary, lang)
    written = 0
    for person in tx.uow.people.find(role=Role.OFFICER, active=True, order_by="id"):
        state, error = DeliveryState.PENDING, ""
        if not cfg.smtp_url:
            state, error = DeliveryState.FAILED, "no SMTP server is configured"
        elif not person.email:
            state, error = DeliveryState.FAILED, f"{person.id} has no email address"
        note = Notification(
            id=new_id(),
            channel="email",
            recipient=f"person:{person.id}",
            target=person.email,
            subject=subject,
            body=(f"Dear {person.name},\n\n" if lang == "en" else f"{person.name}：\n\n") + body,
            alerts=(),
            created_at=tx.now,
            run=tx.run,
            state=state,
            next_attempt_at=tx.now if state is DeliveryState.PENDING else None,
            last_error=error,
        )
        tx.uow.notifications.add(note)
        tx.uow.attachments.add(
            Attachment(
                id=new_id(),
                notification=note.id,
                filename=f"monthly-{query.start:%Y-%m}.pdf",
                content_type="application/pdf",
                kind=ATTACHMENT_KIND[lang],
                data=summary.to_json(),
                created_at=tx.now,
            )
        )
        written += 1
    return written


def email_text(s: Summary, lang: str = "zh") -> tuple[str, str]:
    """The email's subject and body: the figures (the PDF has the charts)."""
    rate = "—" if s.overdue_rate is None else f"{s.overdue_rate:.1%}"
    held = {lv: sum(v for st, v in s.carriers[lv].items() if st not in _GONE) for lv in LEVELS}
    if lang == "en":

        def by_level(d: dict[str, int]) -> str:
            return ", ".join(f"{lv.replace('_', ' ')} {d[lv]}" for lv in LEVELS)

        month = f"{s.start:%B %Y}"
        lines = [
            f"Attached: the custody statistics of {s.unit} for {month} (PDF). In short:",
            "",
            f"Carriers held: {by_level(held)}",
            f"Received: {by_level(s.received)}",
            f"Destroyed: {by_level(s.destroyed)}",
            f"Borrows: {s.borrows}; due {s.borrows_due}, late {s.borrows_late}, "
            f"overdue rate {rate}",
            f"Alerts: {sum(s.alerts.values())}.",
            "",
            "Sent by the custody system.",
        ]
        return f"[Monthly report] {s.unit} {month}", "\n".join(lines) + "\n"
    month = f"{s.start:%Y年%m月}"
    lines = [
        f"附件为{s.unit}{month}涉密载体管理统计报告（PDF）。要点如下：",
        "",
        "在管载体：" + "，".join(f"{_LEVEL_ZH[lv]} {held[lv]}" for lv in LEVELS),
        "本月收文：" + "，".join(f"{_LEVEL_ZH[lv]} {s.received[lv]}" for lv in LEVELS),
        "本月销毁：" + "，".join(f"{_LEVEL_ZH[lv]} {s.destroyed[lv]}" for lv in LEVELS),
        f"本月借阅 {s.borrows} 次；到期 {s.borrows_due} 次，"
        f"超期 {s.borrows_late} 次，超期率 {rate}",
        f"本月告警 {sum(s.alerts.values())} 条。",
        "",
        "本邮件由涉密载体管理系统自动发送。",
    ]
    return f"【月报】{s.unit}{month}涉密载体管理统计", "\n".join(lines) + "\n"


_GONE = ("destroyed", "declassified")
