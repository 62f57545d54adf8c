"""Logging in (OAuth2 password flow), logging out everywhere, and who am I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import PEOPLE, Principal, Role, client_address, password_login, require
from api.deps import Ctx, Person
from api.schemas.common import ERROR_RESPONSES, ErrorBody
from api.schemas.system import MeOut, TokenOut
from tracker.services import accounts

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERROR_RESPONSES)


TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorBody,
        "description": "Too many failed logins from this address for this user name: wait "
        "for Retry-After seconds.",
    }
}


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in (OAuth2 password flow)",
    responses=TOO_MANY,
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], ctx: Ctx, request: Request
) -> TokenOut:
    """Exchange a user name and password for a short-lived access token. Public.
    Throttled per user name and client address: after 5 failures from one address each
    further attempt from there waits a doubling delay (429 with Retry-After); the same
    user from another address is not held up. Every attempt is in the administration
    log with the client address."""
    done = password_login(ctx, request, form.username, form.password)
    issued = ctx.issuer.issue(done.user.username, generation=done.user.generation)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in)


@router.post("/logout", status_code=204, summary="Log out everywhere")
def logout(me: Person, ctx: Ctx, request: Request) -> Response:
    """End every access token of the caller's login at once (on every server)."""
    accounts.logout(ctx.services, me.name, client_address(request))
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, summary="Who am I")
def me(who: Annotated[Principal, require(*PEOPLE, Role.DEVICE)]) -> MeOut:
    """The caller's role and identity."""
    return MeOut(
        role=who.role.value,
        name=who.name,
        person=who.person.id if who.person else None,
        person_name=who.person.name if who.person else None,
        device_places=list(who.device.places) if who.device else None,
    )
