"""审计: the register's head (count and last hash, large enough to copy onto paper), its
verification against a head recorded earlier, the administration log, and (for the
officer) who is logged in to the console now."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from api.console.forms import Problems
from api.console.web import PAGES, Call
from tracker.domain.ledger import Action
from tracker.services import sessions

ADMIN = {Action.PERSON.value, Action.SITE_LOAD.value}
_CHUNK = 2000
_CHUNKS = 25  # how far back the administration log looks (entries), newest first
_SHOWN = 100


def _admin_log(call: Call) -> tuple[list[Any], bool]:
    """The newest administration entries (people, logins, devices, site loads)."""
    out: list[Any] = []
    with call.svc.read() as uow:
        count, _ = uow.ledger.head()
        after = count
        for _ in range(_CHUNKS):
            if after <= 0 or len(out) >= _SHOWN:
                break
            start = max(0, after - _CHUNK)
            chunk = uow.ledger.entries(after_seq=start, limit=after - start)
            out.extend(e for e in reversed(chunk) if e.action in ADMIN)
            after = start
    return out[:_SHOWN], after > 0


def _page(call: Call, result: Any = None, problems: Problems | None = None) -> Response:
    with call.svc.read() as uow:
        count, last = uow.ledger.head()
    log, partial = _admin_log(call)
    live = (
        sessions.live_sessions(call.svc, call.console.settings.policy) if call.may("verify") else []
    )
    return call.render(
        "audit.html",
        status=422 if problems else 200,
        count=count,
        last=last,
        result=result,
        log=log,
        partial=partial,
        sessions=live,
        errors=problems.fields if problems else {},
        expect_count=call.value("expect_count"),
        expect_hash=call.value("expect_hash"),
    )


@PAGES.get("/console/audit", "audit")
def page(call: Call) -> Response:
    """The register's head and the administration log."""
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
