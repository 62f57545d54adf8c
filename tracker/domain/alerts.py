"""The alert catalogue (SPEC §6): what each alert is called in Chinese and English, how
severe it is by default, and who is told by default; and the notices that tell them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tracker.domain.model import AlertType, Role, Severity

BORROWER = "borrower"  # audience token: the borrower of an overdue borrow


@dataclass(frozen=True)
class AlertKind:
    """One entry of the catalogue."""

    zh: str
    en: str
    severity: Severity
    audience: tuple[str, ...]  # role values, or ``borrower``

    def name(self, lang: str = "zh") -> str:
        """The alert's name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


_C, _O = Role.CUSTODIAN.value, Role.OFFICER.value

CATALOGUE: dict[AlertType, AlertKind] = {
    AlertType.UNAUTHORIZED_REMOVAL: AlertKind(
        "违规带离", "unauthorized removal", Severity.CRITICAL, (_C, _O)
    ),
    AlertType.ESCORT_MISSING: AlertKind("护送人员不足", "escort missing", Severity.CRITICAL, (_O,)),
    AlertType.OVERDUE_BORROW: AlertKind(
        "借阅逾期未还", "overdue borrow", Severity.WARNING, (BORROWER, _C, _O)
    ),
    AlertType.NOT_LOCKED_AWAY: AlertKind("下班未入柜", "not locked away", Severity.WARNING, (_C,)),
    AlertType.UNKNOWN_TAG: AlertKind("未登记标签", "unknown tag", Severity.WARNING, (_C,)),
    AlertType.WRONG_HOLDER: AlertKind("持有人不符", "wrong holder", Severity.CRITICAL, (_O,)),
    AlertType.INVENTORY_MISMATCH: AlertKind(
        "清查不符", "inventory mismatch", Severity.CRITICAL, (_O,)
    ),
    AlertType.READER_OFFLINE: AlertKind("读写器离线", "reader offline", Severity.CRITICAL, (_C,)),
    AlertType.DECLASSIFICATION_DUE: AlertKind(
        "即将到期解密", "declassification due", Severity.INFO, (_C,)
    ),
    AlertType.INVENTORY_DUE: AlertKind("应开展清查", "inventory due", Severity.INFO, (_O,)),
    AlertType.LOSS_REPORTED: AlertKind(
        "载体丢失报告", "loss reported", Severity.CRITICAL, (_C, _O)
    ),
    AlertType.SHIELDED_TAG: AlertKind(
        "标签疑似被屏蔽", "possibly shielded tag", Severity.CRITICAL, (_C, _O)
    ),
    AlertType.LOGIN_FAILURES: AlertKind(
        "登录失败过多", "burst of failed logins", Severity.CRITICAL, (_O,)
    ),
    AlertType.OUTPUT_OFFLINE: AlertKind(
        "报警输出离线", "alarm output offline", Severity.CRITICAL, (_C,)
    ),
    AlertType.TABLE_STALE: AlertKind(
        "网关授权表过期", "gateway table stale", Severity.WARNING, (_C, _O)
    ),
    AlertType.UNRECORDED_CONTACT: AlertKind(
        "绝密载体接触未登记", "unrecorded top-secret contact", Severity.WARNING, (_C, _O)
    ),
    AlertType.HANDLING_DUE: AlertKind(
        "绝密文件待办理", "top-secret handling due", Severity.INFO, (_C,)
    ),
    AlertType.HANDLING_OVERDUE: AlertKind(
        "绝密文件逾期未办结", "top-secret handling overdue", Severity.WARNING, (_C, _O)
    ),
}


def overdue_audience(escalation: int) -> tuple[str, ...]:
    """R4: reminders go to the borrower, then also the custodian, then also the officer."""
    steps = CATALOGUE[AlertType.OVERDUE_BORROW].audience
    return steps[: min(escalation, len(steps) - 1) + 1]


class NoticeKind(str, Enum):
    """Why someone is told about an alert."""

    RAISED = "raised"
    REMINDER = "reminder"


@dataclass(frozen=True)
class Notice:
    """One alert to tell one audience about, as produced by a rule or a scheduled run."""

    alert_id: str
    type: AlertType
    severity: Severity
    kind: NoticeKind
    audience: tuple[str, ...]  # role values, ``borrower`` or ``person:<id>``
    message: str
    zh: str
    at: datetime
    run: str = ""  # the scheduled run that produced it; notices of one run form one digest
    borrower: str | None = None
    rule: str | None = None
