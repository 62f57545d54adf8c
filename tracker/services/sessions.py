"""Console sessions as use cases: open one for a user who has logged in, resume it on
each request (ending it when it was idle too long or lived too long), end it on logout.

Sessions live in the database so that every worker process of the service sees the same
ones, logging out ends a session everywhere at once, and an administrator can see who
is logged in. The cookie's secret is never stored, only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets

from tracker.domain.accounts import User
from tracker.domain.model import Person
from tracker.domain.sessions import ConsoleSession, EndReason, SessionPolicy
from tracker.services.base import Services

_AGENT_MAX = 200


def session_id(token: str) -> str:
    """The stored id of the session whose cookie carries ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    svc: Services, user: User, person: Person, address: str = "", agent: str = ""
) -> tuple[str, ConsoleSession]:
    """Start a session for a user who has just logged in; returns the cookie's secret
    (shown to the browser only) and the session."""
    token = secrets.token_urlsafe(32)
    with svc.transaction() as tx:
        s = ConsoleSession(
            id=session_id(token),
            username=user.username,
            person=person.id,
            created_at=tx.now,
            last_seen=tx.now,
            address=address[:64],
            agent=agent[:_AGENT_MAX],
            generation=user.generation,
        )
        tx.uow.console_sessions.add(s)
    return token, s


def resume(
    svc: Services, token: str, policy: SessionPolicy, *, touch: bool = True
) -> ConsoleSession | None:
    """The live session for ``token``, or None (unknown, ended, or over by the clock — then
    it is ended now). With ``touch`` the request counts as activity: the last-seen time
    moves on (written at most every ``policy.touch_every``)."""
    if not token or len(token) > 128:
        return None
    sid = session_id(token)
    now = svc.now()
    with svc.read() as uow:
        s = uow.console_sessions.get(sid)
    if s is None or s.ended_at is not None:
        return None
    reason = s.expiry(now, policy)
    if reason is not None:
        _end(svc, sid, reason)
        return None
    if touch and s.needs_touch(now, policy):
        with svc.transaction() as tx:
            live = tx.uow.console_sessions.get(sid)
            if live is not None and live.ended_at is None:
                live.last_seen = max(live.last_seen, tx.now)
                s = live
    return s


def end_session(svc: Services, token: str, reason: EndReason = EndReason.LOGOUT) -> None:
    """End the session for ``token`` (logging out); nothing happens if there is none."""
    if token and len(token) <= 128:
        _end(svc, session_id(token), reason)


def _end(svc: Services, sid: str, reason: EndReason) -> None:
    with svc.transaction() as tx:
        s = tx.uow.console_sessions.get(sid)
        if s is not None and s.ended_at is None:
            s.ended_at, s.end_reason = tx.now, reason.value


def live_sessions(svc: Services, policy: SessionPolicy, limit: int = 200) -> list[ConsoleSession]:
    """Sessions not ended and not over by the clock, newest first (who is logged in)."""
    now = svc.now()
    with svc.read() as uow:
        found = uow.console_sessions.find(ended_at=None, order_by="-last_seen", limit=limit)
    return [s for s in found if s.expiry(now, policy) is None]
