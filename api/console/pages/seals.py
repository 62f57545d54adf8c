"""封存 (R19): the holiday periods ahead and when the secure room's safes are sealed and
unsealed, every seal with its snapshot and comparison, sealing and unsealing by hand."""

from __future__ import annotations

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.web import PAGES, Call
from api.errors import status_of
from tracker.domain.errors import NotFound, TrackerError
from tracker.services import sealing


def _page(call: Call, status: int = 200, problems: Problems | None = None) -> Response:
    with call.svc.read() as uow:
        rows = uow.seals.find(order_by="-sealed_at", limit=100)
    return call.render(
        "seals.html",
        status=status,
        rows=rows,
        holidays=sealing.periods(call.svc),
        safes=[(s.place.id, s.place.name) for s in call.svc.site.safes],
        errors=problems.fields if problems else {},
        problem=problems.general if problems else "",
    )


@PAGES.get("/console/seals", "seals")
def index(call: Call) -> Response:
    """Holidays ahead, seals, and the form to seal a safe by hand."""
    return _page(call)


@PAGES.post("/console/seals", "seals")
def seal(call: Call) -> Response:
    """Seal a safe now: what its readers see inside is the snapshot."""
    call.require("seal")
    problems = Problems(call.lang)
    safe = problems.required(call.value("safe"), "safe")
    reason = problems.required(call.value("reason").strip(), "reason")
    until = problems.moment(call.value("until"), "until", call.svc.site.calendar.tz, required=False)
    if problems:
        return _page(call, 422, problems)
    try:
        s = sealing.seal_safe(call.svc, call.actor, safe, reason, until)
    except TrackerError as exc:
        return _page(call, status_of(exc), problems.refused(exc, call.message(exc)))
    return call.redirect(f"/console/seals/{s.id}", ok=call.t("保险柜已封存", "Safe sealed"))


@PAGES.get("/console/seals/{seal_id}", "seals")
def show(call: Call) -> Response:
    """One seal: the snapshot, what left while sealed, the comparison."""
    with call.svc.read() as uow:
        s = uow.seals.get(call.path["seal_id"])
    if s is None:
        raise NotFound("no such seal", zh="没有该封存记录")
    return call.render("seal.html", s=s)


@PAGES.post("/console/seals/{seal_id}/unseal", "seals")
def unseal(call: Call) -> Response:
    """Unseal and compare with the snapshot; every difference is an alert."""
    call.require("seal")
    back = f"/console/seals/{call.path['seal_id']}"
    return call.attempt(
        back,
        call.t("已启封并核对", "Unsealed and compared"),
        sealing.unseal,
        call.svc,
        call.actor,
        call.path["seal_id"],
    )
