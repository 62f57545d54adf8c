"""Every place where the console borrows the API's own decisions — logging in, who the
caller is, need-to-know, and which records a caller may see — in one module, so that
when those move into ``tracker.services`` (login throttling in the database, visibility
next to the use cases) the console follows with one edit here — as it did when both\nmoved.

Nothing here decides anything new: each function hands over to the code the API uses.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.auth import Principal, Role, password_login
from api.context import ApiContext
from api.routers import carriers as carriers_api
from api.schemas.carriers import CarrierOut
from api.schemas.common import Page
from api.views import show
from tracker.domain.model import Alert, Borrow, Carrier, CarryOut, CopyRequest
from tracker.services import accounts, knowledge
from tracker.services.accounts import Login
from tracker.services.base import Services
from tracker.services.ports import UnitOfWork

__all__ = [
    "carrier",
    "login",
    "principal",
    "search",
    "sees_alert",
    "sees_borrow",
    "sees_carry_out",
    "sees_copy",
    "visibility",
]


def login(ctx: ApiContext, request: Request, username: str, password: str) -> Login:
    """The one way in by password (:func:`tracker.services.accounts.login`, as the API's
    token route calls it): throttled per user name and client address in the database,
    logged in the administration log. Raises TooManyAttempts or Unauthenticated."""
    return password_login(ctx, request, username, password)


def principal(svc: Services, username: str, generation: int) -> Principal | None:
    """The caller for a logged-in user name, as the API builds it for a token; None when
    the login was disabled, its password changed or it logged out everywhere since the
    session began, or the person left the post (checked on every request)."""
    found = accounts.principal(svc, username, generation)
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
    """Whether ``me`` may see borrow ``b``."""
    return knowledge.may_see_request(me.person, b)


def sees_carry_out(me: Principal, co: CarryOut) -> bool:
    """Whether ``me`` may see carry-out ``co``."""
    return knowledge.may_see_request(me.person, co)


def sees_copy(me: Principal, r: CopyRequest) -> bool:
    """Whether ``me`` may see copy request ``r``."""
    return knowledge.may_see_request(me.person, r)


def sees_alert(me: Principal, a: Alert, uow: UnitOfWork) -> bool:
    """Whether ``me`` may see alert ``a``."""
    return knowledge.may_see_alert(me.person, a, uow)


def read_alert_subjects(uow: UnitOfWork, alerts: list[Alert]) -> None:
    """Read what ``alerts`` are about in one query (not one per alert) before
    :func:`sees_alert` judges each; what it decides is unchanged."""
    knowledge.read_alert_subjects(uow, alerts)


def visibility(me: Principal, svc: Services) -> knowledge.EventFilter:
    """The live stream's filter for ``me`` (the API stream's, cached per carrier)."""
    return knowledge.EventFilter.for_services(svc, me.person)
