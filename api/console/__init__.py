"""The web console: the custodian's desk, the approver's inbox and the officer's view,
served by the same app as the API (see docs/CONSOLE.md).

``router`` holds every console route; ``api.app.create_app`` includes it. The pages call
the same use cases as the API, in process, and the same need-to-know rules
(:mod:`api.console.access`)."""

from __future__ import annotations

from api.console.pages import assets, auth, dashboard, fallback, live
from api.console.web import PAGES

fallback.register()  # after every page module above: it matches any /console/ address

router = PAGES.router
rules = PAGES.rules

__all__ = ["assets", "auth", "dashboard", "live", "router", "rules"]
