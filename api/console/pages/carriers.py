"""载体: search by serial or title (need-to-know exactly as the API), filters, the scan
box's look-up, and the carrier page — marking, place, holder, the register's history as
a time line, open alerts — with the actions the caller's role may take."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import Response

from api.console import access, i18n
from api.console.forms import Problems
from api.console.web import PAGES, Call, local_path, person_label
from api.errors import status_of
from api.routers import carriers as carriers_api
from api.schemas.carriers import LabelIn
from api.views import alert_view
from labels.content import LabelContent
from labels.render_png import render_png
from tracker.config import printers_of
from tracker.domain.errors import NotFound, TrackerError
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, CarrierState, LossKind, PlaceKind
from tracker.services import borrowing, classification, custody, loss, receive
from tracker.services.dashboard import OPEN

PAGE = 50
HISTORY = 300  # newest register entries shown on a carrier page


def people_options(call: Call) -> list[tuple[str, str]]:
    """Active people as ``(id, "name (id)")``."""
    with call.svc.read() as uow:
        found = uow.people.find(active=True, order_by="id")
    return [(p.id, f"{p.name}（{p.id}）") for p in found]


def departments(call: Call) -> list[tuple[str, str]]:
    """Departments of the people on file."""
    with call.svc.read() as uow:
        names = sorted({p.department for p in uow.people.find() if p.department})
    return [(d, d) for d in names]


def places(call: Call, kind: PlaceKind) -> list[tuple[str, str]]:
    """Rooms or safes of the site as ``(id, name)``."""
    return [(p.id, p.name) for p in call.svc.site.places if p.kind is kind]


def rooms_and_safes(call: Call) -> list[tuple[str, str]]:
    """Every room and safe, for a "where" filter."""
    return [
        (p.id, p.name) for p in call.svc.site.places if p.kind in (PlaceKind.ROOM, PlaceKind.SAFE)
    ]


# --- search ---------------------------------------------------------------------------


@PAGES.get("/console/carriers", "carriers")
def search(call: Call) -> Response:
    """The carrier list with search and filters."""
    assert call.me is not None
    problems = Problems(call.lang)
    q = call.value("q")
    state = problems.choice(CarrierState, call.value("state"), "state", required=False)
    level = problems.choice(Level, call.value("level"), "level", required=False)
    where = call.value("location") or None
    holder = call.value("holder") or None
    overdue = call.value("overdue") == "1"
    offset = max(0, problems.integer(call.value("offset"), "offset") or 0)
    if len(q) > 200:
        problems.fields["q"] = call.t("搜索内容过长", "the search text is too long")
        q = ""
    if problems:
        page = None
    elif overdue:
        page = _overdue_page(call)
    else:
        page = access.search(
            call.me,
            call.svc,
            call.lang,
            q=q or None,
            state=state,
            level=level,
            location=where,
            holder=holder,
            limit=PAGE,
            offset=offset,
        )
    args = {
        k: v
        for k, v in {
            "q": q,
            "state": call.value("state"),
            "level": call.value("level"),
            "location": where or "",
            "holder": holder or "",
            "overdue": "1" if overdue else "",
        }.items()
        if v
    }
    return call.render(
        "carriers.html",
        status=422 if problems else 200,
        page=page,
        errors=problems.fields,
        filters=args,
        base="/console/carriers?" + (urlencode(args) + "&" if args else ""),
        people=people_options(call) if call.me.keeper else [],
        wheres=rooms_and_safes(call),
    )


def _overdue_page(call: Call) -> Any:
    from api.schemas.carriers import CarrierOut
    from api.schemas.common import Page

    assert call.me is not None
    me = call.me
    late = borrowing.overdue(call.svc, 1000)
    if not me.keeper:
        late = [b for b in late if access.sees_borrow(me, b)]
    with call.svc.read() as uow:
        found = [c for b in late if (c := uow.carriers.get(b.carrier)) is not None]
    items = [access.carrier(me, c, call.lang, call.svc) for c in found]
    return Page[CarrierOut](items=items, total=len(items), limit=len(items) or 1, offset=0)


@PAGES.get("/console/scan", "carriers")
def scan(call: Call) -> Response:
    """The header's scan box: a serial or an EPC goes straight to its carrier."""
    code = call.value("code")
    if not code:
        return call.redirect("/console/carriers")
    with call.svc.read() as uow:
        c = uow.carriers.get(code) or uow.carriers.by_epc(code.upper())
    if c is None:
        return call.redirect(
            "/console/carriers?q=" + quote(code[:100]),
            error=call.t(
                f"没有编号或标签为 {code} 的载体", f"no carrier with serial or tag {code}"
            ),
        )
    return call.redirect("/console/carriers/" + quote(c.serial))


# --- the carrier page -------------------------------------------------------------------


def _carrier(call: Call) -> Carrier:
    serial = call.path["serial"]
    with call.svc.read() as uow:
        c = uow.carriers.get(serial)
    if c is None:
        raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
    return c


def carrier_page(
    call: Call,
    *,
    status: int = 200,
    failed: str = "",
    problems: Problems | None = None,
) -> Response:
    """The carrier page; ``failed`` names the form whose submission ``problems`` refused."""
    me = call.me
    assert me is not None
    c = _carrier(call)
    shown = access.carrier(me, c, call.lang, call.svc)
    data: dict[str, Any] = {"c": shown, "history": [], "alerts": [], "borrow": None}
    entries: list[Any] = []
    if not shown.restricted:
        with call.svc.read() as uow:
            entries = uow.ledger.for_carrier(c.serial, limit=10_000)
            alerts = uow.alerts.find(subject=c.serial, state=OPEN, order_by="-last_seen")
            out = uow.borrows.find(
                carrier=c.serial, state=[*_OPEN_BORROWS], order_by="-requested_at"
            )
            data["alerts"] = [
                alert_view(a, call.lang) for a in alerts if access.sees_alert(me, a, uow)
            ]
        data["history"] = list(reversed(entries[-HISTORY:]))
        data["history_total"] = len(entries)
        data["borrow"] = out[0] if out else None
        data["expires_on"] = shown.expires_on
    from api.console.pages.disclosure import carrier_record  # it imports this module

    data["disclosures"] = [] if shown.restricted else carrier_record(call, c)  # R16
    data.update(
        failed=failed,
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
        values={k: v[0] for k, v in call.form.items() if v},
        safes=places(call, PlaceKind.SAFE),
        rooms=places(call, PlaceKind.ROOM),
        printers=[(p.id, p.id) for p in printers_of(call.svc.site)],
        default_printer=call.svc.site.labels.printer,
        people=people_options(call) if call.may("widen_scope") else [],
        departments=departments(call) if call.may("widen_scope") else [],
        losses=i18n.choices("loss", call.lang),
        label=label_status(entries) if not shown.restricted else None,
        labelled=c.labelled,
        summary=lambda e: entry_summary(call, e),
    )
    return call.render("carrier.html", status=status, **data)


_OPEN_BORROWS = ("requested", "approved", "out")


def entry_summary(call: Call, e: Any) -> str:
    """A register entry's particulars in words (never a title: entries carry none)."""
    d = e.data or {}
    parts = []
    for key, zh, en in (
        ("borrower", "借阅人", "borrower"),
        ("due_at", "应还", "due"),
        ("marking", "标志", "marking"),
        ("from", "原", "from"),
        ("to", "新", "to"),
        ("barcode", "条码读回", "barcode read back"),
        ("tag_epc", "标签读回", "tag read back"),
        ("printer", "打印机", "printer"),
        ("error", "错误", "error"),
        ("door", "门", "door"),
        ("safe", "保险柜", "safe"),
        ("people", "人员", "people"),
        ("witnesses", "监销人", "witnesses"),
        ("method", "方式", "method"),
        ("kind", "类别", "kind"),
    ):
        if key in d and d[key] not in (None, "", []):
            value = d[key]
            if key == "borrower":
                value = person_label(call, str(value))
            elif key == "due_at":
                value = _local(call, str(value))
            elif key in ("people", "witnesses") and isinstance(value, list):
                value = [person_label(call, str(v)) for v in value]
            if isinstance(value, list):
                value = "、".join(str(v) for v in value)
            parts.append(f"{call.t(zh, en)} {value}")
    if "ok" in d and e.action in ("label", "reprint"):
        parts.insert(
            0, call.t("已确认", "confirmed") if d["ok"] else call.t("未确认", "NOT confirmed")
        )
    return "；".join(parts) if call.lang == "zh" else "; ".join(parts)


def _local(call: Call, text: str) -> str:
    """An ISO time from the register in the site's zone (as written, if unreadable)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return text
    return i18n.when(at, call.svc.site.calendar.tz)


@PAGES.get("/console/carriers/{serial}", "carriers")
def show(call: Call) -> Response:
    """One carrier."""
    return carrier_page(call)


def _act(call: Call, form: str, action: str, fn: Any, *args: Any, ok: str) -> Response:
    """Run one action of the carrier page; on a refusal the page again, with the reason
    beside the field at fault and the user's input kept."""
    try:
        call.require(action)
        fn(*args)
    except TrackerError as exc:
        problems = Problems(call.lang).refused(exc, call.message(exc))
        return carrier_page(call, status=status_of(exc), failed=form, problems=problems)
    return call.redirect("/console/carriers/" + quote(call.path["serial"]), ok=ok)


@PAGES.post("/console/carriers/{serial}/store", "carriers")
def store(call: Call) -> Response:
    """Lock the carrier in its home safe (or the one chosen)."""
    serial = call.path["serial"]
    safe = call.value("safe") or None
    return _act(
        call,
        "store",
        "store",
        receive.store_in_safe,
        call.svc,
        call.actor,
        serial,
        safe,
        ok=call.t("已入柜", "Locked away"),
    )


@PAGES.post("/console/carriers/{serial}/transfer", "carriers")
def transfer(call: Call) -> Response:
    """A new home room and safe (R1)."""
    serial = call.path["serial"]
    args = (call.value("room"), call.value("safe") or None, call.value("reason"))
    return _act(
        call,
        "transfer",
        "transfer",
        custody.transfer,
        call.svc,
        call.actor,
        serial,
        *args,
        ok=call.t("已变更存放位置", "New home recorded"),
    )


@PAGES.post("/console/carriers/{serial}/reclassify", "carriers")
def reclassify(call: Call) -> Response:
    """A new level and period by the approver (R11)."""
    serial = call.path["serial"]
    problems = Problems(call.lang)
    level = problems.level(call.value("level"), "level")
    period = problems.period(call.value("period"), "period")
    if problems or level is None or period is None:
        return carrier_page(call, status=422, failed="reclassify", problems=problems)
    return _act(
        call,
        "reclassify",
        "reclassify",
        classification.reclassify,
        call.svc,
        call.actor,
        serial,
        level,
        period,
        call.value("reason"),
        ok=call.t("密级已变更，请补打标签", "Reclassified: print a new label"),
    )


@PAGES.post("/console/carriers/{serial}/declassify", "carriers")
def declassify(call: Call) -> Response:
    """Declassify early by the approver (R11)."""
    serial = call.path["serial"]
    return _act(
        call,
        "declassify",
        "declassify",
        classification.declassify,
        call.svc,
        call.actor,
        serial,
        call.value("reason"),
        ok=call.t("已解密", "Declassified"),
    )


@PAGES.post("/console/carriers/{serial}/scope", "carriers")
def widen(call: Call) -> Response:
    """Add people or departments to the knowledge scope (approver)."""
    serial = call.path["serial"]
    return _act(
        call,
        "scope",
        "widen_scope",
        classification.widen_scope,
        call.svc,
        call.actor,
        serial,
        call.values("people"),
        call.values("departments"),
        call.value("reason"),
        ok=call.t("知悉范围已扩大", "Knowledge scope widened"),
    )


@PAGES.post("/console/carriers/{serial}/loss", "carriers")
def report_loss(call: Call) -> Response:
    """Report the carrier lost, stolen or leaked (R13)."""
    serial = call.path["serial"]
    problems = Problems(call.lang)
    kind = problems.choice(LossKind, call.value("kind"), "kind")
    at = problems.moment(call.value("discovered_at"), "discovered_at", call.svc.site.calendar.tz)
    if problems or kind is None or at is None:
        return carrier_page(call, status=422, failed="loss", problems=problems)
    return _act(
        call,
        "loss",
        "report_loss",
        loss.report_loss,
        call.svc,
        call.actor,
        serial,
        kind,
        call.value("description"),
        at,
        ok=call.t("已报告，保密干部已收到告警", "Reported: the secrecy officer has been alerted"),
    )


@PAGES.post("/console/carriers/{serial}/found", "carriers")
def found(call: Call) -> Response:
    """A missing carrier is back with the custodian."""
    serial = call.path["serial"]
    return _act(
        call,
        "found",
        "found",
        loss.mark_found,
        call.svc,
        call.actor,
        serial,
        call.value("note"),
        ok=call.t("已登记找回", "Recorded as found"),
    )


@PAGES.post("/console/carriers/{serial}/label", "carriers")
def print_label(call: Call) -> Response:
    """Print the label on the chosen printer and read it back (R15) — the API's own
    print route, so the station, the read-back and the register entry are the same.
    The outcome is shown from the register's label entry (see :func:`label_status`)."""
    assert call.me is not None
    serial = call.path["serial"]
    back = local_path(call.value("back"), "/console/carriers/" + quote(serial))
    try:
        call.require("label")
        body = LabelIn(printer=call.value("printer") or None)
        result = carriers_api.print_label(serial=serial, body=body, me=call.me, svc=call.svc)
    except TrackerError as exc:
        return call.redirect(back, error=f"{serial}：{call.message(exc)}")
    except ValueError:
        return call.redirect(back, error=call.t("打印机编号无效", "not a printer id"))
    return call.redirect(
        back,
        ok=call.t(
            f"{serial} 标签已打印并读回确认：条码 {result.barcode}，EPC {result.tag_epc or '—'}",
            f"{serial}: label printed and read back: barcode {result.barcode}, "
            f"EPC {result.tag_epc or '—'}",
        ),
    )


def label_status(entries: list[Any]) -> Any:
    """The newest label print of a carrier from its register entries (or None)."""
    return next((e for e in reversed(entries) if e.action in ("label", "reprint")), None)


@PAGES.get("/console/carriers/{serial}/label.png", "receive", raw=True)
def label_preview(call: Call) -> Response:
    """The label as it will print (the same renderer as the printers' PNG output)."""
    c = _carrier(call)
    with call.svc.read() as uow:
        entries = uow.ledger.for_carrier(c.serial, limit=10_000)
    confirmed = sum(1 for e in entries if e.action in ("label", "reprint") and e.data.get("ok"))
    cfg = call.svc.site.labels
    content = LabelContent.from_carrier(
        c,
        reprint=confirmed > 0,
        reprint_count=confirmed or None,
        size=(cfg.width_mm, cfg.height_mm),
    )
    return Response(
        render_png(content), media_type="image/png", headers={"Cache-Control": "no-store"}
    )
