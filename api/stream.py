"""The live stream's hub: committed events from the service bus fanned out to each
connected client's queue. The bus calls from whichever thread committed; each client
lives on the event loop, so events cross over with ``call_soon_threadsafe``."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable

from tracker.services.base import Bus, Event

logger = logging.getLogger(__name__)


class StreamClient:
    """One connected stream: a bounded queue of (id, event)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[int, Event]] = asyncio.Queue(size)
        self.dropped = 0

    def offer(self, number: int, event: Event) -> None:
        """Queue ``event`` from any thread; a client that cannot keep up loses events."""
        # A closed loop means the client is gone: nothing to deliver to.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._put, number, event)

    def _put(self, number: int, event: Event) -> None:
        try:
            self.queue.put_nowait((number, event))
        except asyncio.QueueFull:
            self.dropped += 1


class StreamHub:
    """Fans committed events out to stream clients."""

    def __init__(self, bus: Bus, queue_size: int, on_count: Callable[[int], None]) -> None:
        self._clients: set[StreamClient] = set()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._size = queue_size
        self._on_count = on_count
        self._unsubscribe = bus.subscribe(self._publish)

    def _publish(self, event: Event) -> None:
        number = next(self._numbers)
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            c.offer(number, event)

    def connect(self, loop: asyncio.AbstractEventLoop) -> StreamClient:
        """A new client on ``loop``."""
        client = StreamClient(loop, self._size)
        with self._lock:
            self._clients.add(client)
            self._on_count(len(self._clients))
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
