"""告警: the filtered list (new ones arrive live), acknowledge and resolve with a note, and
an alert's page with its carrier, door, people, the door camera's stills of a door alarm
and its time line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from api.console import access
from api.console.forms import Problems
from api.console.web import PAGES, Call
from api.errors import status_of
from api.views import alert_view
from tracker.domain.errors import NotFound, TrackerError
from tracker.domain.model import Alert, AlertState, AlertType, Severity, SubjectKind
from tracker.services import alarms, alerting

PAGE = 50
_AROUND = timedelta(minutes=30)  # movements shown before an alert was first raised


def _list(call: Call) -> dict[str, Any]:
    me = call.me
    assert me is not None
    problems = Problems(call.lang)
    state_text = call.value("state", "active")
    state: Any = None
    if state_text == "active":
        state = [AlertState.OPEN, AlertState.ACKNOWLEDGED]
    elif state_text:
        state = problems.choice(AlertState, state_text, "state", required=False)
    kind = problems.choice(AlertType, call.value("type"), "type", required=False)
    severity = problems.choice(Severity, call.value("severity"), "severity", required=False)
    offset = max(0, problems.integer(call.value("offset"), "offset") or 0)
    eq: dict[str, Any] = {
        k: v for k, v in (("state", state), ("type", kind), ("severity", severity)) if v
    }
    total, page = 0, []
    if not problems:
        with call.svc.read() as uow:
            if me.keeper:
                total = uow.alerts.count(**eq)
                page = uow.alerts.find(order_by="-last_seen", limit=PAGE, offset=offset, **eq)
            else:
                found = uow.alerts.find(order_by="-last_seen", limit=2000, **eq)
                access.read_alert_subjects(uow, found)
                seen = [a for a in found if access.sees_alert(me, a, uow)]
                total, page = len(seen), seen[offset : offset + PAGE]
    filters = {
        k: v
        for k, v in {
            "state": state_text,
            "type": call.value("type"),
            "severity": call.value("severity"),
        }.items()
        if v
    }
    query = urlencode(filters)
    return {
        "alerts": [alert_view(a, call.lang) for a in page],
        "total": total,
        "offset": offset,
        "limit": PAGE,
        "errors": problems.fields,
        "filters": filters,
        "base": f"/console/alerts?{query}&" if query else "/console/alerts?",
        "part": f"/console/part/alerts?{query}",
    }


@PAGES.get("/console/alerts", "alerts")
def page(call: Call) -> Response:
    """The alerts the caller may see, newest first."""
    data = _list(call)
    return call.render("alerts.html", status=422 if data["errors"] else 200, **data)


@PAGES.get("/console/part/alerts", "alerts", passive=True)
def part(call: Call) -> Response:
    """The list alone, re-rendered when an alert arrives."""
    return call.render("alerts_list.html", **_list(call))


def _alert(call: Call) -> Alert:
    me = call.me
    assert me is not None
    alert_id = call.path["alert_id"]
    with call.svc.read() as uow:
        a = uow.alerts.get(alert_id)
        ok = a is not None and access.sees_alert(me, a, uow)
    if a is None or not ok:
        raise NotFound(f"no alert {alert_id!r}", zh=f"没有告警 {alert_id!r}")
    return a


def alert_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    """One alert: what, about which carrier, door and people, and its time line."""
    me = call.me
    assert me is not None
    a = _alert(call)
    view = alert_view(a, call.lang)
    carrier = None
    movements: list[Any] = []
    if a.subject_kind is SubjectKind.CARRIER:
        with call.svc.read() as uow:
            c = uow.carriers.get(a.subject)
            if c is not None:
                carrier = access.carrier(me, c, call.lang, call.svc)
                movements = [
                    mv
                    for mv in uow.movements.find(carrier=c.serial, order_by="-at", limit=200)
                    if a.first_seen - _AROUND <= mv.at <= a.last_seen + _AROUND
                ][:30]
    timeline = [(a.first_seen, call.t("首次发现", "first seen"), "")]
    if a.count > 1:
        timeline.append(
            (
                a.last_seen,
                call.t(f"最近一次（共 {a.count} 次）", f"last seen ({a.count} times)"),
                "",
            )
        )
    if a.escalation:
        timeline.append(
            (
                a.last_seen,
                call.t(f"提醒升级至第 {a.escalation} 级", f"escalated to {a.escalation}"),
                "",
            )
        )
    if a.acknowledged_at:
        timeline.append(
            (a.acknowledged_at, call.t("已确认", "acknowledged"), a.acknowledged_by or "")
        )
    if a.resolved_at:
        timeline.append((a.resolved_at, call.t("已处理", "resolved"), a.resolved_by or ""))
    timeline += [(mv.at, "movement", mv) for mv in movements]
    timeline.sort(key=lambda t: t[0], reverse=True)
    return call.render(
        "alert.html",
        status=status,
        a=view,
        carrier=carrier,
        timeline=timeline,
        people=[v for k, v in a.details.items() if k in ("person", "borrower", "holder")],
        door=a.details.get("door"),
        stills=alarms.stills_for(call.svc, a.id),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
    )


@PAGES.get("/console/alerts/{alert_id}", "alerts")
def show(call: Call) -> Response:
    """One alert."""
    return alert_page(call)


@PAGES.get("/console/stills/{still_id}", "alerts", raw=True)
def still(call: Call) -> Response:
    """A door alarm's still (JPEG), for whoever may see its alert."""
    me = call.me
    assert me is not None
    s, data = alarms.still_image(call.svc, call.path["still_id"])
    with call.svc.read() as uow:
        a = uow.alerts.get(s.alert) if s.alert else None
        ok = a is not None and access.sees_alert(me, a, uow)
    if not ok:
        raise NotFound(f"no still {s.id!r}", zh=f"没有照片 {s.id!r}")
    headers = {"ETag": f'"{s.sha256}"', "Cache-Control": "private, max-age=3600"}
    return Response(data, media_type="image/jpeg", headers=headers)


def _act(call: Call, fn: Any, ok: str) -> Response:
    a = _alert(call)
    try:
        fn(call.svc, call.actor, a.id, call.value("note"))
    except TrackerError as exc:
        problems = Problems(call.lang).refused(exc, call.message(exc))
        return alert_page(call, status_of(exc), problems)
    return call.redirect(f"/console/alerts/{a.id}", ok=ok)


@PAGES.post("/console/alerts/{alert_id}/acknowledge", "alerts")
def acknowledge(call: Call) -> Response:
    """Someone is dealing with it; reminders stop."""
    return _act(call, alerting.acknowledge, call.t("已确认", "Acknowledged"))


@PAGES.post("/console/alerts/{alert_id}/resolve", "alerts")
def resolve(call: Call) -> Response:
    """Close the alert with what was found and done (custodians and officers)."""
    call.require("resolve")
    return _act(call, alerting.resolve, call.t("已处理完毕", "Resolved"))
