"""The custody register (R14): verify the hash chain, read its head."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Keeper, Officer, Svc
from api.schemas.common import ERROR_RESPONSES
from api.schemas.system import HeadOut, VerifyOut, VerifyProblemOut

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
