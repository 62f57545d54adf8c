"""A door alarm's stills on the console's alert page: shown to whoever may see the alert,
each with its SHA-256 (as in the register's alarm entry) and served by the console with
the session's need-to-know; a still deleted at the end of its retention is said to be
deleted. And in a real browser (headless Chromium): the images load and decode under the
console's content security policy."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI

from drivers.camera.stills import encode_jpeg
from tests.api.conftest import password
from tests.conftest import IN_CI
from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, login
from tests.services.conftest import receive_one
from tracker.domain.levels import Level
from tracker.services import alarms
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch

IMG = re.compile(r'<img src="(/console/stills/[^"]+)"')


def jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return encode_jpeg(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8))


def alarm_with_stills(svc: Services) -> tuple[str, list[bytes]]:
    """A top-secret carrier (alice's scope) sounded the secure room's door: its alert."""
    c = receive_one(svc, Level.TOP_SECRET, scope_people=("alice",))
    images = [jpeg(i) for i in range(3)]
    stills = tuple(alarms.encode_still(0.4 * (i - 1), x) for i, x in enumerate(images))
    obs = Observation(
        "gw:alarm:1", "alarm", svc.now(), code=c.epc or "", door="door-secure", stills=stills
    )
    (out,) = apply_batch(svc, "gw", [obs])
    return out.alerts[0], images


def test_the_alert_page_shows_the_stills_with_their_hashes(browser: Any, svc: Services) -> None:
    alert, images = alarm_with_stills(svc)
    carol = browser("carol")
    page = carol.get(f"/console/alerts/{alert}")
    assert page.status_code == 200
    srcs = IMG.findall(page.text)
    assert len(srcs) == 3
    for src, img in zip(srcs, images, strict=True):
        assert hashlib.sha256(img).hexdigest() in page.text
        got = carol.get(src)
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert got.content == img
    # bob is outside the carrier's scope: neither the alert nor its stills.
    bob = browser("bob")
    assert bob.get(f"/console/alerts/{alert}").status_code == 404
    assert bob.get(srcs[0]).status_code == 404
    assert browser().get(srcs[0]).status_code in (302, 303, 401)  # no session: no still


def test_a_still_deleted_at_the_end_of_its_retention_is_said_to_be(
    browser: Any, svc: Services
) -> None:
    alert, _ = alarm_with_stills(svc)
    first = alarms.stills_for(svc, alert)[0]
    with svc.transaction() as tx:
        tx.uow.evidence.delete(first.id, tx.now)
    carol = browser("carol")
    page = carol.get(f"/console/alerts/{alert}")
    assert len(IMG.findall(page.text)) == 2
    assert "已按保存期限删除" in page.text and first.sha256 in page.text
    assert carol.get(f"/console/stills/{first.id}").status_code == 404


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


@pytest.mark.timeout(120)
def test_the_stills_load_in_a_real_browser(server: str, svc: Services) -> None:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("Chromium is not installed; CI=true requires it")
        pytest.skip("Chromium is not installed (Debian package: chromium)")
    from playwright.sync_api import sync_playwright

    alert, _ = alarm_with_stills(svc)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(locale="zh-CN").new_page()
            page.set_default_timeout(20_000)
            login(page, server, "carol", password("carol"))
            page.goto(f"{server}/console/alerts/{alert}")
            page.wait_for_selector("#alert-stills img")
            page.wait_for_function(
                "[...document.querySelectorAll('#alert-stills img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            widths = page.eval_on_selector_all(
                "#alert-stills img", "imgs => imgs.map(i => i.naturalWidth)"
            )
        finally:
            chromium.close()
    assert widths == [80, 80, 80]
