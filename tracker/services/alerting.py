"""Alert lifecycle: raise (one open alert per cause, counting repeats), acknowledge,
resolve with a note. Raising, acknowledging, resolving and escalating are ledger
entries; a repeat sighting only bumps the count and the last-seen time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tracker.domain.alerts import CATALOGUE, Notice, NoticeKind, overdue_audience
from tracker.domain.errors import Conflict, InvalidInput, NotFound
from tracker.domain.ledger import Action
from tracker.domain.model import Alert, AlertState, AlertType, Severity, SubjectKind, new_id
from tracker.domain.rules import Finding
from tracker.services.base import SYSTEM, Services, Tx
from tracker.services.bus import Event


class Wanted(NamedTuple):
    """An alert asked for: what :func:`raise_alert` takes, as one value a run can list."""

    type: AlertType
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    cause: str  # one open alert per cause
    rule: str | None
    message: str
    zh: str
    details: dict[str, str] | None = None


def raise_alert(
    tx: Tx,
    type_: AlertType,
    severity: Severity,
    subject_kind: SubjectKind,
    subject: str,
    cause: str,
    rule: str | None,
    message: str,
    zh: str,
    details: dict[str, str] | None = None,
    open_alerts: dict[str, Alert] | None = None,
) -> Alert:
    """Open an alert for ``cause``, or count a repeat on the one already open (see
    :func:`raise_alerts`, of which this is the batch of one)."""
    wanted = Wanted(type_, severity, subject_kind, subject, cause, rule, message, zh, details)
    return raise_alerts(tx, (wanted,), open_alerts)[0]


def raise_alerts(
    tx: Tx, wanted: Iterable[Wanted], open_alerts: dict[str, Alert] | None = None
) -> list[Alert]:
    """For each alert ``wanted``, in order: open an alert for its cause — stored, in the
    custody register, told to its audience (a notice) and to the live stream — or count a
    repeat on the one already open. Returns the alert of each, new or repeated.

    A run that raises many alerts passes ``open_alerts`` (from :func:`open_by_cause`), the
    open alerts it may repeat, instead of one query per alert; new ones are added to it."""
    out: list[Alert] = []
    fresh: dict[str, Alert] = {}  # opened by this batch, by cause
    now, events, notices, record = tx.now, tx.events, tx.notices, tx.record
    index, add = tx.open_alerts, tx.uow.alerts.add
    for w in wanted:
        cause, subject = w.cause, w.subject
        existing = fresh.get(cause)
        if existing is None:
            existing = _open_for(tx, cause, subject, open_alerts)
        if existing is not None:
            existing.count += 1
            existing.last_seen = max(existing.last_seen, now)
            if _RANK[w.severity] > _RANK[existing.severity]:
                existing.severity = w.severity
            out.append(existing)
            continue
        type_text, severity_text = w.type.value, w.severity.value
        alert = Alert(
            id=new_id(),
            type=w.type,
            severity=w.severity,
            subject_kind=w.subject_kind,
            subject=subject,
            cause=cause,
            rule=w.rule,
            first_seen=now,
            last_seen=now,
            details={"message": w.message, "zh": w.zh, **(w.details or {})},
        )
        add(alert)
        fresh[cause] = alert
        if open_alerts is not None:
            open_alerts[cause] = alert
        if index is not None:
            index.opened(alert)
        notices.append(notice_for(tx, alert, NoticeKind.RAISED))
        record(
            Action.ALERT_RAISE,
            SYSTEM,
            carrier=subject if w.subject_kind is SubjectKind.CARRIER else None,
            reason=w.message,
            data={
                "alert": alert.id,
                "type": type_text,
                "severity": severity_text,
                "rule": w.rule,
                "cause": cause,
            },
        )
        data = {
            "id": alert.id,
            "type": type_text,
            "severity": severity_text,
            "rule": w.rule,
            "subject_kind": w.subject_kind.value,
            "subject": subject,
            "message": w.message,
            "zh": w.zh,
            "state": alert.state.value,
        }
        events.append(Event("alert", data))
        out.append(alert)
    return out


def _open_for(
    tx: Tx, cause: str, subject: str, open_alerts: dict[str, Alert] | None
) -> Alert | None:
    """The alert open for ``cause``: from the run's ``open_alerts``, the batch's index
    (ingest), or the database."""
    if open_alerts is not None:
        return open_alerts.get(cause)
    if tx.open_alerts is not None and tx.open_alerts.covers(subject):
        return tx.open_alerts.get(cause)  # read with the batch (ingest)
    return tx.uow.alerts.open_for_cause(cause)


def open_by_cause(tx: Tx, *types: AlertType) -> dict[str, Alert]:
    """The open (or acknowledged) alerts of ``types``, by cause: one query for a whole run."""
    found = tx.uow.alerts.find(type=list(types), state=[AlertState.OPEN, AlertState.ACKNOWLEDGED])
    return {a.cause: a for a in found}


def notice_for(tx: Tx, alert: Alert, kind: NoticeKind, borrower: str | None = None) -> Notice:
    """The notice telling the alert's audience about ``alert``; overdue borrows escalate."""
    if alert.type is AlertType.OVERDUE_BORROW:
        audience = overdue_audience(alert.escalation)
    else:
        audience = CATALOGUE[alert.type].audience
    return Notice(
        alert_id=alert.id,
        type=alert.type,
        severity=alert.severity,
        kind=kind,
        audience=audience,
        message=alert.details.get("message", ""),
        zh=alert.details.get("zh", ""),
        at=tx.now,
        run=tx.run,
        borrower=borrower or alert.details.get("borrower"),
        rule=alert.rule,
    )


def wanted_for(
    serial: str,
    finding: Finding,
    cause_suffix: str = "",
    *,
    cause: str | None = None,
    subject_kind: SubjectKind = SubjectKind.CARRIER,
) -> Wanted:
    """The alert a rule finding about ``serial`` asks for (a carrier unless
    ``subject_kind`` says otherwise); the cause is the finding's type, subject and rule
    unless one is given."""
    return Wanted(
        finding.type,
        finding.severity,
        subject_kind,
        serial,
        cause or f"{finding.type.value}:{serial}:{finding.rule}{cause_suffix}{finding.key}",
        finding.rule,
        finding.message,
        finding.zh,
        finding.details,
    )


def raise_finding(
    tx: Tx,
    serial: str,
    finding: Finding,
    cause_suffix: str = "",
    *,
    cause: str | None = None,
    subject_kind: SubjectKind = SubjectKind.CARRIER,
    open_alerts: dict[str, Alert] | None = None,
) -> Alert:
    """Raise the alert for a rule finding about ``serial`` (see :func:`wanted_for`)."""
    wanted = wanted_for(serial, finding, cause_suffix, cause=cause, subject_kind=subject_kind)
    return raise_alerts(tx, (wanted,), open_alerts)[0]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def _alert(tx: Tx, alert_id: str) -> Alert:
    a = tx.uow.alerts.get(alert_id)
    if a is None:
        raise NotFound(f"no alert {alert_id!r}", zh=f"没有告警 {alert_id!r}")
    return a


def acknowledge(svc: Services, actor: str, alert_id: str, note: str = "") -> Alert:
    """Someone has seen the alert and is dealing with it; reminders stop."""
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        a = _alert(tx, alert_id)
        if a.state is not AlertState.OPEN:
            raise Conflict(f"alert {a.id} is already {a.state.value}", zh="该告警已被确认或处理")
        a.state, a.acknowledged_by, a.acknowledged_at = AlertState.ACKNOWLEDGED, actor, tx.now
        if note.strip():
            a.note = note.strip()
        tx.record(Action.ALERT_ACK, actor, reason=note.strip(), data={"alert": a.id})
        tx.emit(
            "alert",
            id=a.id,
            type=a.type.value,
            state=a.state.value,
            severity=a.severity.value,
            subject_kind=a.subject_kind.value,
            subject=a.subject,
        )
        return a


def resolve(svc: Services, actor: str, alert_id: str, note: str) -> Alert:
    """Close an alert with a note saying what was found and done."""
    if not note.strip():
        raise InvalidInput("note", "say how the alert was resolved", zh="须填写处理情况")
    with svc.transaction() as tx:
        tx.person(actor, "actor")
        a = _alert(tx, alert_id)
        if a.state is AlertState.RESOLVED:
            raise Conflict(f"alert {a.id} is already resolved", zh="该告警已处理完毕")
        _close(tx, a, actor, note.strip())
        return a


def _close(tx: Tx, a: Alert, actor: str, note: str) -> None:
    a.state, a.resolved_by, a.resolved_at, a.note = AlertState.RESOLVED, actor, tx.now, note
    if tx.open_alerts is not None:
        tx.open_alerts.closed(a)
    tx.record(Action.ALERT_RESOLVE, actor, reason=note, data={"alert": a.id, "cause": a.cause})
    tx.emit(
        "alert",
        id=a.id,
        type=a.type.value,
        state=a.state.value,
        severity=a.severity.value,
        subject_kind=a.subject_kind.value,
        subject=a.subject,
    )


def resolve_cause(
    tx: Tx, cause: str, actor: str, note: str, subject: str | None = None
) -> Alert | None:
    """Inside a transaction: resolve the open alert for ``cause``, if there is one (the
    condition went away: the reader came back, the carrier was returned). ``subject``,
    when given, is the cause's subject (lets a batch answer from what it read)."""
    idx = tx.open_alerts
    if subject is not None and idx is not None and idx.covers(subject):
        a = idx.get(cause)
    else:
        a = tx.uow.alerts.open_for_cause(cause)
    if a is not None:
        _close(tx, a, actor, note)
    return a
