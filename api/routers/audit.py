"""The custody register (R14): verify the hash chain, read its head. The administration
log: read (the security auditor; the security administrator sees the ordinary users'
logins, logouts and exports), verify and read its head (the auditor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Role
from api.deps import Auditor, Keeper, LogReader, Officer, Svc
from api.schemas.admin import AdminLogEntryOut
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page, When
from api.schemas.system import HeadOut, VerifyOut, VerifyProblemOut
from tracker.domain.adminlog import AdminAction
from tracker.domain.ledger import EntryFilter, Verification
from tracker.services import adminlog

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("/verify", response_model=VerifyOut, summary="Verify the register's hash chain")
def verify(
    me: Officer,
    svc: Svc,
    expect_count: Annotated[
        int | None, Query(ge=0, le=10**12, description="A head recorded earlier.")
    ] = None,
    expect_hash: Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{64}$")] = None,
) -> VerifyOut:
    """Walk every entry: hashes, HMACs, links and the head; optionally against a head
    an officer recorded outside the system (shows truncation)."""
    with svc.read() as uow:
        v = uow.ledger.verify(expect_count=expect_count, expect_hash=expect_hash)  # type: ignore[call-arg]
    return _verified(v)


def _verified(v: Verification) -> VerifyOut:
    problem = None
    if v.problem is not None:
        problem = VerifyProblemOut(
            kind=v.problem.kind, seq=v.problem.seq, message=v.problem.message
        )
    return VerifyOut(ok=v.ok, entries=v.entries, problem=problem, seconds=v.seconds)


@router.get("/head", response_model=HeadOut, summary="The register's head")
def head(me: Keeper, svc: Svc) -> HeadOut:
    """Count and last hash: record them outside the system to detect truncation later."""
    with svc.read() as uow:
        count, last = uow.ledger.head()
    return HeadOut(count=count, last_hash=last)


@router.get(
    "/admin-log", response_model=Page[AdminLogEntryOut], summary="Read the administration log"
)
def admin_log(
    me: LogReader,
    svc: Svc,
    actor: Annotated[str | None, Query(max_length=128, description="Who acted.")] = None,
    action: Annotated[list[AdminAction] | None, Query(description="What was done.")] = None,
    since: Annotated[When | None, Query(description="From this time on.")] = None,
    until: Annotated[When | None, Query(description="Before this time.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AdminLogEntryOut]:
    """Entries newest first: every login with its client address, every change of a
    person, role, clearance, badge, login, device, site or setting, every export and
    unlock. The security administrator reviewing the users' activity sees only the
    logins, logouts and exports of people who are not administrators."""
    f = EntryFilter(
        actor=actor,
        actions=frozenset(a.value for a in action or ()),
        since=since,
        until=until,
    )
    page = adminlog.find(
        svc, f, limit=limit, offset=offset, ordinary_users_only=me.role is Role.SECURITY_ADMIN
    )
    items = [
        AdminLogEntryOut(
            seq=e.seq, action=e.action, at=e.at, actor=e.actor, data=e.data, hash=e.hash
        )
        for e in page.entries
    ]
    return Page[AdminLogEntryOut](items=items, total=page.total, limit=limit, offset=offset)


@router.get("/admin-log/verify", response_model=VerifyOut, summary="Verify the administration log")
def verify_admin_log(me: Auditor, svc: Svc) -> VerifyOut:
    """Walk every entry of the administration log: hashes, HMACs, links and the head."""
    return _verified(adminlog.verify(svc))


@router.get("/admin-log/head", response_model=HeadOut, summary="The administration log's head")
def admin_log_head(me: Auditor, svc: Svc) -> HeadOut:
    """Count and last hash: record them outside the system to detect truncation later."""
    count, last = adminlog.head(svc)
    return HeadOut(count=count, last_hash=last)
