"""Password logins: the security administrator creates, disables, enables, unlocks them
and resets their passwords. Every change is in the administration log."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Ctx, SecurityAdmin
from api.schemas.admin import PasswordIn, UnlockOut, UserIn, UserOut
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from tracker.services import accounts

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=ERROR_RESPONSES)


@router.get("", response_model=Page[UserOut], summary="List logins")
def list_users(
    me: SecurityAdmin, ctx: Ctx, limit: Limit = 100, offset: Offset = 0
) -> Page[UserOut]:
    """Every login by name (never a password hash)."""
    with ctx.services.read() as uow:
        total = uow.users.count()
        found = uow.users.find(order_by="username", limit=limit, offset=offset)
    return Page[UserOut](
        items=[UserOut.model_validate(u) for u in found], total=total, limit=limit, offset=offset
    )


@router.post("", response_model=UserOut, status_code=201, summary="Give a person a login")
def add_user(body: UserIn, me: SecurityAdmin, ctx: Ctx) -> UserOut:
    """A password login for an existing person; the person's role is the login's."""
    user = accounts.create_user(
        ctx.services, me.actor, body.username, body.person, body.password, ctx.hasher
    )
    return UserOut.model_validate(user)


@router.post("/{username}/password", response_model=UserOut, summary="Reset a password")
def reset_password(username: IdPath, body: PasswordIn, me: SecurityAdmin, ctx: Ctx) -> UserOut:
    """Set a new password; every token of the login stops working at once."""
    user = accounts.set_password(ctx.services, me.actor, username, body.password, ctx.hasher)
    return UserOut.model_validate(user)


@router.post("/{username}/disable", response_model=UserOut, summary="Disable a login")
def disable(username: IdPath, me: SecurityAdmin, ctx: Ctx) -> UserOut:
    """The login stops working at once (the person stays)."""
    return UserOut.model_validate(accounts.set_user_active(ctx.services, me.actor, username, False))


@router.post("/{username}/enable", response_model=UserOut, summary="Enable a login")
def enable(username: IdPath, me: SecurityAdmin, ctx: Ctx) -> UserOut:
    """A disabled login works again (with a fresh login)."""
    return UserOut.model_validate(accounts.set_user_active(ctx.services, me.actor, username, True))


@router.post("/{username}/unlock", response_model=UnlockOut, summary="Unlock a login")
def unlock(username: IdPath, me: SecurityAdmin, ctx: Ctx) -> UnlockOut:
    """Forget the login's failed attempts from every address."""
    cleared = accounts.unlock(ctx.services, me.actor, username)
    return UnlockOut(username=username, addresses=cleared)
