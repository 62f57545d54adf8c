"""阅文登记 and 绝密办理: the custodian's desk for reading sessions in the secure room
(R16) and the handling of top-secret receipts within three working days (R18), and the
disclosure record shown on the carrier page."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.pages.carriers import people_options, places
from api.console.web import PAGES, Call
from api.errors import status_of
from tracker.domain.disclosure import Disclosure
from tracker.domain.errors import TrackerError
from tracker.domain.model import Carrier, PlaceKind
from tracker.services import disclosure, handling

# --- the carrier page's record -----------------------------------------------------------


def carrier_record(call: Call, c: Carrier) -> list[Disclosure]:
    """The carrier's disclosure record for its page (the caller may know it: the page
    shows nothing else otherwise); empty for carriers the record is not kept for."""
    try:
        return disclosure.record_of(call.svc, call.person, c.serial)
    except TrackerError:
        return []


# --- reading sessions ----------------------------------------------------------------------


def _reading_page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    sessions = disclosure.open_sessions(call.svc, call.actor)
    return call.render(
        "reading.html",
        status=status,
        sessions=sessions,
        people=people_options(call),
        rooms=places(call, PlaceKind.ROOM),
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        values={k: v[0] for k, v in call.form.items() if v},
    )


@PAGES.get("/console/reading", "reading")
def reading(call: Call) -> Response:
    """Open reading sessions and the form to open one."""
    return _reading_page(call)


@PAGES.post("/console/reading", "reading")
def open_session(call: Call) -> Response:
    """The custodian opens a reading session (R16)."""
    call.require("reading")
    problems = Problems(call.lang)
    serial = problems.required(call.value("serial"), "serial")
    reader = problems.required(call.value("reader"), "reader")
    if problems:
        return _reading_page(call, 422, problems)
    try:
        disclosure.open_reading(call.svc, call.actor, serial, reader, call.value("room") or None)
    except TrackerError as exc:
        return _reading_page(call, status_of(exc), problems.refused(exc, call.message(exc)))
    return call.redirect("/console/reading", ok=call.t("已登记阅读", "Reading session opened"))


@PAGES.post("/console/reading/{session_id}/close", "reading")
def close_session(call: Call) -> Response:
    """The carrier is back at the desk."""
    call.require("reading")
    return call.attempt(
        "/console/reading",
        call.t("阅读已结束", "Reading session closed"),
        disclosure.close_reading,
        call.svc,
        call.actor,
        call.path["session_id"],
    )


# --- handling of top-secret receipts -------------------------------------------------------


def _handling_page(call: Call) -> Response:
    everything = call.value("all") == "1"
    views, total = handling.listing(call.svc, call.person, pending=not everything, limit=200)
    return call.render(
        "handling.html",
        rows=views,
        total=total,
        everything=everything,
        now=call.svc.now(),
    )


@PAGES.get("/console/handling", "handling")
def handlings(call: Call) -> Response:
    """Top-secret receipts to handle, nearest deadline first (all with ``?all=1``)."""
    return _handling_page(call)


def _note(call: Call, action: Any, ok: str) -> Response:
    serial = call.path["serial"]
    note = call.value("note")
    if not note:
        return call.redirect(
            "/console/handling", error=call.t("须填写意见或办理情况", "write a note first")
        )
    return call.attempt("/console/handling", ok, action, call.svc, call.actor, serial, note)


@PAGES.post("/console/handling/{serial}/instruct", "handling")
def instruct(call: Call) -> Response:
    """A leader's instructions (批办)."""
    call.require("instruct")
    return _note(call, handling.instruct, call.t("已批办", "Instructions recorded"))


@PAGES.post("/console/handling/{serial}/done", "handling")
def done(call: Call) -> Response:
    """The custodian records it handled (办理)."""
    call.require("handle")
    return _note(call, handling.complete, call.t("已办结", "Recorded as handled"))
