"""The event bus: what committed transactions tell the live stream and the alarm table
feed. :class:`Bus` works in one process; :class:`SharedBus` carries the events through
the database to every process on it (several workers, several hosts)."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tracker.services.ports import UnitOfWork

logger = logging.getLogger(__name__)

# What a listener hands over: a batch number (commit order), the batch's (kind, data)
# pairs, and whether it is live (False: kept only, from before the listener started).
Heard = Callable[[int, list[tuple[str, dict[str, Any]]], bool], None]


class Listening(Protocol):
    """A running listener (:class:`tracker.store.stream.StreamListener`)."""

    def stop(self) -> None:
        """Stop listening."""
        ...


@dataclass(frozen=True)
class Event:
    """Something that happened, published after its transaction committed. ``id`` is its
    place in the stream (``"<batch>-<index>"``, batches in commit order), given when it
    is delivered; a stream client that reconnects names the last id it saw."""

    kind: str  # movement / alert / carrier
    data: dict[str, Any]
    id: str = ""


def position(event_id: str) -> tuple[int, int] | None:
    """``(batch, index)`` of a stream id, or None when ``event_id`` is not one."""
    batch, sep, index = event_id.partition("-")
    if not sep or not batch.isdigit() or not index.isdigit():
        return None
    return int(batch), int(index)


class Bus:
    """Publish/subscribe for committed events (stream, alarm table feed), in this process.

    A transaction hands its events to :meth:`stage` just before it commits and to
    :meth:`publish` after; this bus delivers them at :meth:`publish` to the subscribers
    in this process. It keeps the last ``keep`` delivered events, so a stream client that
    reconnects gets what it missed (:meth:`since`). :class:`SharedBus` carries them
    through the database instead, to every process on it."""

    def __init__(self, keep: int = 1000) -> None:
        self._subs: list[Callable[[Event], None]] = []
        self._lock = threading.Lock()
        self._recent: deque[Event] = deque(maxlen=keep)
        # Batch numbers go on rising across restarts (milliseconds at start), so an id a
        # client kept from before a restart is older than every new one.
        self._batches = itertools.count(time.time_ns() // 1_000_000)

    def subscribe(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``fn`` for every event; returns a function that unsubscribes."""
        with self._lock:
            self._subs.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subs:
                    self._subs.remove(fn)

        return unsubscribe

    def stage(self, uow: UnitOfWork, events: list[Event]) -> None:
        """Inside the transaction, just before it commits: nothing to do in process."""

    def publish(self, events: list[Event]) -> None:
        """After commit: deliver ``events`` in this process."""
        if events:
            self.deliver(next(self._batches), events)

    def deliver(self, batch: int, events: Sequence[Event], *, live: bool = True) -> None:
        """Number ``events`` as batch ``batch``, keep them for :meth:`since` and, when
        ``live``, hand them to every subscriber; a failing subscriber is logged, not
        fatal."""
        # Built directly: dataclasses.replace looks the fields up again for every event
        # (a sweep publishes 100,000).
        numbered = [Event(ev.kind, ev.data, f"{batch}-{i}") for i, ev in enumerate(events)]
        with self._lock:
            self._recent.extend(numbered)
            subs = list(self._subs) if live else []
        for ev in numbered:
            for fn in subs:
                try:
                    fn(ev)
                except Exception:  # a subscriber must never undo a committed use case
                    logger.exception("event subscriber failed on %s", ev.kind)

    def since(self, last_id: str) -> list[Event]:
        """The kept events after ``last_id``, oldest first (all kept events when it is
        older than them; none when it is no id of this stream)."""
        last = position(last_id)
        if last is None:
            return []
        with self._lock:
            return [ev for ev in self._recent if (position(ev.id) or (0, 0)) > last]

    def close(self) -> None:
        """Stop delivering (nothing to stop in process)."""


class SharedBus(Bus):
    """The bus of several processes on one PostgreSQL database (``tracker serve
    --workers N``, several hosts). :meth:`stage` writes a transaction's events into it
    (``uow.stream``, in commit order, with a notification); :meth:`publish` does nothing;
    a listener the composition root supplies (``listen(heard) -> listener``, started
    at the first subscription) hears every process's events, this one's included, and
    hands them to :meth:`deliver` in commit order, numbered by the database."""

    def __init__(
        self,
        listen: Callable[[Heard], Listening],
        keep: int = 1000,
    ) -> None:
        super().__init__(keep)
        self._listen = listen
        self.listener: Listening | None = None

    def subscribe(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        """Like :meth:`Bus.subscribe`; the first subscription starts the listener, and
        it stops when the last one ends."""
        with self._lock:
            self._subs.append(fn)
            if self.listener is None:
                self.listener = self._listen(self._heard)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subs:
                    self._subs.remove(fn)
                listener = None
                if not self._subs:
                    listener, self.listener = self.listener, None
            if listener is not None:
                listener.stop()

        return unsubscribe

    def _heard(self, batch: int, items: list[tuple[str, dict[str, Any]]], live: bool) -> None:
        self.deliver(batch, [Event(kind, data) for kind, data in items], live=live)

    def stage(self, uow: UnitOfWork, events: list[Event]) -> None:
        """Queue ``events`` in the transaction's stream log, written at commit."""
        if events:
            uow.stream.append([(ev.kind, ev.data) for ev in events])

    def publish(self, events: list[Event]) -> None:
        """Nothing: the listener delivers them, as it does every other process's."""

    def close(self) -> None:
        """Stop the listener."""
        with self._lock:
            listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
