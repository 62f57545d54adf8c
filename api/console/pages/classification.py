"""密级变更 and 知悉范围 on the carrier page (R11): the approver (and the officer) changes
a carrier's level and period, declassifies it early or widens its knowledge scope at
once; the custodian asks for a level change or an early declassification, which waits
in the approver's inbox (:mod:`.approvals`)."""

from __future__ import annotations

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.pages.carriers import act, carrier_page
from api.console.web import PAGES, Call
from tracker.services import classification


@PAGES.post("/console/carriers/{serial}/reclassify", "carriers")
def reclassify(call: Call) -> Response:
    """A new level and period by the approver (R11)."""
    serial = call.path["serial"]
    problems = Problems(call.lang)
    level = problems.level(call.value("level"), "level")
    period = problems.period(call.value("period"), "period")
    if problems or level is None or period is None:
        return carrier_page(call, status=422, failed="reclassify", problems=problems)
    return act(
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
    return act(
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
    return act(
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


@PAGES.post("/console/carriers/{serial}/level-change", "carriers")
def ask_level_change(call: Call) -> Response:
    """The custodian asks for a new level and period, or (``declassify=1``) for early
    declassification; an approver decides in the inbox."""
    serial = call.path["serial"]
    ok = call.t("已提交，等待审批", "Asked: awaiting approval")
    if call.value("declassify") == "1":
        return act(
            call,
            "level_change",
            "request_level_change",
            classification.request_declassification,
            call.svc,
            call.actor,
            serial,
            call.value("reason"),
            ok=ok,
        )
    problems = Problems(call.lang)
    level = problems.level(call.value("level"), "level")
    period = problems.period(call.value("period"), "period")
    if problems or level is None or period is None:
        return carrier_page(call, status=422, failed="level_change", problems=problems)
    return act(
        call,
        "level_change",
        "request_level_change",
        classification.request_reclassification,
        call.svc,
        call.actor,
        serial,
        level,
        period,
        call.value("reason"),
        ok=ok,
    )
