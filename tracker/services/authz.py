"""The authorization table the service pushes to gateways (:mod:`tracker.domain.authz`),
and the feed that tells them of every new version and of alarms to silence.

The table is computed from the register's state: every carrier with a tag, active
borrows and circulations, approved carry-outs and the escorts' badges. Its version is
kept in the settings with the digest of its content and rises only when the content
changes, so a gateway that reconnects and gets the same version knows its copy on disk
is current.

:class:`TableFeed` watches for changes the way every process can see them: the custody
register (a use case that changes what the table says writes an entry; one in another
process too), woken at once by the in-process bus, plus a full recompute every
``refresh`` seconds for what the register does not record (badges, a site reload). The
same watch turns an acknowledged or resolved alert that sounded a door's alarm — and an
alarm the service finds authorized — into a :class:`Silence` for the gateways.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.domain.authz import (
    AuthorizationTable,
    Verdict,
    carry_outs_of,
    door_table,
    outer_verdict,
)
from tracker.domain.ledger import Action
from tracker.domain.model import ApprovalState, BorrowState, Carrier, CirculationState
from tracker.domain.rules import Authorizations
from tracker.services.base import Services
from tracker.services.bus import Event

logger = logging.getLogger(__name__)

VERSION = "gateway.table.version"
DIGEST = "gateway.table.digest"

#: Register entries that cannot change what the table says.
_QUIET = frozenset(
    a.value
    for a in {
        Action.MOVE,
        Action.ALERT_RAISE,
        Action.ALERT_ESCALATE,
        Action.ALERT_ACK,
        Action.ALERT_RESOLVE,
        Action.SCHEDULED_RUN,
        Action.ALARM,
        Action.EVIDENCE_DELETE,
        Action.LABEL,
        Action.REPRINT,
        Action.INVENTORY_START,
        Action.INVENTORY_CLOSE,
        Action.READING_OPEN,
        Action.READING_CLOSE,
        Action.HANDLING_OPEN,
        Action.HANDLING_INSTRUCT,
        Action.HANDLING_DONE,
    }
)


def compute(svc: Services, version: int = 0) -> AuthorizationTable:
    """The table as the register stands now (with ``version``)."""
    site = svc.site
    with svc.read() as uow:
        carriers = [c for c in uow.carriers.find() if c.epc]
        borrows = uow.borrows.find(state=BorrowState.OUT)
        circulations = uow.circulations.find(state=CirculationState.ACTIVE)
        carry_outs = uow.carry_outs.find(state=ApprovalState.APPROVED)
        badges = uow.badges.find(active=True)
    by_borrow: dict[str, list[Any]] = defaultdict(list)
    for b in borrows:
        by_borrow[b.carrier].append(b)
    by_circ: dict[str, list[Any]] = defaultdict(list)
    for circ in circulations:
        by_circ[circ.carrier].append(circ)
    badges_of: dict[str, list[str]] = defaultdict(list)
    for badge in badges:
        badges_of[badge.person].append(badge.code.upper())
    escorts = {p: tuple(codes) for p, codes in badges_of.items()}
    places = {p.id: p for p in site.places}
    needed = site.policy.escorts_for_top_secret
    doors = {}
    for dc in site.doors:
        door = dc.door
        inner, outer = places[door.inner], places[door.outer]
        verdicts: dict[str, Verdict] = {}
        plain: dict[tuple[Any, ...], Verdict] = {}  # carriers nothing authorizes share verdicts
        for c in carriers:
            auth = Authorizations(
                tuple(by_borrow.get(c.serial, ())),
                tuple(by_circ.get(c.serial, ())),
                carry_outs_of(c.serial, carry_outs),
            )
            key = _plain_key(c, auth)
            if key is not None and key in plain:
                verdicts[str(c.epc).upper()] = plain[key]
                continue
            v = outer_verdict(c, door, inner, outer, places.values(), auth, escorts, needed)
            if key is not None:
                plain[key] = v
            verdicts[str(c.epc).upper()] = v
        doors[door.id] = door_table(door, outer, verdicts)
    known = frozenset(str(c.epc).upper() for c in carriers)
    return AuthorizationTable(version, svc.now(), known, doors)


def _plain_key(c: Carrier, auth: Authorizations) -> tuple[Any, ...] | None:
    if auth.borrows or auth.circulations or auth.carry_outs:
        return None
    return (c.level, c.home_room, c.home_safe)


def current(svc: Services) -> AuthorizationTable:
    """The table now, with its version — a new version when the content changed since
    the version last handed out."""
    table = compute(svc)
    digest = table.digest()
    with svc.read() as uow:
        stored, version = uow.settings.get(DIGEST), int(uow.settings.get(VERSION) or 0)
    if stored != digest:
        with svc.transaction() as tx:
            version = int(tx.uow.settings.get(VERSION) or 0) + 1
            tx.uow.settings.put(VERSION, str(version))
            tx.uow.settings.put(DIGEST, digest)
        logger.info("authorization table version %d", version)
    return AuthorizationTable(version, table.generated_at, table.known, table.doors)


@dataclass(frozen=True)
class Silence:
    """Turn off the alarms ``alarms`` (gateway alarm ids) at ``door``: their alert was
    acknowledged or resolved (``alert``), or the service found the carrier authorized."""

    door: str
    alarms: tuple[str, ...]
    alert: str | None
    why: str


FeedMessage = AuthorizationTable | Silence


class TableFeed:
    """Pushes table versions and silences to subscribers (module docstring)."""

    def __init__(self, svc: Services, *, poll: float = 0.5, refresh: float = 60.0) -> None:
        self.svc, self.poll, self.refresh = svc, poll, refresh
        self._subs: list[Callable[[FeedMessage], None]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._table: AuthorizationTable | None = None
        self._seq = 0
        self._unsubscribe_bus: Callable[[], None] | None = None

    def table(self) -> AuthorizationTable:
        """The current table (computed on first use)."""
        with self._lock:
            if self._table is None:
                with self.svc.read() as uow:
                    self._seq = uow.ledger.head()[0]
                self._table = current(self.svc)
            return self._table

    def subscribe(self, fn: Callable[[FeedMessage], None]) -> Callable[[], None]:
        """Call ``fn`` with the current table now, then with every new version and every
        silence; returns the function that unsubscribes."""
        fn(self.table())
        with self._lock:
            self._subs.append(fn)
        self.start()

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subs:
                    self._subs.remove(fn)
                last = not self._subs
            if last:
                self.stop()  # nobody listens: stop watching until someone subscribes again

        return unsubscribe

    def start(self) -> TableFeed:
        """Start watching (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return self
            self._stop.clear()
            self._unsubscribe_bus = self.svc.bus.subscribe(self._on_event)
            self._thread = threading.Thread(target=self._run, name="table-feed", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._wake.set()
        if self._unsubscribe_bus is not None:
            self._unsubscribe_bus()
            self._unsubscribe_bus = None
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def _on_event(self, ev: Event) -> None:
        self._wake.set()

    def _publish(self, msg: FeedMessage) -> None:
        with self._lock:
            subs = list(self._subs)
        for fn in subs:
            try:
                fn(msg)
            except Exception:  # one broken subscriber must not stop the others
                logger.exception("table feed subscriber failed")

    def _run(self) -> None:
        self.table()
        since_refresh = 0.0
        while not self._stop.is_set():
            woken = self._wake.wait(self.poll)
            self._wake.clear()
            since_refresh += 0 if woken else self.poll
            try:
                self._check(force=since_refresh >= self.refresh)
            except Exception:  # the database may be down for a while: keep watching
                logger.exception("table feed check failed")
            if since_refresh >= self.refresh:
                since_refresh = 0.0

    def _check(self, *, force: bool) -> None:
        with self.svc.read() as uow:
            head = uow.ledger.head()[0]
            entries = (
                uow.ledger.entries(after_seq=self._seq, limit=5000) if head > self._seq else []
            )
            silences = [s for e in entries if (s := _silence(uow, e.action, e.data)) is not None]
        changed = force or any(e.action not in _QUIET for e in entries)
        if entries:
            self._seq = entries[-1].seq
        for s in silences:
            self._publish(s)
        if changed:
            table = current(self.svc)
            with self._lock:
                old, self._table = self._table, table
            if old is None or old.version != table.version:
                self._publish(table)


def _silence(uow: Any, action: str, data: dict[str, Any]) -> Silence | None:
    if action in (Action.ALERT_ACK.value, Action.ALERT_RESOLVE.value):
        alert = uow.alerts.get(str(data.get("alert")))
        alarms = alert.details.get("alarms", "") if alert is not None else ""
        if not alarms:
            return None
        why = "acknowledged" if action == Action.ALERT_ACK.value else "resolved"
        return Silence(alert.details.get("door", ""), tuple(alarms.split(",")), alert.id, why)
    if action == Action.ALARM.value and data.get("authorized"):
        return Silence(str(data.get("door", "")), (str(data.get("alarm")),), None, "authorized")
    return None


_feeds: dict[int, TableFeed] = {}
_feeds_lock = threading.Lock()


def feed(svc: Services) -> TableFeed:
    """The one feed of ``svc`` (made on first use)."""
    with _feeds_lock:
        found = _feeds.get(id(svc))
        if found is None or found.svc is not svc:
            found = _feeds[id(svc)] = TableFeed(svc)
        return found
