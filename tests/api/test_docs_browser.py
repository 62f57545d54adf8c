"""The API documentation page in a real browser (headless Chromium): it asks for a login,
renders Swagger UI from the service's own copy of its assets (a secrecy office's network
has no internet), and lists the API's operations."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.api.conftest import app, password, settings
from tests.conftest import IN_CI

__all__ = ["app", "settings"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian package: chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it")
        pytest.skip(message)
    return CHROMIUM


@pytest.mark.timeout(120)
def test_docs_render_offline_after_a_login(server: str, chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            anonymous = browser.new_context()
            assert anonymous.request.get(f"{server}/docs").status == 401  # nothing without a login
            context = browser.new_context(
                http_credentials={"username": "carol", "password": password("carol")}
            )
            page = context.new_page()
            page.on("request", lambda r: requested.append(r.url))
            response = page.goto(f"{server}/docs")
            assert response is not None and response.status == 200
            page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            title = page.inner_text(".swagger-ui .info .title")
            tags = page.locator(".swagger-ui .opblock-tag").all_inner_texts()
            page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
        finally:
            browser.close()
    assert "Carrier custody API" in title
    assert any("carriers" in t for t in tags) and any("events" in t for t in tags)
    outside = [u for u in requested if not u.startswith(server) and not u.startswith("data:")]
    assert outside == [], f"the page fetched from outside the service: {outside}"
    assert os.path.getsize(tmp_path / "docs.png") > 10_000
