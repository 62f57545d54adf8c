"""The console on the API's test app (real database, example site, the service tests'
cast with a login each, manual clock), driven over HTTP like a browser would: cookies,
the form's CSRF token, redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import app, password, settings
from tests.services.conftest import clock, item, receive_one, snapshot, svc

__all__ = ["app", "clock", "item", "receive_one", "settings", "snapshot", "svc"]

_TOKEN = re.compile(r'name="_csrf" value="([^"]+)"')


class Browser:
    """A cookie-keeping client logged in through the form."""

    def __init__(self, app: FastAPI, base: str = "http://testserver") -> None:
        self.client = TestClient(app, base_url=base, follow_redirects=False)

    def login(self, who: str, pw: str | None = None) -> Any:
        page = self.client.get("/")
        token = _TOKEN.search(page.text)
        assert token, page.text
        return self.client.post(
            "/login",
            data={"username": who, "password": pw or password(who), "_csrf": token.group(1)},
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def token(self, path: str = "/console/") -> str:
        found = _TOKEN.search(self.client.get(path, follow_redirects=True).text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def post(
        self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any
    ) -> Any:
        body = dict(data or {})
        if csrf:
            body["_csrf"] = self.token()
        return self.client.post(path, data=body, **kw)

    def follow(self, r: Any) -> Any:
        """The page a redirect leads to."""
        assert r.status_code in (302, 303), (r.status_code, r.text[:500])
        return self.client.get(r.headers["location"])


@pytest.fixture
def browser(app: FastAPI) -> Callable[..., Browser]:
    """``browser("carol")``: a client logged in as carol."""

    def make(who: str | None = None, base: str = "http://testserver") -> Browser:
        b = Browser(app, base)
        if who:
            r = b.login(who)
            assert r.status_code == 303, r.text
        return b

    return make
