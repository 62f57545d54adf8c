"""借阅: staff ask to borrow carriers they may know, custodians start circulations; the
custodian's desk checks carriers out and takes them back by scanning the label (a USB
scanner types the serial, the page sends it at Enter); the overdue list with the
reminders sent.

Each use case is called from one function here (``_request``, ``_circulate``,
``_check_out``, ``_return``, ``_issue_next``) so that following the approval workflow's
changes is one edit per action."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from api.auth import Role as CallerRole
from api.console import access
from api.console.forms import Problems
from api.console.pages.carriers import people_options, places
from api.console.web import PAGES, Call
from api.errors import status_of
from api.views import alert_view
from tracker.domain.errors import NotFound, TrackerError
from tracker.domain.model import (
    AlertType,
    Borrow,
    BorrowState,
    Carrier,
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


def _check_out(call: Call, borrow_id: str) -> Borrow:
    return borrowing.check_out(call.svc, call.actor, borrow_id)


def _return(call: Call, serial: str, safe: str | None) -> Borrow:
    return borrowing.return_carrier(call.svc, call.actor, serial, safe)


def _issue_next(call: Call, circulation_id: str) -> Borrow:
    return borrowing.issue_next(call.svc, call.actor, circulation_id)


# --- borrows: request and list ----------------------------------------------------------


def _borrow_rows(call: Call, borrows: list[Borrow]) -> list[tuple[Borrow, Any]]:
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
        rows=_borrow_rows(call, found),
        recent=_borrow_rows(call, recent),
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


# --- the desk: check out and take back by scanning ---------------------------------------


def _find(call: Call, code: str) -> Carrier | None:
    with call.svc.read() as uow:
        return uow.carriers.get(code) or uow.carriers.by_epc(code.upper())


@PAGES.get("/console/desk", "desk")
def desk(call: Call) -> Response:
    """The desk: scan a label (or type the serial) and the carrier is found at once, with
    what can be done with it now; the day's approved borrows and what is out."""
    me = call.me
    assert me is not None
    code = call.value("code")
    found: Carrier | None = None
    missing = ""
    if code:
        found = _find(call, code)
        if found is None:
            missing = call.t(
                f"没有编号或标签为 {code} 的载体", f"no carrier with serial or tag {code}"
            )
    context: dict[str, Any] = {"code": code, "missing": missing, "card": None}
    with call.svc.read() as uow:
        waiting = uow.borrows.find(state=BorrowState.APPROVED, order_by="due_at", limit=100)
        out = uow.borrows.find(state=BorrowState.OUT, order_by="due_at", limit=200)
        circulations = uow.circulations.find(state=CirculationState.ACTIVE, order_by="started_at")
        if found is not None:
            context["card"] = access.carrier(me, found, call.lang, call.svc)
            context["card_waiting"] = [b for b in waiting if b.carrier == found.serial]
            context["card_out"] = next((b for b in out if b.carrier == found.serial), None)
            context["card_circulation"] = next(
                (c for c in circulations if c.carrier == found.serial), None
            )
    context.update(
        waiting=_borrow_rows(call, waiting),
        out=_borrow_rows(call, out),
        circulations=circulations,
        safes=places(call, PlaceKind.SAFE),
        now=call.svc.now(),
    )
    return call.render("desk.html", status=404 if missing else 200, **context)


def _back_to(serial: str) -> str:
    return "/console/desk?code=" + quote(serial)


@PAGES.post("/console/desk/check-out", "desk")
def check_out(call: Call) -> Response:
    """Hand an approved borrow's carrier to the borrower."""
    borrow_id = call.value("borrow")
    with call.svc.read() as uow:
        b = uow.borrows.get(borrow_id)
    if b is None:
        raise NotFound(f"no borrow {borrow_id!r}", zh="没有该借阅记录")
    return call.attempt(
        _back_to(b.carrier),
        call.t(f"{b.carrier} 已借出", f"{b.carrier} checked out"),
        _check_out,
        call,
        borrow_id,
    )


@PAGES.post("/console/desk/return", "desk")
def take_back(call: Call) -> Response:
    """Take a borrowed carrier back and lock it in its safe."""
    serial = call.value("serial")
    return call.attempt(
        _back_to(serial),
        call.t(f"{serial} 已归还入柜", f"{serial} returned and locked away"),
        _return,
        call,
        serial,
        call.value("safe") or None,
    )


@PAGES.post("/console/desk/issue-next", "desk")
def issue_next(call: Call) -> Response:
    """Hand a circulating carrier to its next reader (it must be back first, R5)."""
    circulation_id = call.value("circulation")
    with call.svc.read() as uow:
        circ = uow.circulations.get(circulation_id)
    if circ is None:
        raise NotFound(f"no circulation {circulation_id!r}", zh="没有该传阅记录")
    return call.attempt(
        _back_to(circ.carrier),
        call.t(f"{circ.carrier} 已交下一位阅读人", f"{circ.carrier} issued to the next reader"),
        _issue_next,
        call,
        circulation_id,
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
    for b, c in _borrow_rows(call, late):
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
