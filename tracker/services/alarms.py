"""What gateways report about door alarms, and the evidence kept with them.

* ``alarm``: a door's alarm sounded on the first outer-zone read of ``code`` (the
  gateway decided from its authorization table, version ``table_version``; ``reader``
  is the relay board). The service judges the same carrier crossing outwards with the
  crossing rules and raises the alerts they find — under the very cause the full
  crossing will use, so when the crossing follows it counts on the same alert. An
  unregistered tag is an unknown-tag alert. ``stills`` are the door camera's JPEG
  stills around the read, each ``"<offset ms>:<base64>"``: kept content-addressed with
  the alert, their SHA-256 in the register's alarm entry. An alarm the service finds
  authorized (the gateway's table was behind) is recorded and silenced at once.
* ``output``: the relay board ``reader`` stopped answering (``online`` false) or is
  back — an ``output_offline`` alert, resolved when it answers again.
* ``table``: the gateway's table is older than the site allows (``online`` false, with
  ``table_version`` and ``age`` seconds) or fresh again — a ``table_stale`` alert.

The alarm goes off at the door when its alert is acknowledged or resolved (through the
API or the console: :func:`tracker.services.alerting.acknowledge`, whose register entry
the table feed turns into a silence — :mod:`tracker.services.authz`) or by itself after
the door's ``off_after``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from tracker.domain.errors import InvalidInput, NotFound
from tracker.domain.evidence import AlarmPolicy, Still, looks_like_jpeg, sha256_hex
from tracker.domain.ledger import Action
from tracker.domain.model import Alert, AlertType, RoomKind, Severity, SubjectKind, new_id
from tracker.domain.rules import evaluate_crossing
from tracker.services.alerting import raise_alert, raise_finding, resolve_cause
from tracker.services.base import SYSTEM, Services, Tx
from tracker.services.movement import Observation, Outcome, _authorizations, _carrier_for, _people

KINDS = ("alarm", "output", "table")
MAX_STILLS = 5
MAX_STILL_BYTES = 2_000_000
_ALARM_TYPES = (AlertType.UNAUTHORIZED_REMOVAL, AlertType.ESCORT_MISSING)


def policy(svc: Services) -> AlarmPolicy:
    """The site's alarm settings (the defaults for a site without them)."""
    found = getattr(svc.site, "alarm_policy", None)
    return found if isinstance(found, AlarmPolicy) else AlarmPolicy()


def _outputs(svc: Services) -> set[str]:
    return {str(o.id) for o in getattr(svc.site, "outputs", ())}


def decode_still(text: str, field: str) -> tuple[float, bytes]:
    """``"<offset ms>:<base64 JPEG>"`` → (offset in seconds, the JPEG's bytes)."""
    offset, sep, b64 = text.partition(":")
    try:
        if not sep:
            raise ValueError("no ':'")
        data = base64.b64decode(b64, validate=True)
        ms = float(offset)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput(
            field,
            f"a still is '<offset ms>:<base64 JPEG>' ({exc})",
            zh="照片格式应为 偏移毫秒:base64",
        ) from exc
    if len(data) > MAX_STILL_BYTES or not looks_like_jpeg(data):
        raise InvalidInput(
            field, "a still must be a JPEG of at most 2 MB", zh="照片须为不超过2MB的JPEG"
        )
    return ms / 1000.0, data


def encode_still(offset: float, data: bytes) -> str:
    """Inverse of :func:`decode_still`."""
    return f"{round(offset * 1000)}:{base64.b64encode(data).decode()}"


def validate(obs: Observation, svc: Services) -> None:
    """Check an alarm, output or table observation; InvalidInput naming the field."""
    if obs.kind == "alarm":
        if obs.door not in {d.door.id for d in svc.site.doors}:
            raise InvalidInput("door", f"unknown door {obs.door!r}", zh=f"未知的门 {obs.door!r}")
        if not obs.code.strip():
            raise InvalidInput("code", "the tag is empty", zh="标签为空")
        if len(obs.stills) > MAX_STILLS:
            raise InvalidInput(
                "stills", f"at most {MAX_STILLS} stills", zh=f"最多{MAX_STILLS}张照片"
            )
        for i, s in enumerate(obs.stills):
            decode_still(s, f"stills[{i}]")
    elif obs.kind == "output":
        if obs.reader not in _outputs(svc):
            raise InvalidInput(
                "reader", f"unknown output {obs.reader!r}", zh=f"未知的报警输出 {obs.reader!r}"
            )
    elif obs.table_version is None or obs.age is None or obs.age < 0:
        raise InvalidInput(
            "table_version", "a table report needs table_version and age", zh="缺少授权表版本或时长"
        )


def apply(tx: Tx, source: str, obs: Observation, out: Outcome) -> None:
    """Record one alarm, output or table observation (see the module docstring)."""
    if obs.kind == "alarm":
        _alarm(tx, source, obs, out)
    elif obs.kind == "output":
        _output(tx, obs, out)
    else:
        _table(tx, source, obs, out)


def _alarm(tx: Tx, source: str, obs: Observation, out: Outcome) -> None:
    site = tx.svc.site
    door = next(d.door for d in site.doors if d.door.id == obs.door)
    carrier = _carrier_for(tx, obs.code)
    alerts: list[Alert] = []
    if carrier is None:
        code = obs.code.strip()
        alerts.append(
            raise_alert(
                tx,
                AlertType.UNKNOWN_TAG,
                Severity.WARNING,
                SubjectKind.TAG,
                code,
                f"unknown_tag:{code.upper()}",
                None,
                f"unregistered tag {code} at the outer side of {door.id}: alarm sounded",
                f"{door.name}外侧发现未登记的标签 {code}，已声光报警",
                {"where": door.id, "source": obs.source.value},
            )
        )
    else:
        inner, outer = tx.place(door.inner), tx.place(door.outer)
        findings = evaluate_crossing(
            carrier,
            inner,
            outer,
            door.exit and outer.room_kind is RoomKind.OUTSIDE,
            _people(tx, obs.badges),
            site.places,
            _authorizations(tx, carrier),
            obs.at,
            site.policy.escorts_for_top_secret,
        )
        alerts = [raise_finding(tx, carrier.serial, f) for f in findings if f.type in _ALARM_TYPES]
        out.carrier = carrier.serial
    for a in alerts:
        known = [x for x in a.details.get("alarms", "").split(",") if x]
        a.details = {**a.details, "door": door.id, "alarms": ",".join([*known, obs.event_id])}
    stills = _keep_stills(tx, obs, alerts[0].id if alerts else None)
    out.alerts.extend(a.id for a in alerts)
    out.note = "alarm" if alerts else "alarm: authorized at the service"
    tx.record(
        Action.ALARM,
        source,
        carrier=carrier.serial if carrier is not None else None,
        to_place=door.outer,
        reason="door alarm sounded" if alerts else "door alarm sounded; authorized at the service",
        data={
            "alarm": obs.event_id,
            "door": door.id,
            "output": obs.reader,
            "observed_at": obs.at,
            "table_version": obs.table_version,
            "tag": None if carrier is not None else obs.code.strip(),
            "alerts": [a.id for a in alerts],
            "stills": [{"sha256": s.sha256, "offset": s.offset} for s in stills],
            "authorized": not alerts,
        },
    )
    tx.emit("alarm", alarm=obs.event_id, door=door.id, alerts=[a.id for a in alerts])


def _keep_stills(tx: Tx, obs: Observation, alert: str | None) -> list[Still]:
    assert obs.door is not None
    camera = next((d.camera for d in tx.svc.site.doors if d.door.id == obs.door), None)
    kept = []
    for i, text in enumerate(obs.stills):
        offset, data = decode_still(text, f"stills[{i}]")
        still = Still(
            new_id(),
            sha256_hex(data),
            obs.event_id,
            alert,
            obs.door,
            camera,
            obs.at + timedelta(seconds=offset),
            offset,
            len(data),
            tx.now,
        )
        tx.uow.evidence.add(still, data)
        kept.append(still)
    return kept


def _output(tx: Tx, obs: Observation, out: Outcome) -> None:
    assert obs.reader is not None
    cause = f"output_offline:{obs.reader}"
    if obs.online:
        a = resolve_cause(tx, cause, SYSTEM, "relay board answering again")
        out.note = "output online"
        if a is not None:
            out.alerts.append(a.id)
        return
    a = raise_alert(
        tx,
        AlertType.OUTPUT_OFFLINE,
        Severity.CRITICAL,
        SubjectKind.READER,
        obs.reader,
        cause,
        None,
        f"alarm relay board {obs.reader} stopped answering: its door cannot sound the alarm",
        f"报警继电器板 {obs.reader} 已无响应，所在门无法声光报警",
    )
    out.alerts.append(a.id)
    out.note = "output offline"


def _table(tx: Tx, source: str, obs: Observation, out: Outcome) -> None:
    cause = f"table_stale:{source}"
    if obs.online:
        a = resolve_cause(tx, cause, SYSTEM, "the gateway has a current table again")
        out.note = "table fresh"
        if a is not None:
            out.alerts.append(a.id)
        return
    minutes = round((obs.age or 0) / 60)
    a = raise_alert(
        tx,
        AlertType.TABLE_STALE,
        Severity.WARNING,
        SubjectKind.READER,
        source,
        cause,
        None,
        f"gateway {source} decides door alarms on authorization table version "
        f"{obs.table_version}, {minutes} min old: it has not heard from the service",
        f"网关 {source} 正依据 {minutes} 分钟前的第 {obs.table_version} 版授权表判断报警，"
        "与服务端失去联系",
        {"version": str(obs.table_version), "age": f"{obs.age:.0f}"},
    )
    out.alerts.append(a.id)
    out.note = "table stale"


# --- evidence: listing, fetching, retention -------------------------------------------


def stills_for(svc: Services, alert_id: str) -> list[Still]:
    """The stills kept with ``alert_id`` (deleted ones too: their record stays)."""
    with svc.read() as uow:
        if uow.alerts.get(alert_id) is None:
            raise NotFound(f"no alert {alert_id!r}", zh=f"没有告警 {alert_id!r}")
        return uow.evidence.for_alert(alert_id)


def still_image(svc: Services, still_id: str) -> tuple[Still, bytes]:
    """A still's record and its JPEG; NotFound when unknown or deleted."""
    with svc.read() as uow:
        still = uow.evidence.get(still_id)
        data = uow.evidence.blob(still.sha256) if still is not None else None
    if still is None or still.deleted_at is not None or data is None:
        raise NotFound(f"no still {still_id!r}", zh=f"没有照片 {still_id!r}")
    return still, data


def purge(svc: Services, actor: str = SYSTEM) -> int:
    """Delete the stills past the site's retention (``evidence_days``), in transactions
    of at most 200; returns how many (the scheduler's daily run does the same with
    :func:`purge_expired`)."""
    done = 0
    while True:
        with svc.transaction() as tx:
            n = purge_expired(tx, tx.now, actor, limit=200)
        done += n
        if n < 200:
            return done


def purge_expired(tx: Tx, now: datetime, actor: str = SYSTEM, *, limit: int = 5000) -> int:
    """Delete up to ``limit`` stills stored more than ``evidence_days`` before ``now``
    (none when the site keeps them for ever), each with an ``evidence_delete`` register
    entry naming its SHA-256, alarm, alert and door; returns how many."""
    days = policy(tx.svc).evidence_days
    if days <= 0:
        return 0
    expired = tx.uow.evidence.expired(now - timedelta(days=days), limit=limit)
    for s in expired:
        tx.uow.evidence.delete(s.id, tx.now)
        tx.record(
            Action.EVIDENCE_DELETE,
            actor,
            reason=f"retention of {days} days ended",
            data=_deleted(s),
        )
    return len(expired)


def _deleted(s: Still) -> dict[str, Any]:
    return {"still": s.id, "sha256": s.sha256, "alarm": s.alarm, "alert": s.alert, "door": s.door}
