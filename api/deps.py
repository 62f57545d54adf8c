"""The ``Annotated[..., Depends()]`` aliases every router uses: the context, the services,
the caller's language, and one alias per set of roles an endpoint admits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import KEEPERS, PEOPLE, USERS, Principal, Role, ctx_of, require, require_docs
from api.context import ApiContext
from api.errors import pick_language
from tracker.services.base import Services

# These are ``async`` although they never wait: a plain ``def`` dependency runs in the
# thread pool, a hop per dependency per request that costs more than the work itself.


async def get_ctx(request: Request) -> ApiContext:
    """The app's shared context."""
    return ctx_of(request)


async def get_services(request: Request) -> Services:
    """The service context."""
    return ctx_of(request).services


async def get_language(request: Request) -> str:
    """``zh`` (default) or ``en``, from Accept-Language."""
    return pick_language(request.headers.get("accept-language"))


Ctx = Annotated[ApiContext, Depends(get_ctx)]
Svc = Annotated[Services, Depends(get_services)]
Lang = Annotated[str, Depends(get_language)]

# Who may call. Officers may do whatever a custodian or approver may (the services agree).
AnyUser = Annotated[Principal, require(*USERS)]  # the business roles
Keeper = Annotated[Principal, require(*KEEPERS)]
Custodian = Annotated[Principal, require(Role.CUSTODIAN, Role.OFFICER)]
Approver = Annotated[Principal, require(Role.APPROVER, Role.OFFICER)]
KeeperOrApprover = Annotated[Principal, require(Role.CUSTODIAN, Role.OFFICER, Role.APPROVER)]
Officer = Annotated[Principal, require(Role.OFFICER)]
Device = Annotated[Principal, require(Role.DEVICE)]
# The three administrators, each alone: officers are no administrators (三员分立).
SystemAdmin = Annotated[Principal, require(Role.SYSTEM_ADMIN)]
SecurityAdmin = Annotated[Principal, require(Role.SECURITY_ADMIN)]
Auditor = Annotated[Principal, require(Role.SECURITY_AUDITOR)]
Person = Annotated[Principal, require(*PEOPLE)]  # anyone with a password login
# People are read by the business roles and by the security administrator who keeps them.
PeopleReader = Annotated[Principal, require(*USERS, Role.SECURITY_ADMIN)]
BadgeReader = Annotated[Principal, require(*KEEPERS, Role.SECURITY_ADMIN)]
# The site (places, doors, safes) is the system administrator's too: devices serve it.
SiteReader = Annotated[Principal, require(*USERS, Role.SYSTEM_ADMIN)]
LogReader = Annotated[Principal, require(Role.SECURITY_AUDITOR, Role.SECURITY_ADMIN)]
MetricsReader = Annotated[Principal, require(Role.OFFICER, Role.SYSTEM_ADMIN, metrics_device=True)]
DocsReader = Annotated[Principal, require_docs(*PEOPLE)]
