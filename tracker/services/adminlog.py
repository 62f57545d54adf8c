"""The administration log as use cases: one call to append an entry inside any
transaction, and reading and verifying it for the security auditor.

What goes in (see :class:`~tracker.domain.adminlog.AdminAction`): every login success
and failure with the client address, every change of a person, role, clearance, badge,
login, device, site or server setting (recorded when a server starts with settings that
differ from the last ones), every export and every unlock. Fields name people,
logins, devices and places, never a carrier's title, a note, a search text, a password
or a token - callers pass identifiers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tracker.domain.adminlog import LOGIN_ACTIONS, USER_ACTIVITY, AdminAction
from tracker.domain.ledger import Entry, EntryDraft, EntryFilter, Verification
from tracker.domain.model import ADMIN_ROLES
from tracker.services.base import Services, Tx


def record(tx: Tx, action: AdminAction, actor: str, **fields: Any) -> Entry:
    """Append an entry to the administration log in ``tx`` (sealed at commit with the
    transaction's changes; rolled back with them). ``actor`` is a person id, a device
    id, ``cli:<os user>`` or ``system``; ``fields`` say what changed, by id. Anything
    but a login or an export marks the transaction as a change of accounts
    (:attr:`Services.admin_changes <tracker.services.base.Services.admin_changes>`)."""
    if action not in LOGIN_ACTIONS and action is not AdminAction.EXPORT:
        tx.admin_changed = True
    return tx.uow.admin_log.append(EntryDraft(action=action, at=tx.now, actor=actor, data=fields))


def exported(svc: Services, actor: str, what: str, **fields: Any) -> None:
    """Record an export (a register, an EPCIS page) in a transaction of its own, for
    exports that are read-only otherwise. ``fields`` say what was exported, by id and
    count - never the exported content."""
    with svc.transaction() as tx:
        record(tx, AdminAction.EXPORT, actor, export=what, **fields)


def settings_in_force(
    svc: Services, settings: Mapping[str, Any], actor: str = "system"
) -> dict[str, list[Any]]:
    """A server starts with ``settings`` (names to plain values, no secrets): when they
    differ from the settings last recorded (on the first start, from none), record a
    ``setting_change`` entry with all of them and what changed. Returns what changed,
    ``{name: [old, new]}`` - empty when the server starts as before."""
    now = dict(settings)
    with svc.transaction() as tx:
        last = tx.uow.admin_log.find(
            EntryFilter(actions=frozenset({AdminAction.SETTING_CHANGE.value})), limit=1
        )
        before: dict[str, Any] = dict(last[0].data.get("settings", {})) if last else {}
        changed = {
            k: [before.get(k), now.get(k)]
            for k in sorted(before.keys() | now.keys())
            if before.get(k) != now.get(k)
        }
        if changed:
            record(tx, AdminAction.SETTING_CHANGE, actor, settings=now, changed=changed)
        return changed


@dataclass(frozen=True)
class Page:
    """A page of entries, newest first, and how many match in all."""

    entries: list[Entry]
    total: int


def find(
    svc: Services,
    f: EntryFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    ordinary_users_only: bool = False,
) -> Page:
    """Entries matching ``f``. With ``ordinary_users_only`` (the security
    administrator's review of the users' activity) only the logins, logouts and exports
    of people who are not administrators are read; the administrators' own actions are
    the auditor's."""
    with svc.read() as uow:
        if ordinary_users_only:
            activity = frozenset(a.value for a in USER_ACTIVITY)
            actions = f.actions & activity if f.actions else activity
            if not actions:
                return Page([], 0)
            admins = frozenset(p.id for p in uow.people.find(role=sorted(ADMIN_ROLES)))
            f = replace(f, actions=actions, exclude_actors=f.exclude_actors | admins)
        return Page(uow.admin_log.find(f, limit=limit, offset=offset), uow.admin_log.count(f))


def verify(svc: Services) -> Verification:
    """Walk the whole administration log: hashes, HMACs, links and the sealed head."""
    with svc.read() as uow:
        return uow.admin_log.verify()


def head(svc: Services) -> tuple[int, str]:
    """The administration log's head: count and last hash, to record outside the system."""
    with svc.read() as uow:
        return uow.admin_log.head()
