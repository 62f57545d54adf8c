"""Failed-login buckets in the database (:class:`~tracker.services.ports.LoginThrottle`):
one row per (case-folded user name, client address), so every worker and every server
on the database sees the same counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from tracker.domain.accounts import ThrottleBucket
from tracker.store.counters import dialect_insert
from tracker.store.errors import translated
from tracker.store.tables import LoginThrottleRow

_T: Table = LoginThrottleRow.__table__


class SqlLoginThrottle:
    """The login throttle on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @translated
    def get(self, username: str, client: str) -> ThrottleBucket | None:
        """The bucket, or None when there were no recent failures."""
        row = (
            self._session.connection()
            .execute(select(_T).where(_T.c.username == username, _T.c.client == client))
            .first()
        )
        if row is None:
            return None
        return ThrottleBucket(
            row.username, row.client, int(row.failures), row.last_at, row.blocked_until
        )

    @translated
    def put(self, bucket: ThrottleBucket) -> None:
        """Store ``bucket`` (insert or replace)."""
        conn = self._session.connection()
        values = {
            "username": bucket.username,
            "client": bucket.client,
            "failures": bucket.failures,
            "last_at": bucket.last_at,
            "blocked_until": bucket.blocked_until,
        }
        stmt = dialect_insert(conn, _T).values(**values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_T.c.username, _T.c.client],
                set_={k: v for k, v in values.items() if k not in ("username", "client")},
            )
        )

    @translated
    def clear(self, username: str, client: str | None = None) -> int:
        """Forget the failures of ``username`` (from ``client``, or from everywhere)."""
        stmt = delete(_T).where(_T.c.username == username)
        if client is not None:
            stmt = stmt.where(_T.c.client == client)
        return int(self._session.connection().execute(stmt).rowcount or 0)

    @translated
    def failures_since(
        self, since: datetime, *, username: str | None = None, client: str | None = None
    ) -> tuple[int, int]:
        """(failures, buckets) touched since ``since`` for ``username`` or ``client``."""
        stmt = select(func.coalesce(func.sum(_T.c.failures), 0), func.count()).where(
            _T.c.last_at >= since
        )
        if username is not None:
            stmt = stmt.where(_T.c.username == username)
        if client is not None:
            stmt = stmt.where(_T.c.client == client)
        failures, buckets = self._session.connection().execute(stmt).one()
        return int(failures), int(buckets)

    @translated
    def purge(self, before: datetime) -> int:
        """Remove buckets untouched since ``before`` whose wait is over."""
        stmt = delete(_T).where(_T.c.last_at < before, _T.c.blocked_until < before)
        return int(self._session.connection().execute(stmt).rowcount or 0)
