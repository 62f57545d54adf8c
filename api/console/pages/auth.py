"""Logging in at ``/``, logging out, the session's remaining time and keep-alive, and the
language switch."""

from __future__ import annotations

from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.console import access
from api.console.web import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    PAGES,
    SESSION_COOKIE,
    Call,
    authenticate,
    local_path,
    new_login_secret,
)
from tracker.domain.errors import PermissionDenied, TooManyAttempts
from tracker.services import sessions


@PAGES.get("/", public=True)
def login_page(call: Call) -> Response:
    """The login form (or the dashboard, for a browser already logged in)."""
    token = call.request.cookies.get(SESSION_COOKIE, "")
    if token and authenticate(call.console, token, touch=False) is not None:
        return RedirectResponse(local_path(call.value("next")), status_code=303)
    notice = ""
    if call.value("expired"):
        notice = call.t(
            "会话已超时或已结束，请重新登录。", "Your session timed out or ended; log in again."
        )
    elif call.value("bye"):
        notice = call.t("您已安全退出。", "You have logged out.")
    return _form(call, notice=notice)


def _form(
    call: Call, status: int = 200, error: str = "", notice: str = "", username: str = ""
) -> Response:
    secret = call.request.cookies.get(LOGIN_COOKIE) or ""
    if not secret:
        secret = new_login_secret()
        call.cookies.append((LOGIN_COOKIE, secret, {"max_age": 3600}))
    return call.render(
        "login.html",
        status=status,
        login_csrf=call.console.csrf(secret, "login"),
        error=error,
        notice=notice,
        username=username,
        next=local_path(call.value("next")),
    )


@PAGES.post("/login", public=True)
def login(call: Call) -> Response:
    """Check the user name and password as the API's token route does; open a session."""
    username = call.value("username")
    password = (call.form.get("password") or [""])[0]
    if not username or not password:
        missing = call.t("请输入用户名和密码", "enter your user name and password")
        return _form(call, 422, missing, username=username)
    try:
        done = access.login(call.console.ctx, call.request, username, password)
    except TooManyAttempts as exc:
        return _form(call, 429, exc.text(call.lang), username=username)
    except PermissionDenied as exc:
        return _form(call, 401, exc.text(call.lang), username=username)
    client = call.request.client
    token, _ = sessions.open_session(
        call.svc,
        done.user,
        done.person,
        client.host if client else "",
        call.request.headers.get("user-agent", ""),
    )
    response = RedirectResponse(local_path(call.value("next")), status_code=303)
    call.cookies.append((SESSION_COOKIE, token, {}))
    call.cookies.append((LOGIN_COOKIE, "", {"max_age": 0}))
    return response


@PAGES.post("/console/logout")
def logout(call: Call) -> Response:
    """End the session everywhere (退出)."""
    sessions.end_session(call.svc, call.token)
    call.cookies.append((SESSION_COOKIE, "", {"max_age": 0}))
    return RedirectResponse("/?bye=1", status_code=303)


def _left(call: Call) -> int:
    assert call.session is not None
    deadline = call.session.idle_deadline(call.console.settings.policy)
    return max(0, int((deadline - call.svc.now()).total_seconds()))


@PAGES.get("/console/session", passive=True)
def session_left(call: Call) -> Response:
    """Seconds until the session ends if nothing is done (does not count as activity)."""
    return JSONResponse({"left": _left(call), "warn": call.console.settings.warn_seconds})


@PAGES.post("/console/session/keepalive")
def keepalive(call: Call) -> Response:
    """ "I am still here": counts as activity."""
    return JSONResponse({"left": _left(call), "warn": call.console.settings.warn_seconds})


@PAGES.get("/console/lang", public=True)
def language(call: Call) -> Response:
    """Switch the console's language (中文 / English) and go back."""
    to = "en" if call.value("to") == "en" else "zh"
    back = call.value("back")
    target = back if back == "/" else local_path(back)
    call.cookies.append((LANG_COOKIE, to, {"max_age": 365 * 86400}))
    return RedirectResponse(target, status_code=303)
