"""Logging in (OAuth2 password flow) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import Principal, Role, require
from api.deps import Ctx
from api.errors import TooManyAttempts, Unauthenticated
from api.schemas.common import ERROR_RESPONSES
from api.schemas.system import MeOut, TokenOut
from tracker.services import accounts

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/token", response_model=TokenOut, summary="Log in (OAuth2 password flow)")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], ctx: Ctx) -> TokenOut:
    """Exchange a user name and password for a short-lived access token. Public. After 5
    failed attempts for a user name within 15 minutes it is refused (429) for a while."""
    wait = ctx.throttle.blocked_for(form.username)
    if wait:
        ctx.metrics.auth_failures.labels("throttled").inc()
        raise TooManyAttempts(wait)
    found = None
    if len(form.password) <= accounts.MAX_PASSWORD:
        found = accounts.authenticate(ctx.services, form.username, form.password, ctx.hasher)
    if found is None:
        ctx.throttle.failed(form.username)
        ctx.metrics.auth_failures.labels("password").inc()
        raise Unauthenticated("wrong user name or password", zh="用户名或密码错误")
    ctx.throttle.succeeded(form.username)
    issued = ctx.issuer.issue(found[0].username)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/me", response_model=MeOut, summary="Who am I")
def me(
    who: Annotated[
        Principal, require(Role.CUSTODIAN, Role.OFFICER, Role.APPROVER, Role.STAFF, Role.DEVICE)
    ],
) -> MeOut:
    """The caller's role and identity."""
    return MeOut(
        role=who.role.value,
        name=who.name,
        person=who.person.id if who.person else None,
        person_name=who.person.name if who.person else None,
        device_places=list(who.device.places) if who.device else None,
    )
