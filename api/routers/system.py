"""Health, metrics and the API documentation."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import Ctx, DocsReader, MetricsReader
from api.schemas.common import ERROR_RESPONSES
from api.schemas.system import HealthOut
from tracker.domain.errors import NotFound

DEFAULT_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
DEFAULT_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"


router = APIRouter(tags=["system"])
health = APIRouter(tags=["system"])  # /healthz alone, to be matched first (api.app)


@health.get(
    "/healthz",
    response_model=HealthOut,
    summary="Liveness and database reachability",
    responses={503: {"model": HealthOut, "description": "The database is unreachable."}},
)
async def healthz(ctx: Ctx) -> JSONResponse:
    """Public: no token needed. 200 when the database answers, 503 otherwise (its last
    look at the database, at most ``TRACKER_HEALTH_CACHE_SECONDS`` old)."""
    if not await ctx.health.database_ok(ctx.services):
        body = HealthOut(status="degraded", database="unavailable")
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(HEALTHY)


HEALTHY = HealthOut(status="ok", database="ok").model_dump()


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={**ERROR_RESPONSES, 200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(me: MetricsReader, ctx: Ctx) -> Response:
    """Request counts and latency, ingest outcomes, open streams, rejected credentials."""
    return Response(ctx.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, me: DocsReader) -> JSONResponse:
    """The OpenAPI document (for users: bearer token or HTTP Basic)."""
    return JSONResponse(request.app.openapi())


def _assets() -> Path | None:
    # Swagger UI shipped as a Python package, so /docs works on a site without internet.
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}


@router.get("/docs", include_in_schema=False)
def docs(me: DocsReader) -> HTMLResponse:
    """Swagger UI; the browser asks for a user name and password first."""
    local = _assets() is not None
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Carrier custody API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js" if local else DEFAULT_JS,
        swagger_css_url="/docs/assets/swagger-ui.css" if local else DEFAULT_CSS,
        swagger_favicon_url="data:,",
        swagger_ui_parameters={"persistAuthorization": True},
    )


@router.get("/docs/assets/{name}", include_in_schema=False)
def docs_asset(name: Literal["swagger-ui-bundle.js", "swagger-ui.css"], me: DocsReader) -> Response:
    """Swagger UI's script and style sheet (behind the same login as /docs)."""
    root = _assets()
    if root is None:
        raise NotFound("Swagger UI assets are not installed", zh="未安装 Swagger UI 资源")
    return FileResponse(root / name, media_type=ASSETS[name])
