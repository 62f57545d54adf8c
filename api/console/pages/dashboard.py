"""工作台: what a custodian or officer watches all day — carriers in safes and out,
overdue, not locked away, open alerts by severity, the readers and cameras with their
online state, the newest movements and alerts (live), carriers by level and by state,
and who holds what. Approvers see what waits for them; staff see their own borrows; the
system administrator sees the doors and readers only."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from api.auth import Role
from api.console import access
from api.console.web import PAGES, Call
from api.views import alert_view
from tracker.domain.levels import Level
from tracker.domain.model import AlertState, BorrowState, CarrierState, Severity
from tracker.services import dashboard
from tracker.services.dashboard import OPEN

_ALERTS = 10
_MOVES = 12
_HELD = 50


def _data(call: Call) -> dict[str, Any]:
    """Everything the page shows, read in one read-only unit of work (one snapshot,
    one transaction)."""
    me, svc, lang = call.me, call.svc, call.lang
    assert me is not None and me.person is not None
    data: dict[str, Any] = {"keeper": me.keeper, "now": svc.now()}
    with svc.read() as uow:
        if me.role is Role.SYSTEM_ADMIN:
            # The system administrator keeps the devices running and sees no carriers.
            data["devices"] = _by_place(dashboard.devices(svc, uow))
            return data
        if me.keeper or me.role is Role.APPROVER:
            f = dashboard.figures(svc, uow)
            data["figures"] = f
            data["levels"] = [(lv, f.by_level[lv]) for lv in sorted(Level, reverse=True)]
            data["states"] = [(s, f.by_state[s]) for s in CarrierState]
            data["count"] = {s.value: n for s, n in f.by_state.items()}
            data["alert_tiles"] = [(s, f.alerts[s]) for s in (Severity.CRITICAL, Severity.WARNING)]
        if me.role in (Role.APPROVER, Role.OFFICER):
            data["pending"] = dashboard.pending_approvals(svc, uow)
        if me.keeper:
            data["devices"] = _by_place(dashboard.devices(svc, uow))
            data["movements"] = dashboard.recent_movements(svc, _MOVES, uow)
            held = dashboard.held(svc, _HELD, uow)
            serials = [c.serial for c in held]
            found = uow.borrows.find(state=BorrowState.OUT, carrier=serials) if serials else []
            out = {b.carrier: b for b in found}
            data["held"] = [(access.carrier(me, c, lang, svc), out.get(c.serial)) for c in held]
            alerts = uow.alerts.find(state=OPEN, order_by="-last_seen", limit=_ALERTS)
        else:
            newest = uow.alerts.find(state=OPEN, order_by="-last_seen", limit=200)
            access.read_alert_subjects(uow, newest)
            alerts = [a for a in newest if access.sees_alert(me, a, uow)][:_ALERTS]
            mine = uow.borrows.find(
                borrower=me.person.id,
                state=[BorrowState.REQUESTED, BorrowState.APPROVED, BorrowState.OUT],
                order_by="-requested_at",
            )
            wanted = sorted({b.carrier for b in mine})
            carriers = {c.serial: c for c in uow.carriers.find(serial=wanted)} if wanted else {}
            data["mine"] = [
                (b, access.carrier(me, c, lang, svc) if (c := carriers.get(b.carrier)) else None)
                for b in mine
            ]
    data["alerts"] = [alert_view(a, lang) for a in alerts]
    data["AlertState"] = AlertState
    return data


def _by_place(devices: list[dashboard.DeviceStatus]) -> list[dict[str, Any]]:
    """Devices grouped by their door or safe, in site order, with the newest heartbeat."""
    groups: dict[str, dict[str, Any]] = {}
    for d in devices:
        g = groups.setdefault(d.place, {"name": d.place_name, "devices": [], "last": None})
        g["devices"].append(d)
        if d.last_heard and (g["last"] is None or d.last_heard > g["last"]):
            g["last"] = d.last_heard
    return list(groups.values())


@PAGES.get("/console/", "dashboard")
def page(call: Call) -> Response:
    """The dashboard."""
    return call.render("dashboard.html", **_data(call))


@PAGES.get("/console/part/dashboard", "dashboard", passive=True)
def part(call: Call) -> Response:
    """The dashboard's live part, re-rendered when the stream reports something."""
    return call.render("dashboard_body.html", **_data(call))
