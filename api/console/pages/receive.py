"""接收: the delivery form (received from, the declared count, then each item), every
error beside its field; on submit the carriers are registered (R15), then each label is
previewed, printed on a chosen printer and read back, with reprint."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.responses import JSONResponse, Response

from api.console import access
from api.console.forms import Problems, marking_preview
from api.console.pages.carriers import departments, label_status, people_options, places
from api.console.web import PAGES, Call
from api.errors import status_of
from api.routers import carriers as carriers_api
from api.schemas.carriers import LabelIn
from tracker.config import printers_of
from tracker.domain.errors import TrackerError
from tracker.domain.model import Medium, PlaceKind
from tracker.services import receive

MAX_ITEMS = 200
ITEM_FIELDS = (
    "title",
    "medium",
    "level",
    "period",
    "classified_on",
    "issuing_authority",
    "home_room",
    "home_safe",
    "copy_number",
    "total_copies",
    "pages",
)


def _count(call: Call) -> int:
    """How many item blocks the form has (submitted ones, or ``?items=N``)."""
    n = 0
    while f"items[{n}].title" in call.form and n < MAX_ITEMS:
        n += 1
    if n:
        return n
    try:
        wanted = int(call.value("items") or "1")
    except ValueError:
        wanted = 1
    return max(1, min(wanted, MAX_ITEMS))


def _blank_item(call: Call, previous: dict[str, Any] | None) -> dict[str, Any]:
    today = call.svc.site.calendar.local_date(call.svc.now()).isoformat()
    base = {
        "title": "",
        "medium": Medium.PAPER.value,
        "level": "secret",
        "period": "10y",
        "classified_on": today,
        "issuing_authority": "",
        "home_room": "",
        "home_safe": "",
        "copy_number": "",
        "total_copies": "",
        "pages": "",
        "scope_people": [],
        "scope_departments": [],
    }
    if previous:  # a delivery's items mostly share their particulars
        base.update({k: v for k, v in previous.items() if k not in ("title", "copy_number")})
    return base


def _items(call: Call) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(_count(call)):
        p = f"items[{i}]."
        if p + "title" in call.form:
            item: dict[str, Any] = {k: call.value(p + k) for k in ITEM_FIELDS}
            item["scope_people"] = call.values(p + "scope_people")
            item["scope_departments"] = call.values(p + "scope_departments")
        else:
            item = _blank_item(call, out[-1] if out else None)
        item["marking"], item["marking_error"] = marking_preview(
            item["level"], item["period"], call.lang
        )
        out.append(item)
    return out


def _form(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    items = _items(call)
    return call.render(
        "receive.html",
        status=status,
        items=items,
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        received_from=call.value("received_from"),
        declared_count=call.value("declared_count", str(len(items))),
        received_on=call.value("received_on"),
        reason=call.value("reason"),
        rooms=places(call, PlaceKind.ROOM),
        safes=[(s.place.id, s.place.name, s.place.parent) for s in call.svc.site.safes],
        people=people_options(call),
        departments=departments(call),
    )


@PAGES.get("/console/receive", "receive")
def page(call: Call) -> Response:
    """The delivery form (``?items=N`` for N item blocks without the script)."""
    return _form(call)


@PAGES.get("/console/receive/marking", "receive", passive=True)
def marking(call: Call) -> Response:
    """The marking as it will print for a level and period (the form's live preview)."""
    text, error = marking_preview(call.value("level"), call.value("period"), call.lang)
    return JSONResponse({"marking": text, "error": error})


def _batch(call: Call, problems: Problems) -> receive.ReceiveBatch | None:
    items = []
    for i in range(_count(call)):
        p = f"items[{i}]."
        level = problems.level(call.value(p + "level"), p + "level")
        period = problems.period(call.value(p + "period"), p + "period")
        medium = problems.choice(Medium, call.value(p + "medium"), p + "medium")
        classified = problems.day(call.value(p + "classified_on"), p + "classified_on")
        copy_number = problems.integer(call.value(p + "copy_number"), p + "copy_number")
        total = problems.integer(call.value(p + "total_copies"), p + "total_copies")
        pages = problems.integer(call.value(p + "pages"), p + "pages")
        title = problems.required(call.value(p + "title"), p + "title")
        authority = problems.required(call.value(p + "issuing_authority"), p + "issuing_authority")
        room = problems.required(call.value(p + "home_room"), p + "home_room")
        if level is None or period is None or medium is None or classified is None:
            continue
        items.append(
            receive.ReceiveItem(
                title=title,
                medium=medium,
                level=level,
                period=period,
                classified_on=classified,
                issuing_authority=authority,
                home_room=room,
                home_safe=call.value(p + "home_safe") or None,
                copy_number=copy_number,
                total_copies=total,
                pages=pages,
                scope_people=tuple(call.values(p + "scope_people")),
                scope_departments=tuple(call.values(p + "scope_departments")),
            )
        )
    declared = problems.integer(call.value("declared_count"), "declared_count", required=True)
    received_from = problems.required(call.value("received_from"), "received_from")
    received_on = problems.day(call.value("received_on"), "received_on", required=False)
    if problems or declared is None:
        return None
    return receive.ReceiveBatch(items, declared, received_from, received_on, call.value("reason"))


@PAGES.post("/console/receive", "receive")
def submit(call: Call) -> Response:
    """Register the delivery, all or none; then on to the labels."""
    problems = Problems(call.lang)
    batch = _batch(call, problems)
    if batch is None:
        return _form(call, 422, problems)
    try:
        done = receive.receive(call.svc, call.actor, batch)
    except TrackerError as exc:
        problems.refused(exc, call.message(exc))
        if getattr(exc, "rule", None) == "R15":
            problems.fields.setdefault("declared_count", call.message(exc))
        return _form(call, status_of(exc), problems)
    query = urlencode([("s", c.serial) for c in done])
    n = len(done)
    return call.redirect(
        f"/console/receive/labels?{query}",
        ok=call.t(f"已签收登记 {n} 件，请打印标签", f"{n} carriers registered: print their labels"),
    )


def _serials(call: Call) -> list[str]:
    return call.values("s")[:MAX_ITEMS]


@PAGES.get("/console/receive/labels", "receive")
def labels(call: Call) -> Response:
    """The carriers just registered, each with its label preview, printer choice, and the
    read-back of its last print (from the register)."""
    serials = _serials(call)
    assert call.me is not None
    rows = []
    with call.svc.read() as uow:
        for s in serials:
            c = uow.carriers.get(s)
            if c is None:
                continue
            shown = access.carrier(call.me, c, call.lang, call.svc)
            rows.append((shown, label_status(uow.ledger.for_carrier(s, limit=10_000))))
    back = "/console/receive/labels?" + urlencode([("s", s) for s in serials])
    return call.render(
        "receive_labels.html",
        rows=rows,
        back=back,
        printers=[(p.id, p.id) for p in printers_of(call.svc.site)],
        default_printer=call.svc.site.labels.printer,
    )


@PAGES.post("/console/receive/labels", "receive")
def print_all(call: Call) -> Response:
    """Print (and read back) every label not yet confirmed, one after another."""
    assert call.me is not None
    serials = _serials(call)
    back = "/console/receive/labels?" + urlencode([("s", s) for s in serials])
    call.require("label")
    printer = call.value("printer") or None
    failed, done = [], 0
    for s in serials:
        with call.svc.read() as uow:
            c = uow.carriers.get(s)
        if c is None or c.labelled:
            continue
        try:
            carriers_api.print_label(
                serial=s, body=LabelIn(printer=printer), me=call.me, svc=call.svc
            )
            done += 1
        except (TrackerError, ValueError) as exc:
            text = call.message(exc) if isinstance(exc, TrackerError) else str(exc)
            failed.append(f"{s}：{text}")
    if failed:
        return call.redirect(back, error="；".join(failed))
    return call.redirect(
        back, ok=call.t(f"已打印并读回确认 {done} 张标签", f"{done} labels printed and read back")
    )
