"""The console's words in Chinese (default) and English: names of states, levels, roles,
alert kinds and register actions, and times in the site's time zone.

Page text sits in the templates as pairs, ``T("用户名", "Username")``, so each sentence
is written once in both languages right where it is shown."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from enum import Enum

from tracker.domain.alerts import CATALOGUE
from tracker.domain.disclosure import DisclosureKind, DisclosureSource, HandlingState
from tracker.domain.model import AlertType

LANGS = ("zh", "en")

_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "state": {
        "registered": ("已登记", "registered"),
        "in_safe": ("在柜", "in safe"),
        "out": ("借出", "out"),
        "in_transit": ("外出携带中", "carried out"),
        "missing": ("下落不明", "missing"),
        "archived": ("已归档", "archived"),
        "declassified": ("已解密", "declassified"),
        "destroyed": ("已销毁", "destroyed"),
    },
    "level": {
        "top_secret": ("绝密", "top secret"),
        "secret": ("机密", "secret"),
        "confidential": ("秘密", "confidential"),
        "internal": ("内部", "internal"),
    },
    "clearance": {
        "core": ("核心", "core"),
        "important": ("重要", "important"),
        "general": ("一般", "general"),
    },
    "role": {
        "custodian": ("机要员", "custodian"),
        "officer": ("保密干部", "secrecy officer"),
        "approver": ("审批领导", "approver"),
        "staff": ("涉密人员", "staff"),
        "device": ("网关设备", "device"),
        "system_admin": ("系统管理员", "system administrator"),
        "security_admin": ("安全保密管理员", "security administrator"),
        "security_auditor": ("安全审计员", "security auditor"),
    },
    "medium": {
        "paper": ("纸介质", "paper"),
        "disk": ("硬盘", "disk"),
        "optical": ("光盘", "optical disc"),
        "usb": ("U盘", "USB drive"),
        "tape": ("磁带", "tape"),
        "laptop": ("笔记本电脑", "laptop"),
        "other": ("其他", "other"),
    },
    "severity": {
        "critical": ("严重", "critical"),
        "warning": ("警告", "warning"),
        "info": ("提示", "info"),
    },
    "alert_state": {
        "open": ("未处理", "open"),
        "acknowledged": ("已确认", "acknowledged"),
        "resolved": ("已处理", "resolved"),
    },
    "borrow": {
        "requested": ("待审批", "awaiting approval"),
        "approved": ("已批准", "approved"),
        "rejected": ("未批准", "rejected"),
        "out": ("借出中", "out"),
        "returned": ("已归还", "returned"),
        "cancelled": ("已取消", "cancelled"),
    },
    "approval": {
        "requested": ("待审批", "awaiting approval"),
        "approved": ("已批准", "approved"),
        "rejected": ("未批准", "rejected"),
        "done": ("已完成", "done"),
        "cancelled": ("已取消", "cancelled"),
    },
    "circulation": {
        "active": ("传阅中", "circulating"),
        "done": ("已完成", "done"),
        "cancelled": ("已取消", "cancelled"),
    },
    "inventory": {"open": ("进行中", "open"), "closed": ("已结束", "closed")},
    "delivery": {
        "pending": ("待发送", "pending"),
        "sent": ("已发送", "sent"),
        "failed": ("发送失败", "failed"),
    },
    "device": {
        "uhf": ("超高频读写器", "UHF reader"),
        "badge": ("读卡器", "badge reader"),
        "camera": ("摄像头", "camera"),
    },
    "loss": {
        "loss": ("丢失", "loss"),
        "theft": ("被盗", "theft"),
        "leak": ("泄密", "leak"),
        "computer_leak": ("计算机泄密", "computer leak"),
    },
    "action": {
        "receive": ("签收登记", "received"),
        "register": ("登记", "registered"),
        "label": ("打印标签", "label printed"),
        "reprint": ("补打标签", "label reprinted"),
        "store": ("入柜", "locked away"),
        "borrow_request": ("申请借阅", "borrow requested"),
        "borrow_approve": ("批准借阅", "borrow approved"),
        "borrow_reject": ("不批准借阅", "borrow rejected"),
        "check_out": ("借出", "checked out"),
        "return": ("归还", "returned"),
        "circulate": ("传阅", "circulation started"),
        "carry_out_request": ("申请外出携带", "carry-out requested"),
        "carry_out_approve": ("批准外出携带", "carry-out approved"),
        "carry_out_reject": ("不批准外出携带", "carry-out rejected"),
        "carry_out_return": ("外出携带归还", "back from carry-out"),
        "copy_request": ("申请复制", "copy requested"),
        "copy_approve": ("复制审批", "copy decided"),
        "copy": ("复制", "copied"),
        "transfer": ("变更存放位置", "new home"),
        "move": ("移动", "moved"),
        "handover": ("移交", "handed over"),
        "leave_post": ("离岗", "left the post"),
        "archive": ("归档", "archived"),
        "inventory_start": ("开始清查", "inventory started"),
        "inventory_close": ("结束清查", "inventory closed"),
        "missing": ("下落不明", "missing"),
        "found": ("找回", "found"),
        "destroy_request": ("申请销毁", "destruction requested"),
        "destroy_approve": ("销毁审批", "destruction decided"),
        "destroy_witness": ("监销签字", "witnessed"),
        "destroy": ("销毁", "destroyed"),
        "reclassify": ("密级变更", "reclassified"),
        "declassify": ("解密", "declassified"),
        "widen_scope": ("扩大知悉范围", "scope widened"),
        "loss_report": ("报告丢失", "loss reported"),
        "alert_raise": ("告警", "alert raised"),
        "alert_ack": ("确认告警", "alert acknowledged"),
        "alert_resolve": ("处理告警", "alert resolved"),
        "alert_escalate": ("告警升级", "alert escalated"),
        "scheduled_run": ("定时任务", "scheduled run"),
        "correction": ("更正", "correction"),
        "person": ("人员与账号管理", "people and logins"),
        "site_load": ("加载站点", "site loaded"),
        "reading_open": ("开始阅读", "reading began"),
        "reading_close": ("结束阅读", "reading ended"),
        "handling_open": ("办理期限", "handling due date set"),
        "handling_instruct": ("批办", "instructions written"),
        "handling_done": ("办结", "handled"),
    },
    "admin_action": {
        "login": ("登录", "login"),
        "login_failed": ("登录失败", "login failed"),
        "login_refused": ("登录被拒（失败过多）", "login refused (throttled)"),
        "logout": ("退出", "logout"),
        "unlock": ("解除登录锁定", "login unlocked"),
        "person_add": ("新增人员", "person added"),
        "person_update": ("修改人员信息", "person updated"),
        "role_change": ("变更角色", "role changed"),
        "clearance_change": ("变更涉密等级", "clearance changed"),
        "leave_post": ("离岗", "left the post"),
        "badge_add": ("发放门禁卡", "badge added"),
        "badge_revoke": ("注销门禁卡", "badge revoked"),
        "user_add": ("开设账号", "login added"),
        "user_password": ("设置密码", "password set"),
        "user_disable": ("停用账号", "login disabled"),
        "user_enable": ("启用账号", "login enabled"),
        "device_add": ("登记设备", "device added"),
        "device_rotate": ("更换设备令牌", "device token rotated"),
        "device_revoke": ("注销设备", "device revoked"),
        "site_load": ("加载站点文件", "site file loaded"),
        "setting_change": ("变更设置", "setting changed"),
        "export": ("导出", "export"),
    },
    "disclosure": {k.value: (k.zh, k.value) for k in DisclosureKind},
    "disclosure_source": {k.value: (k.zh, k.value) for k in DisclosureSource},
    "handling": {k.value: (k.zh, k.value) for k in HandlingState},
}


def name(kind: str, value: object, lang: str) -> str:
    """The display name of an enum value (or its plain value) of ``kind`` in ``lang``."""
    raw = value.value if isinstance(value, Enum) else str(value)
    if kind == "alert":
        try:
            return CATALOGUE[AlertType(raw)].name(lang)
        except ValueError:
            return raw
    pair = _NAMES.get(kind, {}).get(raw)
    if pair is None:
        return raw
    return pair[0] if lang == "zh" else pair[1]


def choices(kind: str, lang: str) -> list[tuple[str, str]]:
    """``(value, display name)`` for every value of ``kind``, in table order."""
    if kind == "alert":
        return [(t.value, CATALOGUE[t].name(lang)) for t in AlertType]
    return [(v, p[0] if lang == "zh" else p[1]) for v, p in _NAMES[kind].items()]


def when(value: datetime | date | None, tz: tzinfo, *, seconds: bool = False) -> str:
    """A time in the site's zone (``2026-11-24 10:05``); a date as ISO; "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return value.isoformat()


def pick(lang: str, zh: str, en: str) -> str:
    """``zh`` or ``en`` by ``lang``."""
    return en if lang == "en" else zh
