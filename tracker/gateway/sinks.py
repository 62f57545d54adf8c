"""Where the gateway's observations go: straight into the services in the same process,
to the custody service's ``POST /api/v1/events`` over HTTP with a device token, or to an
MQTT broker the service consumes from (:mod:`tracker.gateway.mqtt`). :func:`sink_for`
chooses by URL. Whatever the sink, the outbox keeps a batch until the sink has taken
it: the service answered (HTTP), or the broker acknowledged it (MQTT QoS 1 PUBACK)."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tracker.domain.errors import InvalidInput, TransientError
from tracker.gateway.mqtt import AUTHORIZATION, events_topic, is_mqtt, refused_topic
from tracker.gateway.mqtt import broker as mqtt_broker
from tracker.gateway.mqtt import client as mqtt_client
from tracker.gateway.outbox import observation_to_json
from tracker.services.accounts import token_device
from tracker.services.base import Services
from tracker.services.movement import Observation, apply_batch

logger = logging.getLogger(__name__)


class Sink(Protocol):
    """Takes a batch of observations. Raises TransientError to have it retried later, or
    InvalidInput when the batch is malformed (it will not become valid by retrying)."""

    def send(self, batch: Sequence[Observation]) -> None:
        """Deliver ``batch``."""
        ...


class ServiceSink:
    """Applies batches through the services in this process."""

    def __init__(self, services: Services, source: str) -> None:
        self.services, self.source = services, source

    def send(self, batch: Sequence[Observation]) -> None:
        """Apply ``batch`` in one transaction."""
        apply_batch(self.services, self.source, list(batch))


def batch_body(batch: Sequence[Observation]) -> bytes:
    """A batch as ``POST /api/v1/events`` takes it (and as it travels over MQTT)."""
    return json.dumps({"events": [observation_to_json(o) for o in batch]}).encode()


class HttpSink:
    """POSTs batches to a custody service with a device token."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/api/v1/events"
        self.token, self.timeout = token, timeout

    def send(self, batch: Sequence[Observation]) -> None:
        """POST ``batch``; 5xx, timeouts and refused connections are transient."""
        body = batch_body(batch)
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:2000]
            # Refusals that a retry cannot cure; a 409 is a race unless an event id was
            # reused for other content.
            if exc.code in (400, 403, 404, 413, 422) or (
                exc.code == 409 and "event_id_reused" in detail
            ):
                raise InvalidInput(
                    "events", f"the service refused the batch ({exc.code}): {detail}"
                ) from exc
            raise TransientError(f"the service answered {exc.code}: {detail[:200]}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise TransientError(f"the service at {self.url} is unreachable: {exc}") from exc


class MqttSink:
    """Publishes each batch at QoS 1 on the gateway's own topic and returns once the
    broker acknowledged it (PUBACK); the broker keeps it for the service, also while
    the service is down. No connection or no acknowledgement within ``timeout`` is
    transient: the outbox keeps the batch and sends it again (the service's ingest is
    idempotent, so a batch that did arrive twice is recorded once). Refusals come back
    asynchronously on the gateway's ``refused`` topic and are logged."""

    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        device = token_device(token)
        if device is None:
            raise InvalidInput(
                "TRACKER_DEVICE_TOKEN",
                "not a device token (made by `tracker device add`)",
                zh="不是设备令牌（由 `tracker device add` 生成）",
            )
        self.broker = mqtt_broker(url, "--events")
        self.device, self.timeout = device, timeout
        self.topic = events_topic(device)
        self._props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        self._props.UserProperty = (AUTHORIZATION, f"Bearer {token}")
        self._connected = threading.Event()
        self._client = mqtt_client(self.broker, f"tracker-gateway-{device}")
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_refused
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()

    def _on_connect(self, client: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            logger.warning("MQTT broker %s refused the gateway: %s", self.broker, reason)
            return
        client.subscribe(refused_topic(self.device), qos=1)
        self._connected.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()
        logger.info("MQTT broker %s disconnected: %s", self.broker, reason)

    def _on_refused(self, _c: Any, _u: Any, msg: Any) -> None:
        try:
            body = json.loads(msg.payload)
            ids, error = body.get("events", []), body.get("error", {})
        except (ValueError, AttributeError):
            ids, error = [], {"message": msg.payload[:200]}
        logger.error("the service refused events %s: %s", ", ".join(map(str, ids)), error)

    def send(self, batch: Sequence[Observation]) -> None:
        """Publish ``batch``; TransientError unless the broker acknowledged it."""
        if not self._connected.wait(self.timeout):
            raise TransientError(f"the MQTT broker at {self.broker} is unreachable")
        info = self._client.publish(self.topic, batch_body(batch), qos=1, properties=self._props)
        try:
            info.wait_for_publish(self.timeout)
        except (RuntimeError, ValueError) as exc:  # not connected any more, queue full
            raise TransientError(f"publishing to {self.broker} failed: {exc}") from exc
        if not info.is_published():
            raise TransientError(f"the MQTT broker at {self.broker} did not acknowledge")

    def close(self) -> None:
        """Disconnect from the broker."""
        self._client.disconnect()
        self._client.loop_stop()


def sink_for(url: str, token: str) -> Sink:
    """The sink a URL names: ``http(s)://`` the service's API, ``mqtt(s)://`` a broker."""
    if is_mqtt(url):
        return MqttSink(url, token)
    return HttpSink(url, token)
