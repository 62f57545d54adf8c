"""Who is calling: a user (access token from the password flow) or a device (its token),
and the role guard every endpoint declares.

Each endpoint takes ``Annotated[Principal, require(Role...)]``; the guard both checks
the caller and records, for the OpenAPI description and the route-table test, who may
call the endpoint. A route without a guard is refused when the app is built.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from api.context import ApiContext
from api.errors import Unauthenticated
from tracker.domain.accounts import Device
from tracker.domain.errors import PermissionDenied, TooManyAttempts
from tracker.domain.errors import Unauthenticated as WrongPassword
from tracker.domain.model import Carrier, Person
from tracker.domain.model import Role as PersonRole
from tracker.services import accounts, knowledge
from tracker.services.accounts import DeviceScope, Login

logger = logging.getLogger(__name__)

TOKEN_URL = "/api/v1/auth/token"


class Role(str, Enum):
    """Who may call an endpoint: a person's role, or a gateway device."""

    CUSTODIAN = "custodian"
    OFFICER = "officer"
    APPROVER = "approver"
    STAFF = "staff"
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    SECURITY_AUDITOR = "security_auditor"
    DEVICE = "device"

    @property
    def zh(self) -> str:
        """The role's Chinese name."""
        return "网关设备" if self is Role.DEVICE else PersonRole(self.value).zh


USERS = (Role.CUSTODIAN, Role.OFFICER, Role.APPROVER, Role.STAFF)  # the business roles
ADMINS = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR)  # 三员
PEOPLE = USERS + ADMINS  # everyone who logs in with a password
KEEPERS = (Role.CUSTODIAN, Role.OFFICER)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    role: Role
    name: str  # username or device id
    person: Person | None = None
    device: Device | None = None
    scope: DeviceScope | None = None

    @property
    def actor(self) -> str:
        """The id the register records as the actor (person id or device id)."""
        return self.person.id if self.person is not None else self.name

    @property
    def keeper(self) -> bool:
        """True for custodians and officers, who handle every carrier."""
        return self.role in KEEPERS

    def may_know(self, carrier: Carrier) -> bool:
        """Need-to-know (R3): may this caller learn the carrier's title and content?
        (Decided by :mod:`tracker.services.knowledge`.)"""
        return knowledge.may_know(self.person, carrier)


oauth2 = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    description="Users: an access token from the password flow. Devices: their device "
    "token (`dev_<id>.<secret>`) as a bearer token.",
)


def ctx_of(request: Request) -> ApiContext:
    """The app's shared context."""
    ctx = request.app.state.ctx
    assert isinstance(ctx, ApiContext)
    return ctx


def _from_bearer(ctx: ApiContext, token: str) -> Principal | None:
    # Read before the check: an account change committed during it leaves the entry
    # under the older count, where it is not used (api.principals).
    epoch = ctx.services.admin_changes
    cached = ctx.principals.get(token, epoch)
    if cached is not None:
        return cached
    if accounts.looks_like_device_token(token):
        device = accounts.verify_device_token(ctx.services, token)
        if device is None:
            ctx.metrics.auth_failures.labels("device").inc()
            return None
        scope = accounts.device_scope(ctx.services.site, device)
        found = Principal(Role.DEVICE, device.id, device=device, scope=scope)
        ctx.principals.put(token, found, epoch)
        return found
    claims = ctx.issuer.check(token)
    login = accounts.principal(ctx.services, claims[0], claims[1]) if claims else None
    if claims is None or login is None:
        ctx.metrics.auth_failures.labels("token").inc()
        return None
    user, person = login
    found = Principal(Role(person.role.value), user.username, person=person)
    ctx.principals.put(token, found, epoch, expires_in=claims[2])
    return found


async def current_principal(request: Request, token: str | None) -> Principal:
    """The caller, from the bearer token; 401 without a valid one. A token checked
    within the last moment is answered from :mod:`api.principals` without leaving the
    event loop; otherwise it is checked in a worker thread (a database read)."""
    if not token:
        raise Unauthenticated("log in first: no access token", zh="请先登录：缺少访问令牌")
    ctx = ctx_of(request)
    found = ctx.principals.get(token, ctx.services.admin_changes)
    if found is None:
        found = await _checked(ctx, token)
    if found is None:
        raise Unauthenticated(
            "the access token is invalid or expired; log in again",
            zh="访问令牌无效或已过期，请重新登录",
        )
    return found


async def _checked(ctx: ApiContext, token: str) -> Principal | None:
    # One check per token at a time: the requests that arrive with it while it runs
    # (many, under load, each time a cached entry runs out) wait for its answer instead
    # of each taking a worker thread and a database connection.
    pending = ctx.principals.pending
    running = pending.get(token)
    if running is not None:
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            if not running.cancelled():
                raise  # this request was cancelled
            # the check it waited for was abandoned: check for itself
    future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
    pending[token] = future
    try:
        found = await run_in_threadpool(_from_bearer, ctx, token)
    except asyncio.CancelledError:
        future.cancel()
        raise
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no warning when nobody else waited
        raise
    else:
        future.set_result(found)
        return found
    finally:
        if pending.get(token) is future:
            del pending[token]


def docs_principal(request: Request) -> Principal:
    """The caller of the documentation: a bearer token, or HTTP Basic with a user's
    password so a browser can open ``/docs`` (it asks for the password itself)."""
    ctx = ctx_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    found: Principal | None = None
    if scheme.lower() == "bearer" and value:
        found = _from_bearer(ctx, value.strip())
    elif scheme.lower() == "basic" and value:
        try:
            username, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            username, password = "", ""
        try:
            done = password_login(ctx, request, username, password)
        except WrongPassword as exc:
            raise _basic_challenge() from exc
        found = Principal(Role(done.person.role.value), done.user.username, person=done.person)
    if found is None:
        raise _basic_challenge()
    return found


def client_address(request: Request) -> str:
    """The caller's IP address as the server saw it (no proxy headers are trusted)."""
    return request.client.host if request.client is not None else "unknown"


def password_login(ctx: ApiContext, request: Request, username: str, password: str) -> Login:
    """:func:`tracker.services.accounts.login` for an HTTP request, counting refusals
    in the metrics; raises Unauthenticated (401) or TooManyAttempts (429)."""
    try:
        return accounts.login(
            ctx.services,
            username,
            password,
            client_address(request),
            hasher=ctx.hasher,
            policy=ctx.throttle,
        )
    except TooManyAttempts:
        ctx.metrics.auth_failures.labels("throttled").inc()
        raise
    except WrongPassword:
        ctx.metrics.auth_failures.labels("password").inc()
        raise


class _DocsUnauthenticated(Unauthenticated):
    """401 that lets a browser ask for a user name and password."""

    challenge = 'Basic realm="tracker API", charset="UTF-8"'


def _basic_challenge() -> Unauthenticated:
    return _DocsUnauthenticated("log in to read the API documentation", zh="请登录后查看接口文档")


class RoleDenied(PermissionDenied):
    """The caller's role may not call this endpoint at all."""

    code = "role_forbidden"


class RoleGuard(OAuth2PasswordBearer):
    """A dependency admitting only the given roles (see :func:`require`). It is the
    OAuth2 bearer scheme itself (the same scheme in the OpenAPI document as
    :data:`oauth2`), so reading the token takes no dependency of its own: one fewer to
    solve on every request."""

    def __init__(self, roles: tuple[Role, ...], *, metrics_device: bool = False) -> None:
        super().__init__(
            tokenUrl=TOKEN_URL,
            scheme_name=oauth2.scheme_name,
            description=oauth2.model.description,
            auto_error=False,
        )
        self.roles = roles
        self.metrics_device = metrics_device

    def describe(self, lang: str = "en") -> str:
        """Who may call, in words."""
        names = [r.value if lang == "en" else r.zh for r in self.roles]
        if self.metrics_device:
            names.append("device with the metrics scope" if lang == "en" else "具有监控权限的设备")
        return ", ".join(names)

    def check(self, principal: Principal) -> Principal:
        """``principal`` if its role is admitted; PermissionDenied otherwise."""
        if principal.role in self.roles:
            return principal
        if self.metrics_device and principal.device is not None and principal.device.metrics:
            return principal
        raise RoleDenied(
            f"a {principal.role.value} may not call this; allowed: {self.describe('en')}",
            zh=f"{principal.role.zh}无权调用此接口（允许：{self.describe('zh')}）",
        )

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        """Check the bearer-token caller (async: no thread-pool hop for a check)."""
        return self.check(await current_principal(request, await oauth2(request)))


class DocsGuard(RoleGuard):
    """A role guard for the documentation (bearer token or HTTP Basic)."""

    async def __call__(  # type: ignore[override]
        self, principal: Annotated[Principal, Depends(docs_principal)]
    ) -> Principal:
        """Check the caller of the documentation."""
        return self.check(principal)


def require(*roles: Role, metrics_device: bool = False) -> Any:
    """``Depends`` on a guard admitting ``roles``; use as ``Annotated[Principal, require(...)]``."""
    return Depends(RoleGuard(tuple(roles), metrics_device=metrics_device))


def require_docs(*roles: Role) -> Any:
    """The guard of ``/docs`` and ``/openapi.json``."""
    return Depends(DocsGuard(tuple(roles)))
