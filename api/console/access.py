"""Every place where the console borrows the API's own decisions — logging in, who the
caller is, need-to-know, and which records a caller may see — in one module, so that
when those move into ``tracker.services`` (login throttling in the database, visibility
next to the use cases) the console follows with one edit here.

Nothing here decides anything new: each function hands over to the code the API uses.
"""

from __future__ import annotations

from typing import Any

from api.auth import Principal, Role
from api.context import ApiContext
from api.errors import TooManyAttempts, Unauthenticated
from api.routers import borrows as borrows_api
from api.routers import carriers as carriers_api
from api.routers import carry_outs as carry_outs_api
from api.routers import copies as copies_api
from api.routers.stream import _Visibility
from api.schemas.carriers import CarrierOut
from api.schemas.common import Page
from api.views import alert_visible, show
from tracker.domain.accounts import User
from tracker.domain.model import Alert, Borrow, Carrier, CarryOut, CopyRequest, Person
from tracker.services import accounts
from tracker.services.base import Services
from tracker.services.ports import UnitOfWork

__all__ = [
    "alert_visible",
    "carrier",
    "login",
    "principal",
    "search",
    "sees_borrow",
    "sees_carry_out",
    "sees_copy",
    "visibility",
]


def login(ctx: ApiContext, username: str, password: str) -> tuple[User, Person]:
    """The API token route's checks in its order: the throttle first (no password is
    checked while a name is refused), then the password, counting failures."""
    wait = ctx.throttle.blocked_for(username)
    if wait:
        ctx.metrics.auth_failures.labels("throttled").inc()
        raise TooManyAttempts(wait)
    found = None
    if len(password) <= accounts.MAX_PASSWORD:
        found = accounts.authenticate(ctx.services, username, password, ctx.hasher)
    if found is None:
        ctx.throttle.failed(username)
        ctx.metrics.auth_failures.labels("password").inc()
        raise Unauthenticated("wrong user name or password", zh="用户名或密码错误")
    ctx.throttle.succeeded(username)
    return found


def principal(svc: Services, username: str) -> Principal | None:
    """The caller for a logged-in user name, as the API builds it for a token; None when
    the login was disabled or the person left the post (checked on every request)."""
    found = accounts.principal(svc, username)
    if found is None:
        return None
    user, person = found
    return Principal(Role(person.role.value), user.username, person=person)


def carrier(me: Principal, c: Carrier, lang: str, svc: Services) -> CarrierOut:
    """``c`` as ``me`` may see it (the API's view: the title only with need-to-know)."""
    return show(me, c, lang, svc)


def search(me: Principal, svc: Services, lang: str, **query: Any) -> Page[CarrierOut]:
    """The API's carrier search (``GET /api/v1/carriers``) with its need-to-know rules:
    titles searched and hidden filters applied only among carriers ``me`` may know."""
    return carriers_api.list_carriers(me=me, svc=svc, lang=lang, **query)


def sees_borrow(me: Principal, b: Borrow) -> bool:
    """Whether ``me`` may see borrow ``b`` (the API's rule)."""
    return borrows_api._sees(me, b)


def sees_carry_out(me: Principal, co: CarryOut) -> bool:
    """Whether ``me`` may see carry-out ``co`` (the API's rule)."""
    return carry_outs_api._sees(me, co)


def sees_copy(me: Principal, r: CopyRequest) -> bool:
    """Whether ``me`` may see copy request ``r`` (the API's rule)."""
    return copies_api._sees(me, r)


def sees_alert(me: Principal, a: Alert, uow: UnitOfWork) -> bool:
    """Whether ``me`` may see alert ``a`` (the API's rule)."""
    return alert_visible(me, a, uow)


def visibility(me: Principal, svc: Services) -> _Visibility:
    """The live stream's filter for ``me`` (the API stream's, cached per carrier)."""
    return _Visibility(me, svc)
