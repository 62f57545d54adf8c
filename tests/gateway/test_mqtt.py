"""Gateways over MQTT, against the real Mosquitto broker (127.0.0.1:1883; with CI=true it
must be there, elsewhere these tests are skipped saying why): the gateway's MqttSink
publishes at QoS 1 on its own topic, the service's consumer (api/mqtt.py) applies the
batches with the same idempotent ingest and device checks as POST /api/v1/events, and
the broker keeps batches for the service while it is down (persistent session).

Each test has its own devices, consumer client id and shared-subscription group, and a
short session expiry, so runs do not disturb each other on the shared broker."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from api.mqtt import MqttIngest
from api.settings import ApiSettings
from tests.conftest import require_service
from tests.db import only_sqlite
from tests.factories import T0
from tests.services.conftest import clock, receive_one, svc
from tracker.domain.errors import ConfigError, TransientError
from tracker.gateway import mqtt
from tracker.gateway.sinks import HttpSink, MqttSink, sink_for
from tracker.services import accounts
from tracker.services.base import Services
from tracker.services.movement import Observation
from tracker.services.receive import store_in_safe

__all__ = ["clock", "svc"]

pytestmark = pytest.mark.timeout(120)

HOST, PORT = "127.0.0.1", 1883
URL = f"mqtt://{HOST}:{PORT}"


@pytest.fixture(autouse=True)
def broker() -> None:
    require_service("Mosquitto", HOST, PORT)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_for(pred: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not pred():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


class Service:
    """Starts and stops the service's consumer (same client id: same broker session)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.settings = ApiSettings(
            mqtt_url=URL,
            mqtt_group=unique("g").replace("-", "_"),
            mqtt_session_hours=0.02,  # the broker forgets the session soon after the test
        )
        self.client_id = unique("tracker-test")
        self.ingest: MqttIngest | None = None

    def start(self) -> MqttIngest:
        self.ingest = MqttIngest(URL, self.svc, self.settings, client_id=self.client_id)
        self.ingest.start()
        assert self.ingest.connected.wait(10)
        time.sleep(0.3)  # the subscription is acknowledged just after the connection
        return self.ingest

    def stop(self) -> None:
        if self.ingest is not None:
            self.ingest.stop()
            self.ingest = None


@pytest.fixture
def service(svc: Services) -> Iterator[Service]:
    s = Service(svc)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def device(svc: Services) -> Callable[..., tuple[str, str]]:
    def make(*places: str) -> tuple[str, str]:
        device_id = unique("gw")
        _, token = accounts.create_device(
            svc, "cli:test", device_id, list(places or ("door-secure", "safe-s1"))
        )
        return device_id, token

    return make


@pytest.fixture
def sinks() -> Iterator[Callable[[str], MqttSink]]:
    made: list[MqttSink] = []

    def make(token: str) -> MqttSink:
        s = MqttSink(URL, token, timeout=10)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def crossing(
    eid: str, epc: str, direction: str, seconds: int, door: str = "door-secure"
) -> Observation:
    return Observation(
        eid, "crossing", T0 + timedelta(seconds=seconds), epc, door, direction, ("0100073EAB",)
    )


def movements(svc: Services, serial: str) -> list[Any]:
    with svc.read() as uow:
        return [m for m in uow.movements.find() if m.carrier == serial]


def carrier(svc: Services) -> tuple[str, str]:
    c = receive_one(svc, scope_people=("alice",))
    store_in_safe(svc, "carol", c.serial)
    assert c.epc is not None
    return c.serial, c.epc


class Listener:
    """A plain MQTT client subscribed to one topic, collecting JSON payloads."""

    def __init__(self, topic: str) -> None:
        self.got: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.c = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
        self.c.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.c.on_subscribe = lambda *_: self.ready.set()
        self.c.on_message = lambda _c, _u, m: self.got.append(json.loads(m.payload))
        self.c.connect(HOST, PORT)
        self.c.loop_start()
        assert self.ready.wait(10)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def publish_raw(topic: str, payload: bytes, token: str | None) -> None:
    """Publish as a gateway would, but with any token and payload, and wait for PUBACK."""
    c = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    c.connect(HOST, PORT)
    c.loop_start()
    try:
        props = Properties(PacketTypes.PUBLISH)
        if token is not None:
            props.UserProperty = (mqtt.AUTHORIZATION, f"Bearer {token}")
        c.publish(topic, payload, qos=1, properties=props).wait_for_publish(10)
    finally:
        c.disconnect()
        c.loop_stop()


# --- the tests -------------------------------------------------------------------------


def test_a_batch_over_mqtt_is_recorded_once_like_a_post(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]], sinks: Any
) -> None:
    serial, epc = carrier(svc)
    _, token = device()
    ingest = service.start()
    sink = sinks(token)
    batch = [crossing("m-1", epc, "out", 10)]
    sink.send(batch)
    wait_for(lambda: len(movements(svc, serial)) == 1)
    sink.send(batch)  # sent again (a PUBACK lost on the way): recorded once
    sink.send([crossing("m-2", epc, "in", 20)])
    wait_for(lambda: ingest.received == 3)
    moved = movements(svc, serial)
    assert [(m.from_place, m.to_place) for m in moved] == [
        ("secure", "corridor"),
        ("corridor", "secure"),
    ]
    assert ingest.refusals == []


@only_sqlite
def test_the_broker_keeps_batches_while_the_service_is_down(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]], sinks: Any
) -> None:
    serial, epc = carrier(svc)
    _, token = device()
    service.start()
    service.stop()  # the service goes away; its session stays with the broker
    sink = sinks(token)
    for i in range(6):  # each acknowledged by the broker: the gateway's outbox lets go
        sink.send([crossing(f"d-{i}", epc, "out" if i % 2 == 0 else "in", 10 * (i + 1))])
    time.sleep(0.5)
    assert movements(svc, serial) == []
    ingest = service.start()  # back: the broker hands over what it kept
    wait_for(lambda: len(movements(svc, serial)) == 6)
    assert ingest.received == 6 and ingest.refusals == []


@only_sqlite
def test_a_device_may_post_only_about_its_own_places(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]], sinks: Any
) -> None:
    serial, epc = carrier(svc)
    mine, token = device("door-exit")
    refused = Listener(mqtt.refused_topic(mine))
    try:
        ingest = service.start()
        sinks(token).send([crossing("x-1", epc, "out", 10)])  # door-secure: not this device's
        wait_for(lambda: len(refused.got) == 1)
    finally:
        refused.close()
    assert refused.got[0]["events"] == ["x-1"]
    assert refused.got[0]["error"]["code"] == "device_scope"
    assert movements(svc, serial) == []
    assert ingest.refusals[0].device == mine


@only_sqlite
def test_a_token_is_checked_against_the_topic_it_is_published_on(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]]
) -> None:
    serial, epc = carrier(svc)
    victim, _ = device()
    _, other_token = device()
    ingest = service.start()
    body = json.dumps(
        {
            "events": [
                {
                    "event_id": "t-1",
                    "kind": "crossing",
                    "at": (T0 + timedelta(seconds=5)).isoformat(),
                    "code": epc,
                    "door": "door-secure",
                    "direction": "out",
                }
            ]
        }
    )
    publish_raw(mqtt.events_topic(victim), body.encode(), other_token)  # another's token
    publish_raw(mqtt.events_topic(victim), body.encode(), None)  # no token
    publish_raw(mqtt.events_topic(victim), body.encode(), "dev_" + victim + ".guessed")
    wait_for(lambda: len(ingest.refusals) == 3)
    assert {r.code for r in ingest.refusals} == {"unauthenticated"}
    assert movements(svc, serial) == []


@only_sqlite
def test_one_bad_event_is_refused_and_the_rest_of_the_batch_recorded(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]], sinks: Any
) -> None:
    serial, epc = carrier(svc)
    _, token = device()
    ingest = service.start()
    sinks(token).send(
        [
            crossing("b-1", epc, "out", 10),
            crossing("b-2", epc, "in", 20, door="door-exit"),  # not this device's door
            crossing("b-3", epc, "in", 30),
        ]
    )
    wait_for(lambda: len(movements(svc, serial)) == 2 and len(ingest.refusals) == 1)
    assert ingest.refusals[0].ids == ["b-2"]


@only_sqlite
def test_garbage_is_refused_and_the_consumer_goes_on(
    svc: Services, service: Service, device: Callable[..., tuple[str, str]], sinks: Any
) -> None:
    serial, epc = carrier(svc)
    mine, token = device()
    ingest = service.start()
    publish_raw(mqtt.events_topic(mine), b"\xff\x00 not json", token)
    publish_raw(
        mqtt.events_topic(mine), json.dumps({"events": [{"kind": "crossing"}]}).encode(), token
    )
    sinks(token).send([crossing("g-1", epc, "out", 10)])
    wait_for(lambda: len(movements(svc, serial)) == 1 and len(ingest.refusals) == 2)
    assert [r.code for r in ingest.refusals] == ["invalid_input", "invalid_input"]
    assert "event_id" in ingest.refusals[1].message


def test_the_sink_is_transient_while_the_broker_is_unreachable(
    device: Callable[..., tuple[str, str]],
) -> None:
    _, token = device()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    sink = MqttSink(f"mqtt://127.0.0.1:{port}", token, timeout=0.5)
    try:
        with pytest.raises(TransientError, match="unreachable"):
            sink.send([crossing("u-1", "E" * 24, "out", 1)])
    finally:
        sink.close()


def test_the_sink_is_chosen_by_url_and_bad_urls_say_why(
    device: Callable[..., tuple[str, str]],
) -> None:
    _, token = device()
    assert isinstance(sink_for("http://127.0.0.1:8000", token), HttpSink)
    s = sink_for(URL, token)
    try:
        assert isinstance(s, MqttSink) and s.topic.endswith("/events")
    finally:
        s.close()  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="no MQTT broker URL"):
        mqtt.broker("mqtt://")
    with pytest.raises(ConfigError, match="bad port"):
        mqtt.broker("mqtt://host:notaport")
    b = mqtt.broker("mqtts://user:p%40ss@broker.example:9999")
    assert (b.host, b.port, b.tls, b.username, b.password) == (
        "broker.example",
        9999,
        True,
        "user",
        "p@ss",
    )
    assert "p@ss" not in str(b)
    assert mqtt.device_of_topic("tracker/gateways/gw-1/events") == "gw-1"
    assert mqtt.device_of_topic("tracker/gateways/gw-1/other") is None
    assert mqtt.device_of_topic("x/tracker/gateways/gw-1/events") is None
