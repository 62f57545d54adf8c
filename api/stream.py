"""The live stream's hub: committed events from the service bus fanned out to each
connected client's queue. The bus calls from whichever thread committed (or, with
several processes, from its database listener); each client lives on the event loop, so
events cross over with ``call_soon_threadsafe``. A client that reconnects with
``Last-Event-ID`` first gets the events it missed that the bus still keeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from tracker.services.bus import Bus, Event, position

logger = logging.getLogger(__name__)


class StreamClient:
    """One connected stream: a bounded queue of events, each delivered once, in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(size)
        self.dropped = 0
        self._last = (-1, -1)  # the position of the last event queued

    def offer(self, event: Event) -> None:
        """Queue ``event`` from any thread; a client that cannot keep up loses events."""
        # A closed loop means the client is gone: nothing to deliver to.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.put, event)

    def put(self, event: Event) -> None:
        """Queue ``event`` (on the client's loop); one already queued is not queued again
        (a replayed event may also arrive live)."""
        at = position(event.id) or (0, 0)
        if at <= self._last:
            return
        self._last = at
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1


class StreamHub:
    """Fans committed events out to stream clients."""

    def __init__(self, bus: Bus, queue_size: int, on_count: Callable[[int], None]) -> None:
        self._clients: set[StreamClient] = set()
        self._lock = threading.Lock()
        self._bus = bus
        self._size = queue_size
        self._on_count = on_count
        self._unsubscribe = bus.subscribe(self._publish)

    def _publish(self, event: Event) -> None:
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            c.offer(event)

    def connect(self, loop: asyncio.AbstractEventLoop, last_id: str | None = None) -> StreamClient:
        """A new client on ``loop`` (call it there); with ``last_id`` (the
        ``Last-Event-ID`` of a reconnecting client) the kept events after it come first."""
        client = StreamClient(loop, self._size)
        with self._lock:
            self._clients.add(client)
            self._on_count(len(self._clients))
        for event in self._bus.since(last_id) if last_id else []:
            client.put(event)
        return client

    def disconnect(self, client: StreamClient) -> None:
        """Forget ``client``."""
        with self._lock:
            self._clients.discard(client)
            self._on_count(len(self._clients))

    @property
    def clients(self) -> int:
        """How many clients are connected."""
        with self._lock:
            return len(self._clients)

    def close(self) -> None:
        """Stop listening to the bus."""
        self._unsubscribe()
