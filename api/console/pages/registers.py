"""登记簿: the registers (登记簿) for a period, room and level, each with a download per
format, and the period's statistics with the same charts as the monthly report.

Downloads are the API's (``api.routers.registers.export_response``): checked before the
first byte, recorded in the administration log, titles by need-to-know, streamed from a
temporary file."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.web import PAGES, Call
from api.routers.registers import export_response
from tracker.domain.errors import InvalidInput
from tracker.domain.model import PlaceKind
from tracker.services.registers import KINDS
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.export import FORMATS, SUMMARY, check_export
from tracker.services.registers.monthly import previous_month


def _query(call: Call, problems: Problems) -> RegisterQuery | None:
    """The period and filters asked for; last month by default."""
    today = call.svc.site.calendar.local_date(call.svc.now())
    default = previous_month(today.replace(day=1))
    start = call.value("from") or default.start.isoformat()
    end = call.value("to") or default.end.isoformat()
    try:
        return RegisterQuery.parse(start, end, call.value("room"), call.value("level"))
    except InvalidInput as err:
        problems.add(err)
        return None


def _params(query: RegisterQuery) -> str:
    values = {"from": query.start.isoformat(), "to": query.end.isoformat()}
    if query.room:
        values["room"] = query.room
    if query.level:
        values["level"] = query.level.value
    return urlencode(values)


def _registers(call: Call, query: RegisterQuery | None) -> list[dict[str, Any]]:
    """Every register with its download links (none while the form has errors)."""
    params = _params(query) if query else ""
    out = [
        {
            "kind": kind,
            "name": spec.title(call.lang),
            "links": [(f, f"/console/registers/{kind}.{f}?{params}") for f in FORMATS]
            if query
            else [],
        }
        for kind, spec in KINDS.items()
    ]
    out.append(
        {
            "kind": SUMMARY,
            "name": call.t("统计报告（含图表）", "Statistics (with charts)"),
            "links": [("pdf", f"/console/registers/{SUMMARY}.pdf?{params}")] if query else [],
        }
    )
    return out


def _charts(view: Any) -> dict[str, str]:
    return {
        name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for name, png in view.charts.items()
    }


@PAGES.get("/console/registers", "registers")
def registers(call: Call) -> Response:
    """The registers with a download per format, and the period's statistics."""
    from tracker.reports.summary import console_summary

    problems = Problems(call.lang)
    query = _query(call, problems)
    view = None
    if query is not None:
        try:
            check_export(call.svc, call.actor, SUMMARY, query, "pdf")  # the room, the reader
            view = console_summary(call.svc, call.actor, query, call.lang)
        except InvalidInput as err:
            problems.add(err)
            query = None
    rooms = [(p.id, p.name) for p in call.svc.site.places if p.kind is PlaceKind.ROOM]
    return call.render(
        "registers.html",
        status=422 if problems else 200,
        registers=_registers(call, query),
        summary=view.summary if view else None,
        charts=_charts(view) if view else {},
        rooms=rooms,
        errors=problems.fields,
        start=call.value("from") or (query.start.isoformat() if query else ""),
        end=call.value("to") or (query.end.isoformat() if query else ""),
        room=call.value("room"),
        level=call.value("level"),
    )


@PAGES.get("/console/registers/{name}", "registers", raw=True)
def download(call: Call) -> Response:
    """One register (or the statistics) as a file: ``borrows.xlsx``, ``summary.pdf``;
    a refusal or bad input is an error page, before any byte of the file."""
    kind, _, fmt = call.path["name"].rpartition(".")
    query = RegisterQuery.parse(
        call.value("from"), call.value("to"), call.value("room"), call.value("level")
    )
    return export_response(call.svc, call.actor, kind, query, fmt, call.lang)
