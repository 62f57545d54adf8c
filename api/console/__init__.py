"""The web console: the custodian's desk, the approver's inbox and the officer's view,
served by the same app as the API (see docs/CONSOLE.md).

``router`` holds every console route; ``api.app.create_app`` includes it. The pages call
the same use cases as the API, in process, and the same need-to-know rules
(:mod:`api.console.access`). ``rules`` maps each route to the roles it admits."""

from __future__ import annotations

from api.console.pages import (
    alerts,
    approvals,
    assets,
    audit,
    auth,
    borrowing,
    carriers,
    dashboard,
    desk,
    disclosure,
    fallback,
    inventory,
    live,
    receive,
    registers,
)
from api.console.web import PAGES

fallback.register()  # after every page module above: it matches any /console/ address

router = PAGES.router
rules = PAGES.rules

PAGE_MODULES = (
    alerts,
    approvals,
    assets,
    audit,
    auth,
    borrowing,
    carriers,
    dashboard,
    desk,
    disclosure,
    inventory,
    live,
    receive,
    registers,
)

__all__ = ["PAGE_MODULES", "router", "rules"]
