"""The console's script and style sheet, served by the service itself (a classified
network has no internet, so nothing comes from a CDN)."""

from __future__ import annotations

from fastapi.responses import Response

from api.console.web import PAGES, Call, asset


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
