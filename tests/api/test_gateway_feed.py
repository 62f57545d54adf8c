"""The gateway's table feed over HTTP (``tracker.gateway.table.HttpFeed``) against the real
service on a real uvicorn server: the table on connect, a new version on every change,
a silence when an alarm's alert is acknowledged through the API, and — after the
service was stopped and started again — the table sent afresh on reconnect, while the
copy on disk kept deciding and its age grew."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from api import server
from tests.api.conftest import received
from tracker.domain.authz import AuthorizationTable
from tracker.gateway.table import HttpFeed, TableStore
from tracker.services.authz import FeedMessage, Silence

pytestmark = pytest.mark.timeout(90)


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class Service:
    """``app`` on a real uvicorn server that can be stopped and started on the same port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._srv: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cfg = server.config(self.app, "127.0.0.1", self.port, "warning")
        cfg.timeout_graceful_shutdown = 1  # open event streams are cut, as in a restart
        self._srv = uvicorn.Server(cfg)
        self._thread = threading.Thread(target=self._srv.run, daemon=True)
        self._thread.start()
        assert wait_for(lambda: self._srv is not None and self._srv.started)

    def stop(self) -> None:
        if self._srv is not None and self._thread is not None:
            self._srv.should_exit = True
            self._thread.join(10)
        self._srv = self._thread = None


@pytest.fixture
def service(app: FastAPI) -> Iterator[Service]:
    s = Service(app)
    s.start()
    yield s
    s.stop()


class Heard:
    """What the feed delivered, and the gateway's table store it keeps current."""

    def __init__(self, path: Path) -> None:
        self.store = TableStore(path)
        self.items: list[FeedMessage] = []
        self._lock = threading.Lock()

    def __call__(self, msg: FeedMessage) -> None:
        # The store first, as the gateway does: a test that sees the message may then
        # rely on the table being in use (seen the other way round, the age was stale).
        if isinstance(msg, AuthorizationTable):
            self.store.replace(msg)
        with self._lock:
            self.items.append(msg)

    def tables(self) -> list[AuthorizationTable]:
        with self._lock:
            return [m for m in self.items if isinstance(m, AuthorizationTable)]

    def silences(self) -> list[Silence]:
        with self._lock:
            return [m for m in self.items if isinstance(m, Silence)]


def test_the_feed_brings_every_version_silences_and_the_table_again_on_reconnect(
    api, client, gateway, service, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    heard = Heard(tmp_path / "authz-gw-secure.json")
    feed = HttpFeed(service.url, gateway.token, ping=0.5)
    feed.start(heard)
    try:
        assert wait_for(lambda: bool(heard.tables()) and feed.current())
        first = heard.tables()[0].version
        # A change of content: a new version, pushed.
        top = received(api, "top_secret", scope_people=["alice"])
        assert wait_for(lambda: heard.store.version == first + 1)
        latest = heard.tables()[-1]
        assert set(latest.doors) == {"door-secure"}  # only this gateway's doors
        assert latest.doors["door-secure"].verdict(top["epc"]).rule == "R2"
        # The gateway sounded the door; the alert is acknowledged through the API.
        alarm = {
            "event_id": "gw-secure:alarm:feed",
            "kind": "alarm",
            "at": "2026-11-24T02:00:00+00:00",
            "code": top["epc"],
            "door": "door-secure",
        }
        r = client.post("/api/v1/events", json={"events": [alarm]}, headers=gateway.headers)
        assert r.status_code == 200, r.text
        (alert_id,) = r.json()["results"][0]["alerts"]
        api.ok("carol", "POST", f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "到场"})
        assert wait_for(lambda: bool(heard.silences()))
        (silence,) = heard.silences()
        assert silence == Silence(
            "door-secure", ("gw-secure:alarm:feed",), alert_id, "acknowledged"
        )
        # The service goes away: the stream is down, the table on disk ages but stays.
        seen = len(heard.tables())
        service.stop()
        assert wait_for(lambda: not feed.current())
        age = heard.store.age()
        assert age is not None
        time.sleep(1.0)
        assert (heard.store.age() or 0) >= age + 0.9
        assert TableStore(tmp_path / "authz-gw-secure.json").version == first + 1
        # Back: the table comes again at once on reconnect.
        service.start()
        assert wait_for(lambda: len(heard.tables()) > seen and feed.current(), timeout=30)
        assert heard.tables()[-1].version == first + 1
        assert (heard.store.age() or 99) < 1.0
    finally:
        feed.stop()
