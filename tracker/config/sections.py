"""The site file's sections that are not hardware: the working calendar, the policies,
label and EPC settings, and notification routes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.config.checks import ID, Problems, array, dates, positive, time_of_day
from tracker.domain.calendar import WEEKDAYS, WorkingCalendar
from tracker.domain.site import LabelConfig, NotificationConfig, Policy, Route, Webhook


def calendar(cal: Mapping[str, Any], probs: Problems) -> WorkingCalendar:
    """The ``[calendar]`` table: time zone, working days and hours, holidays."""
    tz = str(cal.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        probs.add("calendar.timezone", f"unknown time zone {tz!r}")
        tz = "UTC"
    days = cal.get("workdays", ["mon", "tue", "wed", "thu", "fri"])
    workdays = set()
    for d in days if isinstance(days, list) else []:
        if d not in WEEKDAYS:
            probs.add("calendar.workdays", f"unknown weekday {d!r} (mon … sun)")
        else:
            workdays.add(WEEKDAYS.index(d))
    opens = time_of_day(cal.get("opens", "08:30"), "calendar.opens", probs)
    closes = time_of_day(cal.get("closes", "17:30"), "calendar.closes", probs)
    if opens >= closes:
        probs.add("calendar.closes", "close of business must be after opening time")
    return WorkingCalendar(
        timezone=tz,
        workdays=frozenset(workdays),
        opens=opens,
        closes=closes,
        holidays=frozenset(dates(cal.get("holidays", []), "calendar.holidays", probs)),
        extra_workdays=frozenset(
            dates(cal.get("extra_workdays", []), "calendar.extra_workdays", probs)
        ),
    )


def policy(pol: Mapping[str, Any], site_tab: Mapping[str, Any], probs: Problems) -> Policy:
    """The ``[policy]`` table (and the site's serial prefix)."""
    base = Policy()
    prefix = str(site_tab.get("serial_prefix", base.serial_prefix))
    if not re.fullmatch(r"[A-Z]{1,6}", prefix):
        probs.add("site.serial_prefix", f"{prefix!r} must be 1-6 capital letters")
    months = dict(base.inventory_months)
    inv = pol.get("inventory_months", {})
    if isinstance(inv, Mapping):
        for k, v in inv.items():
            if k not in months:
                probs.add(f"policy.inventory_months.{k}", "unknown level")
            elif not isinstance(v, int) or v < 1:
                probs.add(f"policy.inventory_months.{k}", "must be a whole number of months >= 1")
            else:
                months[k] = v
    if months["top_secret"] > 1:
        probs.add("policy.inventory_months.top_secret", "R9: top secret is counted monthly")
    return Policy(
        transit_seconds=positive(pol.get("transit_seconds", 120), "policy.transit_seconds", probs),
        circulation_max_days=int(pol.get("circulation_max_days", 31)),
        declassification_notice_days=int(pol.get("declassification_notice_days", 30)),
        inventory_months=months,
        serial_prefix=prefix,
        leak_report_hours=float(pol.get("leak_report_hours", 24)),
        escorts_for_top_secret=int(pol.get("escorts_for_top_secret", 2)),
        overdue_reminder_minutes=positive(
            pol.get("overdue_reminder_minutes", 60), "policy.overdue_reminder_minutes", probs
        ),
        overdue_check_minutes=positive(
            pol.get("overdue_check_minutes", 5), "policy.overdue_check_minutes", probs
        ),
        watch_seconds=positive(pol.get("watch_seconds", 30), "policy.watch_seconds", probs),
        handling_days=_days(pol, "handling_days", 3, (1, 3), probs, " (R18: at most three)"),
        handling_remind_days=_days(pol, "handling_remind_days", 1, (0, 30), probs),
    )


def _days(
    pol: Mapping[str, Any],
    key: str,
    default: int,
    bounds: tuple[int, int],
    probs: Problems,
    why: str = "",
) -> int:
    value = pol.get(key, default)
    least, most = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        probs.add(f"policy.{key}", f"must be a whole number of working days, {least}-{most}{why}")
        return default
    return value


def labels(lab: Mapping[str, Any], printer_ids: set[str], probs: Problems) -> LabelConfig:
    """The ``[labels]`` table: label size, EPC identity, default printer."""
    prefix = str(lab.get("gs1_company_prefix", "0614141"))
    if not re.fullmatch(r"\d{6,12}", prefix):
        probs.add("labels.gs1_company_prefix", f"{prefix!r} must be 6-12 digits")
    filt = lab.get("epc_filter", 0)
    if not isinstance(filt, int) or not 0 <= filt <= 7:
        probs.add("labels.epc_filter", f"{filt!r} must be 0-7")
        filt = 0
    scheme = str(lab.get("epc_scheme", "giai-96"))
    if scheme not in ("giai-96", "giai-202"):
        probs.add("labels.epc_scheme", f"unknown scheme {scheme!r} (giai-96 or giai-202)")
    printer = lab.get("printer")
    if printer is not None and printer not in printer_ids:
        probs.add("labels.printer", f"unknown printer {printer!r}")
    size = []
    for key, default in (("width_mm", 60.0), ("height_mm", 30.0)):
        v = lab.get(key, default)
        if not isinstance(v, int | float) or not 10 <= v <= 300:
            probs.add(f"labels.{key}", f"{v!r} must be between 10 and 300 mm")
            v = default
        size.append(float(v))
    return LabelConfig(size[0], size[1], prefix, filt, scheme, printer)


_ALERT_TYPES = (
    "unauthorized_removal",
    "escort_missing",
    "overdue_borrow",
    "not_locked_away",
    "unknown_tag",
    "wrong_holder",
    "inventory_mismatch",
    "reader_offline",
    "declassification_due",
    "inventory_due",
    "loss_reported",
    "shielded_tag",
    "output_offline",
    "table_stale",
    "unrecorded_contact",
    "handling_due",
    "handling_overdue",
)
_ROLES = ("custodian", "officer", "approver", "staff", "borrower", "audience")


def notifications(tab: Mapping[str, Any], probs: Problems) -> NotificationConfig:
    """The ``[notifications]`` table: channels, webhooks and routes."""
    base = NotificationConfig()
    lang = str(tab.get("language", "zh"))
    if lang not in ("zh", "en"):
        probs.add("notifications.language", f"{lang!r} must be zh or en")
    smtp = str(tab.get("smtp_url", ""))
    if smtp and not re.match(r"^smtps?://[^:/]+(:\d+)?/?$", smtp):
        probs.add("notifications.smtp_url", f"malformed URL {smtp!r} (smtp://host:port)")
    hooks = []
    for i, h in enumerate(array(tab, "webhooks", probs)):
        hid, url = str(h.get("id", "")), str(h.get("url", ""))
        if not ID.match(hid):
            probs.add(f"notifications.webhooks[{i}].id", f"invalid id {hid!r}")
        if not re.match(r"^https?://", url):
            probs.add(f"notifications.webhooks[{i}].url", f"malformed URL {url!r}")
        env = str(h.get("secret_env", ""))
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", env):
            probs.add(
                f"notifications.webhooks[{i}].secret_env",
                "name the environment variable holding the signing secret",
            )
        hooks.append(Webhook(hid, url, env))
    hook_ids = {h.id for h in hooks}
    routes = []
    for i, r in enumerate(array(tab, "routes", probs)):
        key = f"notifications.routes[{i}]"
        types = r.get("types", ["*"])
        types = [types] if isinstance(types, str) else types
        for t in types:
            if t != "*" and t not in _ALERT_TYPES:
                probs.add(f"{key}.types", f"unknown alert type {t!r}")
        sev = str(r.get("min_severity", "info"))
        if sev not in ("info", "warning", "critical"):
            probs.add(f"{key}.min_severity", f"{sev!r} must be info, warning or critical")
            sev = "info"
        to = r.get("to", [])
        for t in to:
            kind, _, ident = str(t).partition(":")
            ok = (
                (not ident and kind in _ROLES)
                or (kind == "person" and ident)
                or (kind == "webhook" and ident in hook_ids)
            )
            if not ok:
                probs.add(f"{key}.to", f"unknown recipient {t!r}")
        routes.append(Route(frozenset(map(str, types)), sev, tuple(map(str, to))))
    attempts = tab.get("max_attempts", base.max_attempts)
    if not isinstance(attempts, int) or attempts < 1:
        probs.add("notifications.max_attempts", "must be a whole number >= 1")
        attempts = base.max_attempts
    return NotificationConfig(
        language=lang,
        email_from=str(tab.get("email_from", base.email_from)),
        smtp_url=smtp,
        webhooks=tuple(hooks),
        routes=tuple(routes) or base.routes,
        max_attempts=attempts,
    )
