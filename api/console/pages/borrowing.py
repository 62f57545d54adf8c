"""借阅: staff ask to borrow carriers they may know, custodians start circulations; the
overdue list with the reminders sent. The custodian's desk is :mod:`.desk`.

Each use case is called from one function here (``_request``, ``_circulate``) so that
following the approval workflow's changes is one edit per action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import Response

from api.auth import Role as CallerRole
from api.console import access
from api.console.forms import Problems
from api.console.pages.carriers import people_options, places
from api.console.web import PAGES, Call
from api.errors import status_of
from api.views import alert_view
from tracker.domain.errors import TrackerError
from tracker.domain.model import (
    AlertType,
    Borrow,
    BorrowState,
    CirculationState,
    PlaceKind,
)
from tracker.services import borrowing

OPEN = [BorrowState.REQUESTED, BorrowState.APPROVED, BorrowState.OUT]


# --- the use cases, one call each ----------------------------------------------------


def _request(call: Call, serial: str, borrower: str, room: str, purpose: str, due: Any) -> Borrow:
    return borrowing.request_borrow(call.svc, call.actor, serial, borrower, room, purpose, due)


def _circulate(
    call: Call, serial: str, readers: list[str], room: str, urgent: bool, due: Any
) -> Any:
    return borrowing.start_circulation(call.svc, call.actor, serial, readers, room, urgent, due)


# --- borrows: request and list ----------------------------------------------------------


def borrow_rows(call: Call, borrows: list[Borrow]) -> list[tuple[Borrow, Any]]:
    """Each borrow with its carrier as the caller may see it."""
    me = call.me
    assert me is not None
    wanted = sorted({b.carrier for b in borrows})
    with call.svc.read() as uow:
        found = {c.serial: c for c in uow.carriers.find(serial=wanted)} if wanted else {}
    return [
        (b, access.carrier(me, c, call.lang, call.svc) if (c := found.get(b.carrier)) else None)
        for b in borrows
    ]


def borrows_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    """The borrowing page: the request form and the borrows the caller may see."""
    me = call.me
    assert me is not None and me.person is not None
    with call.svc.read() as uow:
        if me.keeper or me.role is CallerRole.APPROVER:
            found = uow.borrows.find(state=OPEN, order_by="-requested_at", limit=200)
            recent = uow.borrows.find(
                state=[BorrowState.RETURNED, BorrowState.REJECTED],
                order_by="-requested_at",
                limit=30,
            )
        else:
            found = [
                b
                for b in uow.borrows.find(
                    borrower=me.person.id, order_by="-requested_at", limit=200
                )
                if access.sees_borrow(me, b)
            ]
            recent = []
        circulations = (
            uow.circulations.find(state=CirculationState.ACTIVE, order_by="-started_at")
            if me.keeper
            else []
        )
    return call.render(
        "borrows.html",
        status=status,
        rows=borrow_rows(call, found),
        recent=borrow_rows(call, recent),
        circulations=circulations,
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        failed=call.value("form"),
        values={k: v[0] for k, v in call.form.items() if v},
        serial=call.value("serial"),
        rooms=places(call, PlaceKind.ROOM),
        people=people_options(call) if me.keeper else [],
        now=call.svc.now(),
    )


@PAGES.get("/console/borrows", "borrows")
def page(call: Call) -> Response:
    """Borrows and the request form (``?serial=`` fills it in)."""
    return borrows_page(call)


def _failed(call: Call, exc: TrackerError) -> Response:
    return borrows_page(call, status_of(exc), Problems(call.lang).refused(exc, call.message(exc)))


@PAGES.post("/console/borrows", "borrows")
def request(call: Call) -> Response:
    """Ask to borrow (staff for themselves; custodians may ask for someone)."""
    me = call.me
    assert me is not None
    problems = Problems(call.lang)
    due = problems.moment(call.value("due_at"), "due_at", call.svc.site.calendar.tz, required=False)
    serial = problems.required(call.value("serial"), "serial")
    room = problems.required(call.value("destination"), "destination")
    if problems:
        return borrows_page(call, 422, problems)
    borrower = call.value("borrower") if call.may("borrow_for_others") else ""
    try:
        b = _request(call, serial, borrower or me.actor, room, call.value("purpose"), due)
    except TrackerError as exc:
        return _failed(call, exc)
    return call.redirect(
        "/console/borrows",
        ok=call.t(
            f"已提交借阅申请（{b.carrier}），等待审批",
            f"Borrow of {b.carrier} asked: awaiting approval",
        ),
    )


@PAGES.post("/console/circulations", "borrows")
def circulate(call: Call) -> Response:
    """Start a circulation: readers in turn, back to the custodian between them (R5)."""
    problems = Problems(call.lang)
    tz = call.svc.site.calendar.tz
    due = problems.moment(call.value("due_at"), "due_at", tz, required=False)
    if problems:
        return borrows_page(call, 422, problems)
    try:
        call.require("circulate")
        c = _circulate(
            call,
            call.value("serial"),
            call.values("readers"),
            call.value("destination"),
            call.value("urgent") == "1",
            due,
        )
    except TrackerError as exc:
        return _failed(call, exc)
    return call.redirect(
        "/console/borrows",
        ok=call.t(
            f"已提交传阅申请（{c.carrier}），等待审批",
            f"Circulation of {c.carrier} asked: awaiting approval",
        ),
    )


# --- overdue ------------------------------------------------------------------------------


@PAGES.get("/console/overdue", "desk")
def overdue(call: Call) -> Response:
    """Borrows past their due time, oldest first, with the reminders sent so far."""
    late = borrowing.overdue(call.svc, 500)
    with call.svc.read() as uow:
        causes = {f"overdue:{b.id}": b.id for b in late}
        alerts = {
            causes[a.cause]: a
            for a in uow.alerts.find(
                type=AlertType.OVERDUE_BORROW, cause=list(causes), order_by="last_seen"
            )
        }
        ids = {a.id for a in alerts.values()}
        sent = [
            n
            for n in uow.notifications.find(order_by="-created_at", limit=2000)
            if set(n.alerts) & ids
        ]
    by_alert: dict[str, list[Any]] = {}
    for n in sent:
        for aid in n.alerts:
            by_alert.setdefault(aid, []).append(n)
    rows = []
    now = call.svc.now()
    for b, c in borrow_rows(call, late):
        a = alerts.get(b.id)
        rows.append(
            {
                "b": b,
                "c": c,
                "late": _late(call, now, b.due_at),
                "alert": alert_view(a, call.lang) if a else None,
                "sent": by_alert.get(a.id, []) if a else [],
            }
        )
    return call.render("overdue.html", rows=rows)


def _late(call: Call, now: datetime, due: datetime) -> str:
    minutes = int((now - due).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return call.t(f"{days}天{hours}小时", f"{days} d {hours} h")
    return call.t(f"{hours}小时{mins}分", f"{hours} h {mins} min")
