"""Throttling password logins (used by :func:`tracker.services.accounts.login`).

Per (case-folded user name, client address), kept in the database so every worker and
every server on it counts alike. The first ``free`` failures cost nothing; after that
each attempt from that address for that name waits a delay that doubles with every
failure, up to ``max_delay``, and is refused (429) without checking the password while
it waits. The attempt is counted *before* the password is checked, so a burst of
parallel guesses cannot slip in between check and count. The real user logging in from
another address is not held up - a lockout is no weapon - and a success clears only its
own address. A burst of failures for one name from anywhere, or from one address for
any names, raises an alert to the secrecy officer instead.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from tracker.domain.accounts import ThrottleBucket
from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import TooManyAttempts
from tracker.domain.model import AlertType, Severity, SubjectKind
from tracker.services import adminlog
from tracker.services.alerting import raise_alert
from tracker.services.base import Services, Tx

UNKNOWN = "unknown"  # the administration log's actor for a login name that is no user


@dataclass(frozen=True)
class ThrottlePolicy:
    """How failed logins are slowed down and when they are an alert."""

    free: int = 5  # failures from one address for one name before delays start
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    burst_window: timedelta = timedelta(minutes=15)
    burst_per_name: int = 10  # failures for one name, from any addresses, in the window
    burst_per_client: int = 20  # failures from one address, for any names, in the window
    forget_after: timedelta = timedelta(days=1)  # buckets left alone this long go

    def delay(self, failures: int) -> timedelta:
        """The wait after ``failures`` failures from one address for one name."""
        if failures < self.free:
            return timedelta(0)
        factor = 2.0 ** min(failures - self.free, 40)
        return min(self.max_delay, self.first_delay * factor)


MAX_NAME = 64


def fold(username: str) -> str:
    """The throttle's key for a user name: case-folded and trimmed, so ``Carol`` and
    ``carol `` count as one name."""
    return username.strip().casefold()[:MAX_NAME]


def name_hash(name: str) -> str:
    """A short stable token for a login name that is no user, for the log."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def attempt(svc: Services, username: str, client: str, policy: ThrottlePolicy) -> None:
    """Count an attempt for ``username`` from ``client`` (as a failure until it
    succeeds); TooManyAttempts (logged) when that bucket is still waiting."""
    wait = 0
    name = fold(username)
    with svc.transaction() as tx:
        bucket = tx.uow.throttle.get(name, client)
        if bucket is not None and bucket.blocked_until > tx.now:
            wait = max(1, math.ceil((bucket.blocked_until - tx.now).total_seconds()))
            adminlog.record(
                tx,
                AdminAction.LOGIN_REFUSED,
                _actor(tx, username),
                client=client,
                retry_after=wait,
                **_name_field(tx, username),
            )
        else:
            failures = (bucket.failures if bucket is not None else 0) + 1
            tx.uow.throttle.put(
                ThrottleBucket(name, client, failures, tx.now, tx.now + policy.delay(failures))
            )
    if wait:
        raise TooManyAttempts(wait)


def succeeded(tx: Tx, username: str, client: str) -> None:
    """A correct password from ``client``: that address starts afresh."""
    tx.uow.throttle.clear(fold(username), client)


def failed(tx: Tx, username: str, client: str, policy: ThrottlePolicy) -> None:
    """After a wrong password (already counted by :func:`attempt`): alert on a burst."""
    name = fold(username)
    since = tx.now - policy.burst_window
    per_name, addresses = tx.uow.throttle.failures_since(since, username=name)
    if per_name >= policy.burst_per_name:
        _alert(
            tx,
            f"login_burst:name:{name_hash(name)}",
            _known(tx, username) or name_hash(name),
            f"{per_name} failed logins for one user name from {addresses} addresses "
            f"within {_minutes(policy.burst_window)} min",
            f"同一用户名在{_minutes(policy.burst_window)}分钟内从{addresses}个地址登录失败"
            f"{per_name}次",
            {"user": _known(tx, username) or name_hash(name), "addresses": str(addresses)},
        )
    per_client, names = tx.uow.throttle.failures_since(since, client=client)
    if per_client >= policy.burst_per_client:
        _alert(
            tx,
            f"login_burst:client:{client}",
            client,
            f"{per_client} failed logins from {client} for {names} user names within "
            f"{_minutes(policy.burst_window)} min",
            f"地址 {client} 在{_minutes(policy.burst_window)}分钟内以{names}个用户名登录失败"
            f"{per_client}次",
            {"client": client, "names": str(names)},
        )
    tx.uow.throttle.purge(tx.now - policy.forget_after)


def _alert(tx: Tx, cause: str, subject: str, en: str, zh: str, details: dict[str, str]) -> None:
    kind = (AlertType.LOGIN_FAILURES, Severity.CRITICAL, SubjectKind.LOGIN)
    raise_alert(tx, *kind, subject, cause, None, en, zh, details)


def _minutes(d: timedelta) -> int:
    return int(d.total_seconds() // 60)


def _known(tx: Tx, username: str) -> str | None:
    # The login's name when ``username`` is one; never the text typed otherwise (it may
    # be a password typed into the wrong box).
    user = tx.uow.users.get(username) if len(username) <= MAX_NAME else None
    return user.username if user is not None else None


def _actor(tx: Tx, username: str) -> str:
    user = tx.uow.users.get(username) if len(username) <= MAX_NAME else None
    return user.person if user is not None else UNKNOWN


def _name_field(tx: Tx, username: str) -> dict[str, str]:
    known = _known(tx, username)
    return {"user": known} if known is not None else {"user_hash": name_hash(fold(username))}
