"""What gateways and the custody service agree on over MQTT: the broker URL, the topics,
and how a client is made (paho-mqtt 2.x, MQTT 5).

* A gateway publishes each batch — the body ``POST /api/v1/events`` takes — at QoS 1 to
  its own topic ``tracker/gateways/<device id>/events``, with its device token in the
  user property ``authorization`` (``Bearer <token>``); the device id is the token's.
* The service subscribes to ``tracker/gateways/+/events`` at QoS 1 in a shared
  subscription (``$share/<group>/…``: one service host takes each message) on a
  persistent session (clean start off, a session expiry), so the broker keeps what
  arrives while the service is down.
* A batch the service refuses for good (bad shape, another device's door, a wrong
  token) is answered on ``tracker/gateways/<device id>/refused``: ``{"events": [ids],
  "error": {"code", "message"}}``.

URLs: ``mqtt://[user[:password]@]host[:port]`` (1883) or ``mqtts://…`` (8883, TLS with
the system's certificate authorities); the user and password are the broker's own login,
not the device token.
"""

from __future__ import annotations

import ssl
import urllib.parse
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from tracker.domain.errors import ConfigError

PREFIX = "tracker/gateways"
AUTHORIZATION = "authorization"  # the user property carrying "Bearer <device token>"
SCHEMES = {"mqtt": 1883, "mqtts": 8883}


def events_topic(device: str) -> str:
    """Where ``device`` publishes its batches."""
    return f"{PREFIX}/{device}/events"


def refused_topic(device: str) -> str:
    """Where the service tells ``device`` which of its events it refused."""
    return f"{PREFIX}/{device}/refused"


def subscription(group: str) -> str:
    """What the service subscribes to: every gateway's events, shared among the service
    hosts of ``group`` (a plain subscription when ``group`` is empty)."""
    topic = f"{PREFIX}/+/events"
    return f"$share/{group}/{topic}" if group else topic


def device_of_topic(topic: str) -> str | None:
    """The device id in an events topic, or None when ``topic`` is not one."""
    head, sep, rest = topic.partition(PREFIX + "/")
    device, _, tail = rest.partition("/")
    if head or not sep or tail != "events" or not device:
        return None
    return device


@dataclass(frozen=True)
class Broker:
    """Where the broker is, and how to log in to it."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def is_mqtt(url: str) -> bool:
    """True when ``url`` names an MQTT broker."""
    return urllib.parse.urlsplit(url).scheme in SCHEMES


def broker(url: str, field: str = "url") -> Broker:
    """The broker a URL names; ConfigError saying what is wrong otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ConfigError(
            f"{field}: {url!r} is no MQTT broker URL (mqtt://host:1883 or mqtts://host:8883)",
            zh=f"{field}：{url!r} 不是 MQTT 代理地址（mqtt://主机:1883 或 mqtts://主机:8883）",
        )
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError as exc:
        raise ConfigError(
            f"{field}: bad port in {url!r}", zh=f"{field}：{url!r} 中的端口无效"
        ) from exc
    return Broker(
        parts.hostname,
        port,
        parts.scheme == "mqtts",
        urllib.parse.unquote(parts.username) if parts.username else None,
        urllib.parse.unquote(parts.password) if parts.password else None,
    )


def client(where: Broker, client_id: str, *, manual_ack: bool = False) -> mqtt.Client:
    """An MQTT 5 client for ``where`` (not connected yet)."""
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=MQTTProtocolVersion.MQTTv5,
        manual_ack=manual_ack,
    )
    if where.username is not None:
        c.username_pw_set(where.username, where.password)
    if where.tls:
        c.tls_set_context(ssl.create_default_context())
    c.reconnect_delay_set(1, 30)
    return c
