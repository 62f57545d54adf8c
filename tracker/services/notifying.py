"""Turning alert notices into notifications: who is told (the site's routes), over which
channel (email to people, JSON to webhooks), grouped as one digest per recipient per
scheduled run. Notifications are written in the same transaction as the alerts they
tell of, so a notification is never lost even when delivery fails."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tracker.domain.alerts import BORROWER, CATALOGUE, Notice, NoticeKind
from tracker.domain.model import DeliveryState, Notification, Person, Role, new_id
from tracker.services.base import Tx

_KIND_ZH = {NoticeKind.RAISED: "新告警", NoticeKind.REMINDER: "提醒"}
_SEV_ZH = {"info": "提示", "warning": "警告", "critical": "严重"}


def recipients(tx: Tx, notice: Notice, roles: dict[Role, set[str]] | None = None) -> set[str]:
    """Recipient tokens for a notice: ``person:<id>`` or ``webhook:<id>``. ``roles``
    caches who holds each role across the notices of one run."""
    cfg = tx.svc.site.notifications
    roles = {} if roles is None else roles
    out: set[str] = set()
    for route in cfg.routes:
        if not route.matches(notice.type.value, notice.severity.value):
            continue
        for token in route.to:
            tokens = notice.audience if token == "audience" else (token,)
            out |= _expand(tx, tokens, notice, roles)
    return out


def _expand(tx: Tx, tokens: Sequence[str], notice: Notice, roles: dict[Role, set[str]]) -> set[str]:
    out: set[str] = set()
    for token in tokens:
        kind, _, ident = token.partition(":")
        if kind in ("person", "webhook") and ident:
            out.add(token)
        elif kind == BORROWER:
            if notice.borrower:
                out.add(f"person:{notice.borrower}")
        else:
            try:
                role = Role(kind)
            except ValueError:
                continue
            if role not in roles:
                roles[role] = {f"person:{p.id}" for p in tx.uow.people.find(role=role, active=True)}
            out |= roles[role]
    return out


def enqueue(tx: Tx, notices: Sequence[Notice]) -> list[Notification]:
    """Write the notifications for ``notices``: one per recipient per run (a digest)."""
    groups: dict[tuple[str, str], list[Notice]] = defaultdict(list)
    roles: dict[Role, set[str]] = {}
    # Who is told depends only on these fields of a notice: a run's 100,000 notices
    # have a handful of combinations, so the routes are matched once for each.
    told: dict[tuple[Any, ...], list[str]] = {}
    for n in notices:
        run = n.run or f"alert:{n.alert_id}:{n.kind.value}"
        key = (n.type, n.severity, n.audience, n.borrower)
        found = told.get(key)
        if found is None:
            found = told[key] = sorted(recipients(tx, n, roles))
        for r in found:
            groups[(run, r)].append(n)
    people = _people(tx, {r.partition(":")[2] for _run, r in groups if r.startswith("person:")})
    out = []
    for (run, recipient), items in sorted(groups.items()):
        note = _notification(tx, run, recipient, items, people)
        tx.uow.notifications.add(note)
        out.append(note)
    return out


_CHUNK = 500  # ids in one query's IN list


def _people(tx: Tx, ids: set[str]) -> dict[str, Person]:
    """The people ``ids`` name, read with one query per 500: a run's digests go to a
    thousand borrowers, and one query each cost ~5 ms a round trip on PostgreSQL."""
    wanted = sorted(ids)
    found: dict[str, Person] = {}
    for i in range(0, len(wanted), _CHUNK):
        found.update((p.id, p) for p in tx.uow.people.find(id=wanted[i : i + _CHUNK]))
    return found


def _notification(
    tx: Tx, run: str, recipient: str, items: list[Notice], people: dict[str, Person]
) -> Notification:
    cfg = tx.svc.site.notifications
    kind, _, ident = recipient.partition(":")
    alerts = tuple(dict.fromkeys(n.alert_id for n in items))
    state, error, target = DeliveryState.PENDING, "", ""
    if kind == "webhook":
        hook = next(h for h in cfg.webhooks if h.id == ident)
        channel, target = "webhook", hook.url
        subject = f"{len(items)} alert(s)"
        # Keys already in sorted order: the same text as ``sort_keys=True``.
        body = json.dumps({"alerts": _alerts_json(items), "run": run}, ensure_ascii=False)
    else:
        channel = "email"
        person = people.get(ident)
        target = person.email if person else ""
        if not cfg.smtp_url:
            state, error = DeliveryState.FAILED, "no SMTP server is configured"
        elif not target:
            state, error = DeliveryState.FAILED, f"{ident} has no email address"
        subject, body = _email(items, person, cfg.language)
    return Notification(
        id=new_id(),
        channel=channel,
        recipient=recipient,
        target=target,
        subject=subject,
        body=body,
        alerts=alerts,
        created_at=tx.now,
        run=run,
        state=state,
        next_attempt_at=tx.now if state is DeliveryState.PENDING else None,
        last_error=error,
    )


def _alert_json(n: Notice) -> dict[str, str | None]:
    return {
        "alert": n.alert_id,
        "type": n.type.value,
        "severity": n.severity.value,
        "kind": n.kind.value,
        "rule": n.rule,
        "message": n.message,
        "message_zh": n.zh,
        "at": n.at.isoformat(),
    }


def _alerts_json(items: list[Notice]) -> list[dict[str, str | None]]:
    """:func:`_alert_json` of each notice, its keys in sorted order (so the digest needs
    no sorting). What notices of one kind share is made once: a sweep's digest lists
    100,000."""
    shared: dict[tuple[Any, ...], dict[str, str | None]] = {}
    out = []
    for n in items:
        key = (n.type, n.severity, n.kind, n.rule, n.at)
        same = shared.get(key)
        if same is None:
            same = shared[key] = _alert_json(n)
        out.append(
            {
                "alert": n.alert_id,
                "at": same["at"],
                "kind": same["kind"],
                "message": n.message,
                "message_zh": n.zh,
                "rule": same["rule"],
                "severity": same["severity"],
                "type": same["type"],
            }
        )
    return out


def _email(items: list[Notice], person: Person | None, lang: str) -> tuple[str, str]:
    worst = max(items, key=lambda n: _SEVERITIES.index(n.severity.value))
    name = person.name if person else ""
    # Each line is the text of its kind of alert then the notice's message; the former
    # is made once per kind (a sweep's digest has 100,000 lines of one kind).
    heads: dict[tuple[Any, ...], str] = {}
    if lang == "en":
        subject = f"[{worst.severity.value.upper()}] {len(items)} custody alert(s)"
        lines = [f"Dear {name}," if name else "Hello,", ""]
        for n in items:
            key = (n.type, n.severity, n.kind, n.rule)
            head = heads.get(key)
            if head is None:
                kind = CATALOGUE[n.type].en
                rule = f" {n.rule}" if n.rule else ""
                head = heads[key] = f"- [{n.severity.value}]{rule} {kind} ({n.kind.value}): "
            lines.append(head + n.message)
        lines += ["", "Acknowledge or resolve these alerts in the custody system."]
    else:
        subject = f"【{_SEV_ZH[worst.severity.value]}】涉密载体管理告警 {len(items)} 条"
        lines = [f"{name}：" if name else "您好：", ""]
        for n in items:
            key = (n.type, n.severity, n.kind, n.rule)
            head = heads.get(key)
            if head is None:
                kind = CATALOGUE[n.type].zh
                rule = f"〔{n.rule}〕" if n.rule else ""
                head = heads[key] = (
                    f"- 【{_SEV_ZH[n.severity.value]}】{rule}{kind}（{_KIND_ZH[n.kind]}）："
                )
            lines.append(head + n.zh)
        lines += ["", "请登录涉密载体管理系统确认或处理上述告警。"]
    return subject, "\n".join(lines) + "\n"


_SEVERITIES = ("info", "warning", "critical")
