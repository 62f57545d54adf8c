"""The console's request handling: sessions from the cookie, CSRF on every form, the role
table, templates, flash messages, and errors as pages (never a stack trace).

A page is a plain function ``fn(call) -> Response`` registered with :class:`Pages`; it
runs in the thread pool (the use cases are synchronous and talk to the database) with a
:class:`Call` holding the caller, the language, the form and helpers to render and
redirect. Registration names the menu section the page belongs to, and the roles that
may open it come from :mod:`api.console.menu` — the same table that builds the menu.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.auth import Principal, Role
from api.console import access, i18n
from api.console.menu import OPENS, home, may, menu, roles_opening
from api.console.settings import ConsoleSettings
from api.context import ApiContext
from api.errors import status_of
from api.security import load_secret
from tracker.domain.errors import InvalidInput, PermissionDenied, TrackerError
from tracker.domain.sessions import ConsoleSession, EndReason
from tracker.services import sessions
from tracker.services.base import Services

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "ct_session"
LOGIN_COOKIE = "ct_login"  # the login form's CSRF secret, before there is a session
LANG_COOKIE = "ct_lang"
FLASH_COOKIE = "ct_flash"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"

# Pages hold classified titles: never cached, never framed, scripts only from here.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; font-src 'self'; media-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Console:
    """The console's shared parts, made once per app (``app.state.console``)."""

    ctx: ApiContext
    settings: ConsoleSettings
    key: bytes
    env: Environment

    @property
    def svc(self) -> Services:
        """The service context."""
        return self.ctx.services

    def csrf(self, secret: str, purpose: str = "csrf") -> str:
        """The form token bound to a session's (or the login form's) secret."""
        mac = hmac.new(self.key, f"{purpose}\0{secret}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def sign(self, text: str) -> str:
        """``text`` with a MAC, for cookies the console reads back (flash messages)."""
        body = base64.urlsafe_b64encode(text.encode()).decode()
        return f"{body}.{self.csrf(body, 'flash')}"

    def unsign(self, value: str) -> str | None:
        """The text of a signed value, or None if it was not made here."""
        body, _, mac = value.rpartition(".")
        if not body or not hmac.compare_digest(mac, self.csrf(body, "flash")):
            return None
        try:
            return base64.urlsafe_b64decode(body.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            return None


_lock = threading.Lock()


def console_of(request: Request) -> Console:
    """The app's console parts (made on first use)."""
    state = request.app.state
    found = getattr(state, "console", None)
    if isinstance(found, Console):
        return found
    with _lock:
        found = getattr(state, "console", None)
        if not isinstance(found, Console):
            ctx = state.ctx
            assert isinstance(ctx, ApiContext)
            key = hmac.new(load_secret(ctx.settings), b"tracker-console", hashlib.sha256).digest()
            env = Environment(
                loader=FileSystemLoader(HERE / "templates"),
                autoescape=select_autoescape(default=True),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            found = Console(ctx, ConsoleSettings(), key, env)
            state.console = found
    return found


def field_message(err: InvalidInput, lang: str) -> str:
    """An InvalidInput's message without its field name in front (shown beside the field)."""
    text = err.text(lang)
    for sep in ("：", ": "):
        head, found, tail = text.partition(sep)
        if found and head == err.field:
            return tail
    return text


def local_path(value: str | None, default: str = "/console/") -> str:
    """``value`` when it is a path of this console, else ``default`` (no open redirects)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return default


@dataclass
class Call:
    """One request to a page: who asks, in which language, with what."""

    request: Request
    console: Console
    lang: str
    me: Principal | None = None
    session: ConsoleSession | None = None
    token: str = ""
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)  # uploaded files (UploadFile)
    section: str | None = None
    cookies: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # person labels, per request

    # --- what a page needs ---------------------------------------------------------

    @property
    def svc(self) -> Services:
        """The service context."""
        return self.console.svc

    @property
    def actor(self) -> str:
        """The register's actor id of the caller."""
        assert self.me is not None
        return self.me.actor

    @property
    def person(self) -> Any:
        """The caller's person."""
        assert self.me is not None and self.me.person is not None
        return self.me.person

    @property
    def path(self) -> dict[str, str]:
        """The path parameters."""
        return {k: str(v) for k, v in self.request.path_params.items()}

    def t(self, zh: str, en: str) -> str:
        """``zh`` or ``en`` by the caller's language."""
        return i18n.pick(self.lang, zh, en)

    def value(self, name: str, default: str = "") -> str:
        """A form field (stripped), else the query parameter, else ``default``."""
        got = self.form.get(name)
        if got:
            return got[0].strip()
        q = self.request.query_params.get(name)
        return q.strip() if q is not None else default

    def values(self, name: str) -> list[str]:
        """Every non-empty value of a form field (or query parameter) ``name``."""
        got = self.form.get(name) or self.request.query_params.getlist(name)
        return [v.strip() for v in got if v.strip()]

    def may(self, action: str) -> bool:
        """Whether pages offer ``action`` to the caller."""
        return self.me is not None and may(self.me.role, action)

    def require(self, action: str) -> None:
        """Refuse an action the caller's role is not offered (the API's role guards)."""
        if not self.may(action):
            raise PermissionDenied(
                f"your role may not do this ({action})", zh="您的角色无权执行此操作"
            )

    def message(self, exc: TrackerError) -> str:
        """What to tell the user about ``exc``: its own text, or for failures of the
        service itself only that it failed (the details are logged)."""
        status = status_of(exc)
        if status >= 500 and status != 502:
            logger.warning("console: %s: %s", type(exc).__name__, exc.message)
            return self.t("服务暂时不可用，请稍后重试", "unavailable; try again shortly")
        return exc.text(self.lang)

    # --- answers -------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **data: Any) -> HTMLResponse:
        """The page ``template`` with ``data`` and the common parts of every page."""
        html = self.console.env.get_template(template).render(**self.common(), **data)
        return HTMLResponse(html, status_code=status)

    def common(self) -> dict[str, Any]:
        """What every template may use."""
        site = self.svc.site
        tz = site.calendar.tz
        me = self.me
        idle_left = 0
        if self.session is not None:
            deadline = self.session.idle_deadline(self.console.settings.policy)
            idle_left = max(0, int((deadline - self.svc.now()).total_seconds()))
        return {
            "T": self.t,
            "lang": self.lang,
            "me": me,
            "menu": menu(me.role) if me else [],
            "opens": OPENS.get(me.role, frozenset()) if me else frozenset(),
            "section": self.section,
            "may": self.may,
            "csrf": self.console.csrf(self.token) if self.token else "",
            "flashes": self.take_flashes(),
            "site": site,
            "name": lambda kind, v: i18n.name(kind, v, self.lang),
            "choices": lambda kind: i18n.choices(kind, self.lang),
            "when": lambda v, seconds=False: i18n.when(v, tz, seconds=seconds),
            "place": lambda pid: _place_name(self.svc, pid),
            "person_name": lambda pid: person_label(self, pid),
            "door_name": lambda did: _door_name(self.svc, did),
            "asset_version": asset_version,
            "idle_left": idle_left,
            "warn_seconds": self.console.settings.warn_seconds,
            "path": self.request.url.path,
            "query": self.request.url.query,
        }

    def redirect(self, url: str, ok: str | None = None, error: str | None = None) -> Response:
        """303 to ``url``, with a message for the next page."""
        if ok or error:
            self.flash("ok" if ok else "error", ok or error or "")
        return RedirectResponse(url, status_code=303)

    def flash(self, kind: str, text: str) -> None:
        """Show ``text`` on the next page."""
        value = self.console.sign(json.dumps([kind, text], ensure_ascii=False))
        self.cookies.append((FLASH_COOKIE, value, {"max_age": 60}))

    def take_flashes(self) -> list[tuple[str, str]]:
        """The message left by the previous request (read once)."""
        raw = self.request.cookies.get(FLASH_COOKIE)
        if not raw or any(name == FLASH_COOKIE for name, *_ in self.cookies):
            return []
        self.cookies.append((FLASH_COOKIE, "", {"max_age": 0}))
        text = self.console.unsign(raw)
        try:
            kind, message = json.loads(text) if text else ("", "")
        except ValueError:
            return []
        return [(str(kind), str(message))] if message else []

    def attempt(
        self, back: str, ok: str, action: Callable[..., Any], *args: Any, **kw: Any
    ) -> Response:
        """Run a use case; back to ``back`` saying ``ok``, or saying what refused it."""
        try:
            action(*args, **kw)
        except TrackerError as exc:
            return self.redirect(back, error=self.message(exc))
        return self.redirect(back, ok=ok)

    def failure(self, exc: TrackerError) -> HTMLResponse:
        """The error page for ``exc``."""
        status = status_of(exc)
        return self.render("error.html", status=status, message=self.message(exc))


_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, str, str] | None:
    path = HERE / "static" / name
    kind = _TYPES.get(path.suffix)
    if kind is None or not path.is_file():
        return None
    data = path.read_bytes()
    return data, kind, hashlib.sha256(data).hexdigest()[:16]


def asset(name: str) -> tuple[bytes, str, str] | None:
    """A static file of the console: its bytes, media type and a short hash; None when
    there is no such file (names are checked: no paths)."""
    return _asset(name) if _ASSET_NAME.match(name) else None


def asset_version(name: str) -> str:
    """A short hash of an asset, for cache-busting URLs."""
    found = asset(name)
    return found[2] if found else "0"


def _place_name(svc: Services, pid: str | None) -> str:
    if not pid:
        return ""
    for p in svc.site.places:
        if p.id == pid:
            return p.name
    return pid


def _door_name(svc: Services, door_id: str | None) -> str:
    if not door_id:
        return ""
    return next((d.door.name for d in svc.site.doors if d.door.id == door_id), door_id)


_NAMES_SECONDS = 60.0  # how long a person's displayed name is reused across requests
_names: dict[tuple[int, str], tuple[float, str]] = {}


def person_label(call: Call, pid: str | None) -> str:
    """``name（id）`` of a person, the id if unknown. Names are kept a minute for every
    request of this process (a page lists the same few people many times, and each
    look-up would otherwise be a database round trip); a renamed person shows within
    that minute."""
    if not pid:
        return ""
    found = call.names.get(pid)
    if found is not None:
        return found
    now = time.monotonic()
    key = (id(call.svc), pid)
    hit = _names.get(key)
    if hit is None or now - hit[0] > _NAMES_SECONDS:
        with call.svc.read() as uow:
            p = uow.people.get(pid)
        hit = (now, f"{p.name}（{p.id}）" if p is not None else pid)
        if len(_names) > 10_000:
            _names.clear()
        _names[key] = hit
    call.names[pid] = hit[1]
    return hit[1]


# --- sessions --------------------------------------------------------------------------


def authenticate(
    console: Console, token: str, *, touch: bool
) -> tuple[ConsoleSession, Principal] | None:
    """The live session of ``token`` and its caller, or None. A session whose login was
    disabled (or whose person left the post) is ended at once."""
    svc = console.svc
    s = sessions.resume(svc, token, console.settings.policy, touch=touch)
    if s is None:
        return None
    me = access.principal(svc, s.username, s.generation)
    if me is None:
        sessions.end_session(svc, token, EndReason.REVOKED)
        return None
    return s, me


def secure(console: Console, request: Request) -> bool:
    """Whether cookies get the Secure flag (over TLS, or when told to)."""
    mode = console.settings.secure_cookie
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def set_cookie(
    response: Response, console: Console, request: Request, name: str, value: str, **kw: Any
) -> None:
    """A cookie only this site's pages send back: HttpOnly, SameSite=Strict, path /."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=secure(console, request),
        path="/",
        **kw,
    )


def wants_json(request: Request) -> bool:
    """True for the page script's own requests (it asks for JSON)."""
    return "application/json" in request.headers.get("accept", "")


# --- registration ------------------------------------------------------------------------

PageFn = Callable[[Call], Response]


@dataclass(frozen=True)
class Rule:
    """Who may call one console route: ``None`` for public routes, otherwise the roles."""

    roles: frozenset[Role] | None
    section: str | None
    passive: bool


class Pages:
    """The console's routes and the roles each admits (checked by the tests against
    :mod:`api.console.menu`)."""

    def __init__(self) -> None:
        self.router = APIRouter(include_in_schema=False)
        self.rules: dict[tuple[str, str], Rule] = {}

    def get(self, path: str, section: str | None = None, **kw: Any) -> Callable[[PageFn], PageFn]:
        """Register a GET page."""
        return self._add("GET", path, section, **kw)

    def post(self, path: str, section: str | None = None, **kw: Any) -> Callable[[PageFn], PageFn]:
        """Register a form POST (CSRF-checked)."""
        return self._add("POST", path, section, **kw)

    def _add(
        self,
        method: str,
        path: str,
        section: str | None,
        *,
        public: bool = False,
        passive: bool = False,
        raw: bool = False,
    ) -> Callable[[PageFn], PageFn]:
        roles: frozenset[Role] | None
        if public:
            roles = None
        elif section is None:
            roles = frozenset(r for r in Role if r is not Role.DEVICE)
        else:
            roles = roles_opening(section)
        rule = Rule(roles, section, passive)

        def register(fn: PageFn) -> PageFn:
            async def endpoint(request: Request) -> Response:
                return await handle(request, fn, method, rule, raw)

            endpoint.__name__ = endpoint.__qualname__ = f"console_{fn.__name__}"
            endpoint.__doc__ = fn.__doc__
            self.router.add_api_route(path, endpoint, methods=[method], include_in_schema=False)
            self.rules[(method, path)] = rule
            return fn

        return register


async def handle(request: Request, fn: PageFn, method: str, rule: Rule, raw: bool) -> Response:
    """Authenticate, authorise, check the form's CSRF token, run the page, and add the
    cookies and security headers."""
    console = console_of(request)
    lang = request.cookies.get(LANG_COOKIE, "zh")
    call = Call(request, console, lang if lang in i18n.LANGS else "zh", section=rule.section)
    response: Response
    if rule.roles is not None:
        token = request.cookies.get(SESSION_COOKIE, "")
        found = await run_in_threadpool(authenticate, console, token, touch=not rule.passive)
        if found is None:
            return _finish(call, _unauthenticated(call, bool(token)))
        call.session, call.me = found
        call.token = token
        if call.me.role not in rule.roles:
            response = await run_in_threadpool(_forbidden, call)
            return _finish(call, response)
    if method == "POST":
        try:
            form = await request.form()
        except (HTTPException, ValueError, UnicodeDecodeError):  # no form at all: say so
            logger.info("console: unreadable form on %s", request.url.path)
            message = call.t("无法读取提交的表单", "the submitted form could not be read")
            return _finish(call, _plain(call, 400, message))
        call.form = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
        call.files = {k: v for k in form for v in form.getlist(k) if not isinstance(v, str)}
        if not _csrf_ok(call):
            return _finish(call, await run_in_threadpool(_csrf_refused, call))
    try:
        response = await run_in_threadpool(fn, call)
    except TrackerError as exc:
        response = await run_in_threadpool(call.failure, exc)
    except Exception:  # a fault of the service itself: logged whole, a plain page shown
        logger.exception("console: %s %s failed", method, request.url.path)
        message = call.t(
            "服务内部出错，本次操作未能完成，错误已记录。请稍后重试或联系系统管理员。",
            "Something went wrong inside the service; this was not done and the fault is "
            "logged. Try again later or tell the system administrator.",
        )
        response = await run_in_threadpool(_plain, call, 500, message)
    return _finish(call, response, raw)


def _finish(call: Call, response: Response, raw: bool = False) -> Response:
    for name, value, kw in call.cookies:
        set_cookie(response, call.console, call.request, name, value, **kw)
    headers = PAGE_HEADERS if not raw else {"X-Content-Type-Options": "nosniff"}
    for k, v in headers.items():
        response.headers.setdefault(k, v)
    return response


def _csrf_ok(call: Call) -> bool:
    sent = call.request.headers.get(CSRF_HEADER) or (call.form.get(CSRF_FIELD) or [""])[0]
    if call.token:
        want = call.console.csrf(call.token)
    else:
        secret = call.request.cookies.get(LOGIN_COOKIE, "")
        if not secret:
            return False
        want = call.console.csrf(secret, "login")
    return bool(sent) and hmac.compare_digest(sent, want)


def _csrf_refused(call: Call) -> Response:
    logger.info("console: form without a valid CSRF token refused on %s", call.request.url.path)
    message = call.t(
        "表单已失效或来源不明（缺少有效的安全令牌），未作任何处理。请刷新页面后重新提交。",
        "The form has expired or did not come from this console (no valid security token); "
        "nothing was done. Reload the page and submit again.",
    )
    if wants_json(call.request):
        return JSONResponse({"error": message}, status_code=403)
    return call.render("error.html", status=403, message=message)


def _forbidden(call: Call) -> Response:
    assert call.me is not None
    if call.request.method == "GET" and call.request.url.path == "/console/":
        # The landing page after login, for a role without a dashboard: its first entry.
        return RedirectResponse(home(call.me.role), status_code=303)
    message = call.t("您的角色无权打开此页面。", "Your role may not open this page.")
    if wants_json(call.request):
        return JSONResponse({"error": message}, status_code=403)
    return call.render("error.html", status=403, message=message)


def _plain(call: Call, status: int, message: str) -> Response:
    return call.render("error.html", status=status, message=message)


def _unauthenticated(call: Call, had_cookie: bool) -> Response:
    request = call.request
    response: Response
    if wants_json(request):
        response = JSONResponse({"error": "login"}, status_code=401)
    else:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = "/?next=" + quote(local_path(target), safe="")
        if had_cookie:
            url += "&expired=1"
        response = RedirectResponse(url, status_code=303)
    if had_cookie:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


PAGES = Pages()


def new_login_secret() -> str:
    """A fresh secret for the login form's CSRF cookie."""
    return secrets.token_urlsafe(24)
