"""Gateway batches from an MQTT broker, taken as ``POST /api/v1/events`` takes them.

The service subscribes to every gateway's events topic at QoS 1 on a persistent session
(clean start off, ``TRACKER_MQTT_SESSION_HOURS``), so the broker keeps what gateways
publish while the service is down (:mod:`tracker.gateway.mqtt` has the topics). Each
message is acknowledged only after what it carried is committed — or refused for good —
so a service that stops half-way gets the rest again; ingest is idempotent per (device,
event id), so nothing is recorded twice.

Every message is checked like an HTTP request: the device token (user property
``authorization``) must be valid and name the device of the topic, and the events must
be about that device's own doors, safes and readers (:func:`api.routers.events.accept`).
Messages waiting are taken together, one transaction per device, up to
``TRACKER_MAX_BATCH`` events in all, so a backlog after downtime drains at batch speed. A batch with
refused events is split until only those are left: the others are recorded, the refused
ones are logged and answered on the device's ``refused`` topic. While the database is
unavailable nothing is acknowledged and the same messages are tried again.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import TypeAdapter, ValidationError

from api.metrics import Metrics
from api.routers.events import accept
from api.schemas.system import EventIn
from api.settings import ApiSettings
from tracker.domain.errors import DomainError, TransientError
from tracker.gateway import mqtt
from tracker.services import accounts
from tracker.services.accounts import DeviceScope
from tracker.services.base import Services

logger = logging.getLogger(__name__)

_EVENTS = TypeAdapter(list[EventIn])
RETRY_MIN, RETRY_MAX = 0.5, 30.0
BUG_RETRIES = 5  # an unexpected error on a message: tried this often, then refused


@dataclass
class Message:
    """One received message: where from, what, and how to acknowledge it."""

    mid: int
    qos: int
    device: str | None
    token: str
    items: list[Any] | None  # the batch's events, None when the payload is unreadable
    connection: int = 0  # which connection it came on (acknowledged only on that one)
    failures: int = 0


@dataclass
class Refusal:
    """Events refused for good, and why."""

    device: str
    ids: list[str]
    code: str
    message: str


@dataclass
class _Group:
    device: str
    token: str
    items: list[Any] = field(default_factory=list)


def _parse(payload: bytes) -> list[Any] | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    events = body.get("events") if isinstance(body, dict) else None
    return events if isinstance(events, list) and events else None


def _token(properties: Any) -> str:
    for key, value in getattr(properties, "UserProperty", None) or []:
        if key == mqtt.AUTHORIZATION and value.startswith("Bearer "):
            return str(value[7:])
    return ""


def _ids(items: list[Any]) -> list[str]:
    return [str(i.get("event_id", "?")) if isinstance(i, dict) else "?" for i in items]


class MqttIngest:
    """Consumes gateway batches from the broker at ``url`` (module docstring)."""

    def __init__(
        self,
        url: str,
        svc: Services,
        settings: ApiSettings,
        metrics: Metrics | None = None,
        *,
        client_id: str = "",
    ) -> None:
        self.broker = mqtt.broker(url, "TRACKER_MQTT_URL")
        self.svc, self.settings = svc, settings
        self.metrics = metrics or Metrics()
        self.client_id = client_id or settings.mqtt_client_id or f"tracker-{socket.gethostname()}"
        self.received = 0  # messages taken from the broker and acknowledged
        self.refusals: list[Refusal] = []  # the last few, for tests and logs
        self.connected = threading.Event()
        self._connection = 0
        self._queue: queue.Queue[Message] = queue.Queue()
        self._stop = threading.Event()
        self._client = mqtt.client(self.broker, self.client_id, manual_ack=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._worker = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)

    # --- the broker side (paho's network thread) -----------------------------------------

    def start(self) -> MqttIngest:
        """Connect (retrying until the broker answers) and start taking batches."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = int(self.settings.mqtt_session_hours * 3600)
        props.ReceiveMaximum = 1000  # unacknowledged messages the broker may send ahead
        self._client.connect_async(
            self.broker.host, self.broker.port, keepalive=30, clean_start=False, properties=props
        )
        self._client.loop_start()
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop taking batches; what was not acknowledged stays with the broker."""
        self._stop.set()
        self._worker.join(30)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: Any, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            logger.error("MQTT broker %s refused the service: %s", self.broker, reason)
            return
        # Messages of an earlier connection that are still unacknowledged come again on
        # this one, under the same packet ids; acknowledging the old copies here could
        # acknowledge newer messages that reuse those ids, so they are not (see _run).
        self._connection += 1
        client.subscribe(mqtt.subscription(self.settings.mqtt_group), qos=1)
        logger.info(
            "MQTT: connected to %s as %s (session %s)",
            self.broker,
            self.client_id,
            "resumed" if flags.session_present else "new",
        )
        self.connected.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            logger.warning("MQTT broker %s disconnected (%s); reconnecting", self.broker, reason)

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        device = mqtt.device_of_topic(msg.topic)
        self._queue.put(
            Message(
                msg.mid,
                msg.qos,
                device,
                _token(msg.properties),
                _parse(msg.payload),
                self._connection,
            )
        )

    # --- applying (a thread of its own: the database may be slow or away) ----------------

    def _run(self) -> None:
        delay = RETRY_MIN
        pending: list[Message] = []
        while not self._stop.is_set():
            if not pending:
                try:
                    pending.append(self._queue.get(timeout=0.5))
                except queue.Empty:
                    continue
            pending += self._drain(self.settings.max_batch - sum(_size(m) for m in pending))
            try:
                self.take(pending)
            except TransientError as exc:
                logger.warning("MQTT: cannot apply now (%s); trying again in %.1f s", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            except Exception:  # a bug: do not lose the batch at once, nor block for ever
                logger.exception("MQTT: applying %d message(s) failed", len(pending))
                for m in pending:
                    m.failures += 1
                if pending[0].failures < BUG_RETRIES:
                    self._stop.wait(delay)
                    delay = min(delay * 2, RETRY_MAX)
                    continue
                self._refuse_all(pending, "internal_error", "the service failed on this batch")
            for m in pending:
                if m.connection == self._connection:  # else it comes again: applied once
                    self._client.ack(m.mid, m.qos)
            self.received += len(pending)
            pending, delay = [], RETRY_MIN

    def _drain(self, room: int) -> list[Message]:
        out: list[Message] = []
        while room > 0:
            try:
                m = self._queue.get_nowait()
            except queue.Empty:
                break
            out.append(m)
            room -= _size(m)
        return out

    def take(self, messages: list[Message]) -> None:
        """Apply ``messages``, one transaction per device (and token), each device's in
        the order received; refusals are answered. TransientError when the database
        cannot take them now."""
        groups: dict[tuple[str, str], _Group] = {}
        scopes: dict[str, tuple[str, DeviceScope] | None] = {}
        for m in messages:
            if m.device is None or m.items is None:
                self._refuse(
                    m.device or "?",
                    [],
                    "invalid_input",
                    "not a batch of events on a gateway's events topic",
                )
                continue
            # One transaction per device: its events keep their order; devices'
            # events are independent of each other.
            g = groups.setdefault((m.device, m.token), _Group(m.device, m.token))
            g.items.extend(m.items)
        for g in groups.values():
            if g.token not in scopes:
                scopes[g.token] = self._authorize(g.device, g.token)
            found = scopes[g.token]
            if found is None or found[0] != g.device:
                self._refuse(
                    g.device,
                    _ids(g.items),
                    "unauthenticated",
                    "the device token is missing, wrong, revoked or another device's",
                )
                continue
            self._apply(g.device, found[1], g.items)

    def _authorize(self, device: str, token: str) -> tuple[str, DeviceScope] | None:
        found = accounts.verify_device_token(self.svc, token) if token else None
        if found is None:
            self.metrics.auth_failures.labels("device").inc()
            return None
        return found.id, accounts.device_scope(self.svc.site, found)

    def _apply(self, device: str, scope: DeviceScope, items: list[Any]) -> None:
        # Split a refused batch until the refused events are alone; apply the rest.
        try:
            events = _EVENTS.validate_python(items)
            accept(self.svc, self.settings, self.metrics, device, scope, events, "en")
            return
        except ValidationError as exc:
            code, message = "invalid_input", _first(exc)
        except TransientError:
            raise  # a lost race or the database away: the whole lot is tried again
        except DomainError as exc:
            code, message = exc.code, exc.text("en")
        if len(items) > 1:
            half = len(items) // 2
            self._apply(device, scope, items[:half])
            self._apply(device, scope, items[half:])
            return
        self._refuse(device, _ids(items), code, message)

    def _refuse(self, device: str, ids: list[str], code: str, message: str) -> None:
        logger.error("MQTT: refused events %s from %s: %s", ids, device, message)
        self.metrics.events.labels("rejected").inc(len(ids))
        self.refusals = [*self.refusals[-99:], Refusal(device, ids, code, message)]
        if device != "?":
            body = {"events": ids, "error": {"code": code, "message": message}}
            self._client.publish(mqtt.refused_topic(device), json.dumps(body), qos=1)

    def _refuse_all(self, messages: list[Message], code: str, message: str) -> None:
        for m in messages:
            self._refuse(m.device or "?", _ids(m.items or []), code, message)


def _size(m: Message) -> int:
    return len(m.items) if m.items else 1


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"events[{where}]: {err.get('msg', 'invalid')}"


def start_if_configured(
    svc: Services, settings: ApiSettings, metrics: Metrics | None = None
) -> MqttIngest | None:
    """Start consuming when ``TRACKER_MQTT_URL`` names a broker."""
    if not settings.mqtt_url:
        return None
    ingest = MqttIngest(settings.mqtt_url, svc, settings, metrics).start()
    logger.info("MQTT: taking gateway batches from %s", ingest.broker)
    deadline = time.monotonic() + 5
    while not ingest.connected.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    return ingest
