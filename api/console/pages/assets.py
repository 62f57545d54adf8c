"""The console's script and style sheet, served by the service itself (a classified
network has no internet, so nothing comes from a CDN)."""

from __future__ import annotations

import hashlib
import io
import logging
from functools import lru_cache

from fastapi.responses import Response
from fontTools.ttLib import TTFont

from api.console.web import PAGES, Call, asset
from labels.fonts import find_cjk_font
from tracker.domain.errors import LabelError

logger = logging.getLogger(__name__)


@PAGES.get("/console/static/{name}", public=True, raw=True)
def static_file(call: Call) -> Response:
    """One static file of the console (public: it holds nothing about carriers)."""
    found = asset(call.path["name"])
    if found is None:
        return Response("not found", status_code=404, media_type="text/plain")
    data, kind, etag = found
    if call.request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers={"ETag": f'"{etag}"'})
    return Response(
        data,
        media_type=kind,
        headers={"ETag": f'"{etag}"', "Cache-Control": "public, max-age=86400"},
    )


@lru_cache(maxsize=1)
def _cjk_font() -> tuple[bytes, str] | None:
    """The server's CJK font (the one labels print with) as a single TrueType face."""
    try:
        found = find_cjk_font()
    except LabelError as exc:
        logger.warning("console: no CJK font to serve: %s", exc.message)
        return None
    with TTFont(found.path, fontNumber=found.index) as font:
        out = io.BytesIO()
        font.save(out)
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()[:16]


@PAGES.get("/console/font/cjk.ttf", public=True, raw=True)
def cjk_font(call: Call) -> Response:
    """A Chinese font for browsers without one (public: it is a font)."""
    found = _cjk_font()
    if found is None:
        return Response("no font", status_code=404, media_type="text/plain")
    data, etag = found
    if call.request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers={"ETag": f'"{etag}"'})
    return Response(
        data,
        media_type="font/ttf",
        headers={"ETag": f'"{etag}"', "Cache-Control": "public, max-age=604800"},
    )
