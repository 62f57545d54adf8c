"""The gateway's copy of the authorization table (:mod:`tracker.domain.authz`), kept on
disk with its version so a restarted gateway that cannot reach the service still
decides, and the feeds that bring new versions and silences.

On disk (``authz-<gateway>.json``, mode 0600, replaced atomically)::

    {"confirmed_at": "<UTC ISO time the service last confirmed it current>",
     "table": {"version": 12, "generated_at": "…", "format": 1, "known": [EPC…],
               "doors": {"door-secure": {"outer": "corridor", "exit": false,
                         "default": {"allowed": true},
                         "carriers": {"<EPC>": {"allowed": false, "rule": "R2",
                                                "windows": [{"from", "until", "escorts",
                                                             "escorts_needed"}]}}}}}}

The table's *age* is the time since the service last confirmed it current — on every
version it sends and on every keep-alive of a live feed; with the service unreachable
it grows, and past the site's ``[alarms] table_max_age`` it is an alert.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tracker.domain.authz import AuthorizationTable, Decision
from tracker.domain.errors import InvalidInput
from tracker.services.authz import FeedMessage, Silence, TableFeed

logger = logging.getLogger(__name__)


class TableStore:
    """The current table and when it was last confirmed (``path`` None: memory only)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.table: AuthorizationTable | None = None
        self.confirmed_at: datetime | None = None
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.table = AuthorizationTable.from_json(data["table"])
                self.confirmed_at = datetime.fromisoformat(data["confirmed_at"])
            except (OSError, ValueError, KeyError, TypeError, InvalidInput) as exc:
                logger.error("ignoring unreadable table file %s: %s", self.path, exc)

    @property
    def version(self) -> int | None:
        """The version held, if any."""
        return self.table.version if self.table is not None else None

    def replace(self, table: AuthorizationTable, now: datetime | None = None) -> None:
        """Take a new version from the service (an older one than held is ignored)."""
        with self._lock:
            if self.table is not None and table.version < self.table.version:
                logger.warning(
                    "ignoring table v%d older than v%d", table.version, self.table.version
                )
                return
            confirmed = now or datetime.now(UTC)
            # On disk first, then in use: the file is never older than what is decided on.
            self._save(table, confirmed)
            self.table, self.confirmed_at = table, confirmed

    def confirm(self, now: datetime | None = None) -> None:
        """The service says the table held is current."""
        with self._lock:
            if self.table is not None:
                self.confirmed_at = now or datetime.now(UTC)

    def age(self, now: datetime | None = None) -> float | None:
        """Seconds since the table was last confirmed (None: no table at all)."""
        if self.confirmed_at is None:
            return None
        return max(0.0, ((now or datetime.now(UTC)) - self.confirmed_at).total_seconds())

    def decide(self, door: str, epc: str, now: datetime, *, unknown_alarms: bool) -> Decision:
        """The decision on a first outer-zone read; without any table every tag is unknown
        (so only doors that alarm on unknown tags alarm)."""
        table = self.table
        if table is None:
            return Decision(unknown_alarms, "unknown")
        return table.decide(door, epc, now, unknown_alarms=unknown_alarms)

    def save(self) -> None:
        """Write the confirmation time to disk (the table itself is written on replace)."""
        with self._lock:
            self._save()

    def _save(
        self, table: AuthorizationTable | None = None, confirmed_at: datetime | None = None
    ) -> None:
        table, confirmed_at = table or self.table, confirmed_at or self.confirmed_at
        if self.path is None or table is None or confirmed_at is None:
            return
        body = json.dumps({"confirmed_at": confirmed_at.isoformat(), "table": table.to_json()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


Handler = Callable[[FeedMessage], None]


class TableSource(Protocol):
    """Where new table versions and silences come from."""

    def start(self, handler: Handler) -> None:
        """Deliver every message to ``handler`` (from the source's own thread)."""
        ...

    def stop(self) -> None:
        """Stop delivering."""
        ...

    def current(self) -> bool:
        """True while the source is in touch with the service (the table is current)."""
        ...


class ServiceFeed:
    """The table feed of the services in this process."""

    def __init__(self, feed: TableFeed) -> None:
        self.feed = feed
        self._unsubscribe: Callable[[], None] | None = None

    def start(self, handler: Handler) -> None:
        """Subscribe (the current table arrives at once)."""
        self._unsubscribe = self.feed.subscribe(handler)

    def stop(self) -> None:
        """Unsubscribe."""
        if self._unsubscribe is not None:
            self._unsubscribe()

    def current(self) -> bool:
        """Always in touch: the service is in this process."""
        return True


class HttpFeed:
    """The service's ``GET /api/v1/gateway/stream`` (server-sent events, a device token):
    the table on every (re)connect and every change, silences, keep-alives."""

    def __init__(self, base_url: str, token: str, *, ping: float = 15.0) -> None:
        self.url = base_url.rstrip("/") + f"/api/v1/gateway/stream?ping={ping:g}"
        self.token, self.ping = token, ping
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live = False

    def start(self, handler: Handler) -> None:
        """Connect (and keep reconnecting) in a thread."""
        self._thread = threading.Thread(
            target=self._run, args=(handler,), name="table-stream", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop; the open connection is dropped at its next line or timeout."""
        self._stop.set()

    def current(self) -> bool:
        """True while the stream is up."""
        return self._live

    def _run(self, handler: Handler) -> None:
        delay = 0.5
        while not self._stop.is_set():
            req = urllib.request.Request(
                self.url,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"},
            )
            try:
                with urllib.request.urlopen(req, timeout=self.ping * 2 + 5) as resp:
                    delay = 0.5
                    self._read(resp, handler)
            except (OSError, urllib.error.URLError, ValueError, InvalidInput) as exc:
                if not self._stop.is_set():
                    logger.warning("table stream: %s; reconnecting in %.1f s", exc, delay)
            self._live = False
            self._stop.wait(delay)
            delay = min(delay * 2, 30.0)

    def _read(self, resp: object, handler: Handler) -> None:
        event, data = "", ""
        for raw in resp:  # type: ignore[attr-defined]
            if self._stop.is_set():
                return
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line and event:
                self._live = True
                self._dispatch(event, data, handler)
                event, data = "", ""

    @staticmethod
    def _dispatch(event: str, data: str, handler: Handler) -> None:
        if event == "table":
            handler(AuthorizationTable.from_json(json.loads(data)))
        elif event == "silence":
            d = json.loads(data)
            handler(Silence(d["door"], tuple(d["alarms"]), d.get("alert"), d.get("why", "")))
