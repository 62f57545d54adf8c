"""The approver's inbox (borrows, carry-outs, copies, destructions waiting for a decision)
and the pages of 外出携带 (R6), 复制 (R8) and 销毁 (R10): request, approve or reject
with a note, witness (each witness with their own login), execute. A refusal shows the
rule behind it, as the service words it.

Each use case is called from one function (``DECIDE``, ``_request_*``, ``_return_*``,
``_make_copies``, ``_witness``, ``_execute``) so that following the single approval
workflow's changes is one edit per action."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from api.console import access
from api.console.forms import Problems
from api.console.pages.carriers import people_options, places
from api.console.web import PAGES, Call
from api.errors import status_of
from tracker.domain.errors import InvalidInput, NotFound, TrackerError
from tracker.domain.model import ApprovalState, BorrowState, CirculationState, PlaceKind
from tracker.services import borrowing, carry_out, classification, copying, destruction

# --- one call per decision -------------------------------------------------------------

Decide = Callable[[Call, str, bool, str], Any]


def _decide_borrow(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return borrowing.approve_borrow(call.svc, call.actor, rid, note)
    return borrowing.reject_borrow(call.svc, call.actor, rid, note)


def _decide_circulation(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return borrowing.approve_circulation(call.svc, call.actor, rid, note)
    return borrowing.reject_circulation(call.svc, call.actor, rid, note)


def _decide_carry_out(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return carry_out.approve_carry_out(call.svc, call.actor, rid, note)
    return carry_out.reject_carry_out(call.svc, call.actor, rid, note)


def _decide_copy(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return copying.approve_copy(call.svc, call.actor, rid, note)
    return copying.reject_copy(call.svc, call.actor, rid, note)


def _decide_destruction(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return destruction.approve_destruction(call.svc, call.actor, rid, note)
    return destruction.reject_destruction(call.svc, call.actor, rid, note)


def _decide_level_change(call: Call, rid: str, approve: bool, note: str) -> Any:
    if approve:
        return classification.approve_level_change(call.svc, call.actor, rid, note)
    return classification.reject_level_change(call.svc, call.actor, rid, note)


DECIDE: dict[str, Decide] = {
    "borrows": _decide_borrow,
    "circulations": _decide_circulation,
    "carry-outs": _decide_carry_out,
    "copies": _decide_copy,
    "destructions": _decide_destruction,
    "level-changes": _decide_level_change,
}


def _request_carry_out(call: Call, serials: list[str], fields: dict[str, Any]) -> Any:
    return carry_out.request_carry_out(call.svc, call.actor, serials, **fields)


def _return_carry_out(call: Call, co_id: str) -> Any:
    return carry_out.return_from_carry_out(call.svc, call.actor, co_id)


def _request_copy(call: Call, serial: str, count: int, reason: str) -> Any:
    return copying.request_copy(call.svc, call.actor, serial, count, reason)


def _make_copies(call: Call, req_id: str) -> list[str]:
    return copying.make_copies(call.svc, call.actor, req_id)


def _request_destruction(
    call: Call, serials: list[str], place: str, method: str, reason: str
) -> Any:
    return destruction.request_destruction(call.svc, call.actor, serials, place, method, reason)


def _witness(call: Call, d_id: str) -> Any:
    return destruction.witness(call.svc, call.actor, d_id)


def _execute(call: Call, d_id: str) -> Any:
    return destruction.execute_destruction(call.svc, call.actor, d_id)


# --- helpers ------------------------------------------------------------------------------


def serial_list(text: str) -> list[str]:
    """Serials typed or scanned one per line (or separated by commas or spaces)."""
    return list(dict.fromkeys(s for s in re.split(r"[\s,，、;；]+", text) if s))


def _carriers(call: Call, serials: set[str]) -> dict[str, Any]:
    """Carriers by serial, as the caller may see them."""
    me = call.me
    assert me is not None
    with call.svc.read() as uow:
        found = uow.carriers.find(serial=sorted(serials)) if serials else []
    return {c.serial: access.carrier(me, c, call.lang, call.svc) for c in found}


def _values(call: Call) -> dict[str, str]:
    return {k: v[0] for k, v in call.form.items() if v}


def _problems(call: Call, exc: TrackerError) -> Problems:
    return Problems(call.lang).refused(exc, call.message(exc))


# --- the inbox ----------------------------------------------------------------------------


@PAGES.get("/console/inbox", "inbox")
def inbox(call: Call) -> Response:
    """Everything waiting for an approver's decision, oldest first: one read-only unit
    of work, a query per kind of request and one for the carriers they name."""
    me = call.me
    assert me is not None
    with call.svc.read() as uow:
        borrows = uow.borrows.find(state=BorrowState.REQUESTED, order_by="requested_at")
        circulations = uow.circulations.find(
            state=CirculationState.REQUESTED, order_by="started_at"
        )
        carry_outs = uow.carry_outs.find(state=ApprovalState.REQUESTED, order_by="requested_at")
        copies = uow.copy_requests.find(state=ApprovalState.REQUESTED, order_by="requested_at")
        destructions = uow.destructions.find(state=ApprovalState.REQUESTED, order_by="requested_at")
        level_changes = uow.level_changes.find(
            state=ApprovalState.REQUESTED, order_by="requested_at"
        )
        serials = {b.carrier for b in borrows} | {r.original for r in copies}
        serials |= {c.carrier for c in circulations} | {r.carrier for r in level_changes}
        serials |= {s for co in carry_outs for s in co.carriers}
        serials |= {s for d in destructions for s in d.carriers}
        found = uow.carriers.find(serial=sorted(serials)) if serials else []
    carriers = {c.serial: access.carrier(me, c, call.lang, call.svc) for c in found}
    return call.render(
        "inbox.html",
        borrows=borrows,
        circulations=circulations,
        carry_outs=carry_outs,
        copies=copies,
        destructions=destructions,
        level_changes=level_changes,
        carriers=carriers,
    )


@PAGES.post("/console/inbox/{kind}/{rid}/{decision}", "inbox")
def decide(call: Call) -> Response:
    """Approve or reject one request (a rejection says why)."""
    kind, rid, decision = call.path["kind"], call.path["rid"], call.path["decision"]
    fn = DECIDE.get(kind)
    if fn is None or decision not in ("approve", "reject"):
        raise NotFound(f"no such request kind {kind!r}", zh="没有这种申请")
    approve = decision == "approve"
    ok = call.t("已批准", "Approved") if approve else call.t("已不批准", "Rejected")
    return call.attempt("/console/inbox#" + kind, ok, fn, call, rid, approve, call.value("note"))


# --- carry-outs (R6) -----------------------------------------------------------------------


def _carry_outs_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    me = call.me
    assert me is not None
    with call.svc.read() as uow:
        found = [co for co in uow.carry_outs.find(order_by="-requested_at", limit=300)]
    found = [co for co in found if access.sees_carry_out(me, co)][:100]
    serials = {s for co in found for s in co.carriers}
    now = call.svc.site.calendar.local_date(call.svc.now())
    return call.render(
        "carry_outs.html",
        status=status,
        rows=found,
        carriers=_carriers(call, serials),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        values=_values(call),
        serials=call.value("serials") or call.value("serial"),
        people=people_options(call),
        today=now.isoformat(),
    )


@PAGES.get("/console/carry-outs", "carry_outs")
def carry_outs(call: Call) -> Response:
    """Carry-outs the caller may see, and the request form."""
    return _carry_outs_page(call)


@PAGES.post("/console/carry-outs", "carry_outs")
def request_carry_out(call: Call) -> Response:
    """Ask to carry carriers out of the building (R6)."""
    problems = Problems(call.lang)
    tz = call.svc.site.calendar.tz
    start = problems.moment(call.value("valid_from"), "valid_from", tz)
    until = problems.moment(call.value("valid_until"), "valid_until", tz)
    serials = serial_list(call.value("serials"))
    if not serials:
        problems.required("", "serials")
    person = problems.required(call.value("carrier_person"), "carrier_person")
    if problems or start is None or until is None:
        return _carry_outs_page(call, 422, problems)
    fields = {
        "carrier_person": person,
        "escorts": call.values("escorts"),
        "destination": call.value("destination"),
        "reason": call.value("reason"),
        "valid_from": start,
        "valid_until": until,
        "vehicle": call.value("vehicle"),
    }
    try:
        _request_carry_out(call, serials, fields)
    except TrackerError as exc:
        return _carry_outs_page(call, status_of(exc), _problems(call, exc))
    return call.redirect(
        "/console/carry-outs", ok=call.t("已提交外出携带申请，等待审批", "Asked: awaiting approval")
    )


@PAGES.post("/console/carry-outs/{rid}/return", "carry_outs")
def return_carry_out(call: Call) -> Response:
    """The carriers are back: close the approval and lock them away."""
    call.require("return_carry_out")
    return call.attempt(
        "/console/carry-outs",
        call.t("已归还入柜", "Back and locked away"),
        _return_carry_out,
        call,
        call.path["rid"],
    )


# --- copies (R8) ------------------------------------------------------------------------------


def _copies_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    me = call.me
    assert me is not None
    with call.svc.read() as uow:
        found = uow.copy_requests.find(order_by="-requested_at", limit=300)
    found = [r for r in found if access.sees_copy(me, r)][:100]
    serials = {r.original for r in found} | {s for r in found for s in r.copies}
    return call.render(
        "copies.html",
        status=status,
        rows=found,
        carriers=_carriers(call, serials),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        values=_values(call),
        serial=call.value("serial"),
    )


@PAGES.get("/console/copies", "copies")
def copies(call: Call) -> Response:
    """Copy requests the caller may see, and the request form."""
    return _copies_page(call)


@PAGES.post("/console/copies", "copies")
def request_copy(call: Call) -> Response:
    """Ask to copy a carrier (R8: never top secret)."""
    problems = Problems(call.lang)
    count = problems.integer(call.value("count"), "count", required=True)
    serial = problems.required(call.value("serial"), "serial")
    if problems or count is None:
        return _copies_page(call, 422, problems)
    try:
        _request_copy(call, serial, count, call.value("reason"))
    except TrackerError as exc:
        return _copies_page(call, status_of(exc), _problems(call, exc))
    return call.redirect("/console/copies", ok=call.t("已提交复制申请", "Copy asked"))


@PAGES.post("/console/copies/{rid}/make", "copies")
def make_copies(call: Call) -> Response:
    """Register the approved copies as carriers, then print their labels."""
    try:
        call.require("make_copies")
        made = _make_copies(call, call.path["rid"])
    except TrackerError as exc:
        return call.redirect("/console/copies", error=call.message(exc))
    return call.redirect(
        "/console/receive/labels?" + urlencode([("s", s) for s in made]),
        ok=call.t(f"已登记复制件 {len(made)} 份，请打印标签", f"{len(made)} copies registered"),
    )


# --- destruction (R10) -----------------------------------------------------------------------


def _destructions_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    with call.svc.read() as uow:
        found = uow.destructions.find(order_by="-requested_at", limit=100)
    serials = {s for d in found for s in d.carriers}
    rooms = places(call, PlaceKind.ROOM)
    return call.render(
        "destructions.html",
        status=status,
        rows=found,
        carriers=_carriers(call, serials),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        values=_values(call),
        serials=call.value("serials") or call.value("serial"),
        rooms=rooms,
    )


@PAGES.get("/console/destructions", "destructions")
def destructions(call: Call) -> Response:
    """Destructions (witnesses need to find them) and the custodian's request form."""
    return _destructions_page(call)


@PAGES.post("/console/destructions", "destructions")
def request_destruction(call: Call) -> Response:
    """Register carriers for destruction at a designated place (R10)."""
    serials = serial_list(call.value("serials"))
    try:
        call.require("request_destruction")
        if not serials:
            raise InvalidInput("serials", "name the carriers", zh="须列明要销毁的载体")
        _request_destruction(
            call, serials, call.value("place"), call.value("method"), call.value("reason")
        )
    except TrackerError as exc:
        return _destructions_page(call, status_of(exc), _problems(call, exc))
    return call.redirect(
        "/console/destructions", ok=call.t("已登记销毁，等待审批", "Registered: awaiting approval")
    )


@PAGES.post("/console/destructions/{rid}/witness", "destructions")
def witness(call: Call) -> Response:
    """Sign as a witness with one's own login (监销); never the requester (R10)."""
    return call.attempt(
        "/console/destructions",
        call.t("已签署监销", "Signed as a witness"),
        _witness,
        call,
        call.path["rid"],
    )


@PAGES.post("/console/destructions/{rid}/execute", "destructions")
def execute(call: Call) -> Response:
    """Destroy the carriers: approved and two witnesses (R10)."""
    call.require("execute")
    return call.attempt(
        "/console/destructions",
        call.t("已销毁，EPC 已注销", "Destroyed; the EPCs are retired"),
        _execute,
        call,
        call.path["rid"],
    )
