"""When readers and cameras were last heard from, for the silent-device watch."""

from __future__ import annotations

from datetime import datetime

from tracker.services.base import Tx

HEARTBEAT = "heartbeat."  # settings key prefix


def heard(tx: Tx, device: str, at: datetime) -> None:
    """Record that a reader or camera reported at ``at`` (the latest time is kept)."""
    key = HEARTBEAT + device
    last = tx.uow.settings.get(key)
    if last is None or datetime.fromisoformat(last) < at:
        tx.uow.settings.put(key, at.isoformat())


def last_heard(tx: Tx, device: str) -> datetime | None:
    """When ``device`` last reported, or None if never."""
    text = tx.uow.settings.get(HEARTBEAT + device)
    return datetime.fromisoformat(text) if text else None
