"""审计: for the keepers, the custody register's head (count and last hash, large enough
to copy onto paper) and, for the officer, its verification against a head recorded
earlier and who is logged in to the console now. For the security auditor, the
administration log — its head, its verification and its entries; for the security
administrator, the users' logins in it (the API's review of their activity) and who is
logged in. The same reads as ``/api/v1/audit/…``; titles appear nowhere on this page."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.web import PAGES, Call
from tracker.domain.adminlog import AdminAction
from tracker.domain.ledger import EntryFilter, Verification
from tracker.services import adminlog, sessions

LOG_PAGE = 100


def _admin_log(call: Call, problems: Problems) -> dict[str, Any]:
    """A page of the administration log, newest first, as the caller may read it."""
    if not (call.may("read_admin_log") or call.may("read_user_logins")):
        return {}
    action_text = call.value("action")
    action = problems.choice(AdminAction, action_text, "action", required=False)
    offset = max(0, problems.integer(call.value("offset"), "offset") or 0)
    actor = call.value("actor")[:128] or None
    f = EntryFilter(actor=actor, actions=frozenset({action.value}) if action else frozenset())
    page = adminlog.find(
        call.svc,
        f,
        limit=LOG_PAGE,
        offset=offset,
        ordinary_users_only=not call.may("read_admin_log"),
    )
    args = "&".join(f"{k}={v}" for k, v in (("actor", actor), ("action", action_text)) if v)
    return {
        "log": page.entries,
        "log_page": {
            "total": page.total,
            "limit": LOG_PAGE,
            "offset": offset,
            "truncated": False,
        },
        "log_base": "/console/audit?" + (args + "&" if args else ""),
        "actor": actor or "",
        "action": action_text,
    }


def _page(
    call: Call,
    *,
    result: Verification | None = None,
    log_result: Verification | None = None,
    problems: Problems | None = None,
) -> Response:
    problems = problems or Problems(call.lang)
    assert call.me is not None
    data: dict[str, Any] = {"count": None, "last": "", "admin_head": None}
    if call.me.keeper:
        with call.svc.read() as uow:
            data["count"], data["last"] = uow.ledger.head()
    if call.may("verify_admin_log"):
        data["admin_head"] = adminlog.head(call.svc)
    data.update(_admin_log(call, problems))
    live = (
        sessions.live_sessions(call.svc, call.console.settings.policy)
        if call.may("live_sessions")
        else []
    )
    return call.render(
        "audit.html",
        status=422 if problems else 200,
        result=result,
        log_result=log_result,
        sessions=live,
        errors=problems.fields,
        expect_count=call.value("expect_count"),
        expect_hash=call.value("expect_hash"),
        **data,
    )


@PAGES.get("/console/audit", "audit")
def page(call: Call) -> Response:
    """The register's head, the administration log, who is logged in (by role)."""
    return _page(call)


@PAGES.post("/console/audit/verify", "audit")
def verify(call: Call) -> Response:
    """Walk the whole chain; with a head recorded on paper, also against that."""
    call.require("verify")
    problems = Problems(call.lang)
    expect_count = problems.integer(call.value("expect_count"), "expect_count")
    expect_hash = call.value("expect_hash").lower() or None
    if expect_hash is not None and (
        len(expect_hash) != 64 or any(ch not in "0123456789abcdef" for ch in expect_hash)
    ):
        problems.fields["expect_hash"] = call.t("应为64位十六进制", "must be 64 hex digits")
    if problems:
        return _page(call, problems=problems)
    with call.svc.read() as uow:
        result = uow.ledger.verify(expect_count=expect_count, expect_hash=expect_hash)  # type: ignore[call-arg]
    return _page(call, result=result)


@PAGES.post("/console/audit/verify-admin-log", "audit")
def verify_admin_log(call: Call) -> Response:
    """The auditor walks the whole administration log: hashes, HMACs, links, the head."""
    call.require("verify_admin_log")
    return _page(call, log_result=adminlog.verify(call.svc))
