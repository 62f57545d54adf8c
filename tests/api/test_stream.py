"""GET /api/v1/stream against a real uvicorn server: each caller gets the movements and
alerts it may see, never a title; heartbeats keep it alive; a client that goes away is
forgotten."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.api.conftest import TITLE, Api, Gateway, received
from tests.api.test_ingest import crossing
from tests.factories import T0

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(10)


class Listener(threading.Thread):
    """Reads one stream until told to stop, collecting events and heartbeats."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.base, self.headers = base, headers
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.raw: list[str] = []
        self.heartbeats = 0
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.status = 0

    def run(self) -> None:
        kind = ""
        with (
            httpx.Client(base_url=self.base, timeout=10) as c,
            c.stream("GET", "/api/v1/stream", headers=self.headers) as r,
        ):
            self.status = r.status_code
            self.content_type = r.headers.get("content-type", "")
            for line in r.iter_lines():
                self.raw.append(line)
                if line == ": connected":
                    self.connected.set()
                elif line == ": heartbeat":
                    self.heartbeats += 1
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    self.events.append((kind, json.loads(line[6:])))
                if self.stop.is_set():
                    return


def listen(base: str, headers: dict[str, str]) -> Listener:
    t = Listener(base, headers)
    t.start()
    assert t.connected.wait(10), "stream did not open"
    return t


def wait_for(cond: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_each_caller_sees_only_what_it_may(
    server: str, api: Api, gateway: Gateway, auth: Callable[..., dict[str, str]]
) -> None:
    c = received(api, "top_secret", period="long", scope_people=["alice"], scope_departments=[])
    keeper, knower, outsider = (listen(server, auth(w)) for w in ("carol", "alice", "bob"))
    assert keeper.status == 200 and keeper.content_type.startswith("text/event-stream")
    with httpx.Client(base_url=server) as h:
        r = h.post(
            "/api/v1/events",
            json={"events": [crossing("s1", c["epc"], "out", T0)]},
            headers=gateway.headers,
        )
        assert r.status_code == 200
        r = h.post(
            "/api/v1/events",
            json={
                "events": [
                    {
                        "event_id": "s2",
                        "kind": "reader",
                        "at": T0.isoformat(),
                        "reader": "door-secure-in",
                        "online": False,
                    }
                ]
            },
            headers=gateway.headers,
        )
        assert r.status_code == 200
    # R2 (it left the secure room), R16 (alice carried it unrecorded), the reader
    wait_for(lambda: len([k for k, _ in keeper.events if k == "alert"]) >= 3)
    wait_for(lambda: any(k == "movement" for k, _ in knower.events))
    wait_for(lambda: outsider.heartbeats >= 3)  # the outsider stays connected, hearing nothing
    for t in (keeper, knower, outsider):
        t.stop.set()
    kinds = sorted(k for k, _ in keeper.events)
    assert kinds == ["alert", "alert", "alert", "movement"]
    movement = next(d for k, d in keeper.events if k == "movement")
    assert movement["carrier"] == c["serial"] and movement["to_place"] == "corridor"
    knows = sorted(k for k, _ in knower.events)
    assert knows == ["alert", "alert", "movement"]  # not the reader alert
    assert outsider.events == []
    for t in (keeper, knower, outsider):
        assert TITLE not in "\n".join(t.raw)


def test_a_client_that_goes_away_is_forgotten(
    server: str, app: FastAPI, auth: Callable[..., dict[str, str]]
) -> None:
    hub = app.state.ctx.hub
    t = listen(server, auth("carol"))
    wait_for(lambda: hub.clients == 1)
    t.stop.set()
    t.join(5)
    wait_for(lambda: hub.clients == 0)


def test_devices_and_strangers_get_no_stream(server: str, gateway: Gateway) -> None:
    with httpx.Client(base_url=server) as h:
        assert h.get("/api/v1/stream").status_code == 401
        assert h.get("/api/v1/stream", headers=gateway.headers).status_code == 403


def test_a_client_reconnecting_with_last_event_id_gets_what_it_missed(
    server: str, api: Api, gateway: Gateway, auth: Callable[..., dict[str, str]]
) -> None:
    c = received(api, "secret")
    first = listen(server, auth("carol"))
    with httpx.Client(base_url=server) as h:

        def cross(eid: str, direction: str, minute: int) -> None:
            at = T0.replace(minute=minute)
            ev = crossing(eid, c["epc"], direction, at)
            r = h.post("/api/v1/events", json={"events": [ev]}, headers=gateway.headers)
            assert r.status_code == 200

        cross("r1", "out", 1)
        wait_for(lambda: any(k == "movement" for k, _ in first.events))
        first.stop.set()
        seen = [line[4:] for line in first.raw if line.startswith("id: ")]
        last = seen[-1]
        cross("r2", "in", 2)  # while the client is away
        cross("r3", "out", 3)
    again = listen(server, auth("carol") | {"Last-Event-ID": last})
    wait_for(lambda: len([k for k, _ in again.events if k == "movement"]) >= 2)
    again.stop.set()
    moves = [d for k, d in again.events if k == "movement"]
    assert [m["to_place"] for m in moves] == ["secure", "corridor"]  # r2 and r3, not r1
    ids = [line[4:] for line in again.raw if line.startswith("id: ")]
    assert last not in ids and len(ids) == len(set(ids))
