"""The delivery worker: sends pending notifications from the outbox, retrying failures
with exponential backoff; a notification that keeps failing is kept, marked failed and
shown to officers. Delivery is at-least-once: a crash between sending and recording
may send a message twice, never lose one. One process delivers at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta

from tracker.domain.attachments import Attachment
from tracker.domain.errors import TrackerError
from tracker.domain.model import DeliveryState, Notification
from tracker.notify.attachments import render
from tracker.notify.senders import Sender
from tracker.services.base import Services

logger = logging.getLogger(__name__)

BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts`` (30 s, 1 min, 2 min, … at most an hour)."""
    return min(BACKOFF_START * (1 << min(max(attempts - 1, 0), 20)), BACKOFF_CAP)


def deliver_due(svc: Services, senders: Mapping[str, Sender], now: datetime | None = None) -> int:
    """Try every pending notification whose time has come; returns how many were sent.
    One process on the database delivers at a time (``svc.exclusive``): with several
    workers or hosts, a message is not sent once by each."""
    with svc.exclusive("delivery") as mine:
        return _deliver(svc, senders, now or svc.now()) if mine else 0


def _deliver(svc: Services, senders: Mapping[str, Sender], now: datetime) -> int:
    with svc.read() as uow:
        due = [
            n
            for n in uow.notifications.find(state=DeliveryState.PENDING, order_by="created_at")
            if n.next_attempt_at is None or n.next_attempt_at <= now
        ]
        files: dict[str, list[Attachment]] = {}
        ids = [n.id for n in due]
        for i in range(0, len(ids), 500):
            for a in uow.attachments.find(notification=ids[i : i + 500], order_by="filename"):
                files.setdefault(a.notification, []).append(a)
    sent = 0
    for note in due:
        error = _try(note, senders, files.get(note.id, []))
        with svc.transaction() as tx:
            row = tx.uow.notifications.get(note.id)
            if row is None or row.state is not DeliveryState.PENDING:
                continue
            row.attempts += 1
            if error is None:
                row.state, row.sent_at, row.last_error = DeliveryState.SENT, now, ""
                sent += 1
            else:
                row.last_error = error
                if row.attempts >= svc.site.notifications.max_attempts:
                    row.state, row.next_attempt_at = DeliveryState.FAILED, None
                    logger.error("gave up delivering %s to %s: %s", row.id, row.recipient, error)
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
    return sent


def _try(
    note: Notification, senders: Mapping[str, Sender], attachments: list[Attachment]
) -> str | None:
    sender = senders.get(note.channel)
    if sender is None:
        return f"no {note.channel} channel is configured"
    try:
        sender.send(note, [render(a) for a in attachments])
    except TrackerError as exc:
        logger.warning("delivery of %s to %s failed: %s", note.id, note.recipient, exc)
        return str(exc)
    return None


class DeliveryWorker:
    """A thread that delivers due notifications every ``interval`` seconds."""

    def __init__(self, svc: Services, senders: Mapping[str, Sender], interval: float = 2.0) -> None:
        self.svc, self.senders, self.interval = svc, senders, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="notify", daemon=True)

    def start(self) -> DeliveryWorker:
        """Start delivering."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self.svc, self.senders)
            except Exception:  # the worker must outlive a bad round (database blip)
                logger.exception("notification delivery round failed")
            self._stop.wait(self.interval)
