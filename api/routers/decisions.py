"""The one router pattern of the approval workflow: every kind of request gets
``POST …/{id}/approve`` (with an optional note) and ``POST …/{id}/reject`` (with a note
saying why) from the same code, each calling the kind's ``approve_X`` / ``reject_X``
service. The approver is the caller, logged in as themselves; the rules are the
services' (:mod:`tracker.services.approvals`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import Approver, Svc
from api.schemas.common import IdPath, Note
from api.schemas.records import RejectIn
from tracker.services.base import Services

Decide = Callable[[Services, str, str, str], Any]


def _endpoint(
    name: str, param: str, body: type[BaseModel], out: type[BaseModel], decide: Decide, doc: str
) -> Callable[..., Any]:
    def endpoint(**kw: Any) -> Any:
        return out.model_validate(decide(kw["svc"], kw["me"].actor, kw[param], kw["body"].note))

    # FastAPI reads the parameters from the signature: the path parameter keeps the name
    # each router has always used (borrow_id, co_id, …).
    p = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(param, p, annotation=IdPath),
            inspect.Parameter("body", p, annotation=body),
            inspect.Parameter("me", p, annotation=Approver),
            inspect.Parameter("svc", p, annotation=Svc),
        ],
        return_annotation=out,
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    return endpoint


def add_decisions(
    router: APIRouter,
    *,
    param: str,
    out: type[BaseModel],
    noun: str,
    rule: str,
    approve: Decide,
    reject: Decide,
) -> None:
    """Add the approve and reject routes of one kind of request to ``router``."""
    router.add_api_route(
        f"/{{{param}}}/approve",
        _endpoint(
            "approve", param, Note, out, approve, f"Approve; never one's own request ({rule})."
        ),
        methods=["POST"],
        response_model=out,
        summary=f"Approve a {noun}",
    )
    router.add_api_route(
        f"/{{{param}}}/reject",
        _endpoint("reject", param, RejectIn, out, reject, "Reject, saying why."),
        methods=["POST"],
        response_model=out,
        summary=f"Reject a {noun}",
    )
