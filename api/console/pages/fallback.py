"""An address under /console/ that is no page: a page saying so (never a JSON error or
a stack trace). Registered after every other page, since it matches any address."""

from __future__ import annotations

from fastapi.responses import Response

from api.console.web import PAGES, Call


def not_found(call: Call) -> Response:
    """No such page."""
    message = call.t("没有这个页面。", "There is no such page.")
    return call.render("error.html", status=404, message=message)


def register() -> None:
    """Add the catch-all page (last)."""
    PAGES.get("/console/{rest:path}")(not_found)
