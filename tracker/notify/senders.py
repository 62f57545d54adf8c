"""The channels: email over SMTP and JSON webhooks signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol
from urllib.parse import urlsplit

from tracker.domain.errors import TrackerError
from tracker.domain.model import Notification
from tracker.domain.site import NotificationConfig
from tracker.notify.attachments import File

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tracker-Signature"
TIMESTAMP_HEADER = "X-Tracker-Timestamp"


class DeliveryError(TrackerError):
    """A notification could not be delivered this time."""

    code = "delivery_error"


class Sender(Protocol):
    """Delivers one notification (with its files) or raises DeliveryError."""

    def send(self, note: Notification, files: Sequence[File] = ()) -> None:
        """Deliver ``note``."""
        ...


class SmtpSender:
    """Sends email through an SMTP server (``smtp://host:port`` or ``smtps://``).
    A user and password, when needed, come from ``TRACKER_SMTP_USER`` /
    ``TRACKER_SMTP_PASSWORD`` — never from the site file."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.sender = sender
        self.timeout = timeout

    def send(self, note: Notification, files: Sequence[File] = ()) -> None:
        """Send one email, with ``files`` attached."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = note.target
        msg["Subject"] = note.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(idstring=note.id[:12])
        msg.set_content(note.body)
        for f in files:
            main, _, sub = f.content_type.partition("/")
            msg.add_attachment(f.data, maintype=main, subtype=sub, filename=f.filename)
        try:
            if self.tls:
                ctx = ssl.create_default_context()
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ctx
                )
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with server:
                user = os.environ.get("TRACKER_SMTP_USER")
                if user:
                    server.login(user, os.environ.get("TRACKER_SMTP_PASSWORD", ""))
                server.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"SMTP {self.host}:{self.port}: {exc}",
                zh=f"邮件服务器 {self.host}:{self.port} 发送失败：{exc}",
            ) from exc


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The webhook signature: HMAC-SHA256 over ``timestamp.body``, hex."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSender:
    """POSTs the notification's JSON body, signed, to its webhook URL."""

    def __init__(self, config: NotificationConfig, timeout: float = 10.0) -> None:
        self.secrets = {h.url: h.secret_env for h in config.webhooks}
        self.timeout = timeout

    def send(self, note: Notification, files: Sequence[File] = ()) -> None:
        """POST one notification (files are not sent to webhooks: the JSON body
        says what happened); any non-2xx answer is a failure to retry."""
        del files
        env = self.secrets.get(note.target)
        secret = os.environ.get(env or "", "")
        if not secret:
            raise DeliveryError(
                f"webhook {note.recipient}: the secret variable {env or '?'} is not set",
                zh=f"Webhook {note.recipient}：未设置签名密钥环境变量 {env or '?'}",
            )
        body = note.body.encode()
        ts = str(int(time.time()))
        req = urllib.request.Request(
            note.target,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: ts,
                SIGNATURE_HEADER: "sha256=" + sign(secret.encode(), ts, body),
                "X-Tracker-Delivery": note.id,
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(
                f"webhook {note.recipient} answered HTTP {exc.code}",
                zh=f"Webhook {note.recipient} 返回 HTTP {exc.code}",
            ) from exc
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(
                f"webhook {note.recipient} unreachable: {exc}",
                zh=f"Webhook {note.recipient} 无法连接：{exc}",
            ) from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook {note.recipient} answered HTTP {status}")


def senders_for(config: NotificationConfig) -> dict[str, Sender]:
    """The senders the site's configuration provides, by channel."""
    out: dict[str, Sender] = {"webhook": WebhookSender(config)}
    if config.smtp_url:
        out["email"] = SmtpSender(config.smtp_url, config.email_from)
    return out


__all__ = ["DeliveryError", "Sender", "SmtpSender", "WebhookSender", "sign"]
