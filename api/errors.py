"""One error shape for every failure: ``{"error": {"code", "message", "rule"?, "field"?,
"problems"?, "request_id"}}``, in Chinese by default or English when ``Accept-Language``
prefers it. Project errors map to HTTP statuses here, and nowhere else:

=========================  ======  ===============================================
error                      status  why
=========================  ======  ===============================================
InvalidInput (and batch)   422     the request is malformed; ``field`` names where
RuleViolation              409     a secrecy rule forbids it now; ``rule`` names it
Conflict                   409     it does not fit the current state
NotFound                   404
Unauthenticated            401     no valid token, wrong user name or password
PermissionDenied           403     the role or device scope does not allow it
TooManyAttempts            429     too many failed logins (user name and address)
DeviceError, LabelError    502     a printer, reader or label read-back failed (said)
TransientError             503     the database is unreachable; retry later
anything else              500     logged with the request id; no details returned
=========================  ======  ===============================================

RuleViolation is 409 rather than 422: the request is well formed, and the same request
may succeed later (after approval, return, widening the scope), which is what 409 says.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tracker.domain.errors import (
    Conflict,
    DeviceError,
    DomainError,
    InvalidInput,
    LabelError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    TooManyAttempts,
    TrackerError,
    TransientError,
)
from tracker.domain.errors import Unauthenticated as DomainUnauthenticated

logger = logging.getLogger(__name__)


class Unauthenticated(DomainUnauthenticated):
    """No valid access token or device token was presented."""

    challenge = "Bearer"


class ScopeDenied(PermissionDenied):
    """A device reported on a door, safe or reader that is not its own."""

    code = "device_scope"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(
            "this device may only report on its own doors, safes and readers",
            zh="该设备只能上报其所属的门、保险柜和读写器",
        )
        self.problems = problems


def pick_language(header: str | None) -> str:
    """``en`` when Accept-Language prefers English over Chinese, else ``zh``."""
    best, best_q = "zh", 0.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = "en" if tag.startswith("en") else "zh" if tag.startswith("zh") else None
        if lang is not None and q > best_q:
            best, best_q = lang, q
    return best


def status_of(exc: TrackerError) -> int:
    """The HTTP status for a project error."""
    for cls, status in (
        (TooManyAttempts, 429),
        (InvalidInput, 422),
        (RuleViolation, 409),
        (NotFound, 404),
        (DomainUnauthenticated, 401),
        (PermissionDenied, 403),
        (Conflict, 409),
        (DeviceError, 502),
        (LabelError, 502),
        (TransientError, 503),
        (DomainError, 400),
    ):
        if isinstance(exc, cls):
            return status
    return 500


def request_id(request: Request) -> str:
    """The id of this request (set by the request-context middleware)."""
    return str(getattr(request.state, "request_id", "") or "")


def body(code: str, message: str, rid: str, **extra: Any) -> dict[str, Any]:
    """The error document."""
    err: dict[str, Any] = {"code": code, "message": message}
    err.update({k: v for k, v in extra.items() if v is not None})
    err["request_id"] = rid
    return {"error": err}


def tracker_error_response(request: Request, exc: TrackerError) -> JSONResponse:
    """The response for a project error."""
    status = status_of(exc)
    lang = pick_language(request.headers.get("accept-language"))
    rid = request_id(request)
    if status == 503:
        # The detail names the database host: log it, tell the client only to retry.
        logger.warning("request %s: %s", rid, exc.message)
        message = (
            "the database is unavailable; try again shortly"
            if lang == "en"
            else "数据库暂时不可用，请稍后重试"
        )
        return JSONResponse(
            body(exc.code, message, rid), status_code=503, headers={"Retry-After": "5"}
        )
    if status == 502:
        # A device said no (paper out, head open, a label that did not read back): the
        # custodian at the printer needs exactly that message.
        logger.warning("request %s: device: %s", rid, exc.message)
        return JSONResponse(body(exc.code, exc.text(lang), rid), status_code=502)
    if status >= 500:
        logger.error("request %s failed: %s: %s", rid, type(exc).__name__, exc.message)
        message = "internal error" if lang == "en" else "服务器内部错误"
        return JSONResponse(body("internal", message, rid), status_code=status)
    extra: dict[str, Any] = {
        "rule": getattr(exc, "rule", None),
        "field": getattr(exc, "field", None),
    }
    problems = getattr(exc, "problems", None)
    if problems:
        extra["problems"] = [_problem(p, lang) for p in problems]
    headers = (
        {"WWW-Authenticate": str(getattr(exc, "challenge", "Bearer"))} if status == 401 else None
    )
    if status == 429:
        headers = {"Retry-After": str(getattr(exc, "retry_after", 60))}
    return JSONResponse(
        body(exc.code, exc.text(lang), rid, **extra), status_code=status, headers=headers
    )


def _problem(p: Any, lang: str) -> dict[str, Any]:
    if isinstance(p, dict):
        return p
    index, err = p  # (index, InvalidInput) as BatchRejected carries them
    return {"index": index, "field": f"events[{index}].{err.field}", "message": _strip(err, lang)}


def _strip(err: InvalidInput, lang: str) -> str:
    # InvalidInput prefixes its own field; the problem entry names the field already.
    text = err.text(lang)
    for sep in (": ", "："):
        head, found, tail = text.partition(sep)
        if found and head == err.field:
            return tail
    return text


_ZH = {
    "missing": "缺少必填项",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为布尔值",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "datetime_parsing": "应为 ISO 8601 时间",
    "datetime_from_date_parsing": "应为 ISO 8601 时间",
    "timezone_aware": "时间须带时区",
    "date_parsing": "应为 ISO 8601 日期",
    "date_from_datetime_parsing": "应为 ISO 8601 日期",
    "too_short": "项目过少",
    "too_long": "项目过多",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
    "value_error": "取值无效",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or str(loc[0] if loc else "request")


def validation_response(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming every field that failed validation."""
    lang = pick_language(request.headers.get("accept-language"))
    problems = []
    for e in exc.errors():
        loc = tuple(e.get("loc", ()))
        field = _field(loc)
        kind = str(e.get("type", ""))
        msg = str(e.get("msg", "invalid")) if lang == "en" else _ZH.get(kind, "输入无效")
        entry: dict[str, Any] = {"field": field, "message": msg}
        if len(loc) > 2 and loc[0] == "body" and loc[1] == "events" and isinstance(loc[2], int):
            entry["index"] = loc[2]
        problems.append(entry)
    first = problems[0] if problems else {"field": "request", "message": "invalid"}
    message = (
        f"{first['field']}: {first['message']}"
        if lang == "en"
        else f"{first['field']}：{first['message']}"
    )
    return JSONResponse(
        body(
            "invalid_input", message, request_id(request), field=first["field"], problems=problems
        ),
        status_code=422,
    )


def http_error_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Routing errors (unknown path, wrong method) and oversized bodies in the same
    shape. A 405 names every method the path answers to in ``Allow``."""
    lang = pick_language(request.headers.get("accept-language"))
    codes = {
        404: ("not_found", "no such resource", "没有该资源"),
        405: ("method_not_allowed", "method not allowed here", "不支持该请求方法"),
        413: ("payload_too_large", str(exc.detail), str(exc.detail)),
    }
    code, en, zh = codes.get(exc.status_code, ("http_error", str(exc.detail), str(exc.detail)))
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    return JSONResponse(
        body(code, en if lang == "en" else zh, request_id(request)),
        status_code=exc.status_code,
        headers=headers or None,
    )


def allowed_methods(app: Any, scope: Any) -> list[str]:
    """Every method some route answers at this request's path (the router itself only
    names the methods of the first route whose path matched)."""
    methods: set[str] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router
            if inner is not None:
                walk(inner.routes)
                continue
            route_methods = getattr(route, "methods", None)
            if route_methods and route.matches(scope)[0] is not Match.NONE:
                methods.update(route_methods)

    walk(app.router.routes)
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_tracker(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TrackerError)
        return tracker_error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_response(request, exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return http_error_response(request, exc)

    app.add_exception_handler(TrackerError, on_tracker)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
