"""Changing a carrier's level and period, declassifying it (R11), widening its knowledge
scope — each needs an approver — and the automatic declassification when a period ends.

A level change is asked for (:func:`request_reclassification`,
:func:`request_declassification`) and decided in the one approval workflow
(:func:`approve_level_change`, :func:`reject_level_change`); approved, it is applied at
once. An approver may also change a level on their own authority as the classifying
authority (:func:`reclassify`, :func:`declassify`): that is their decision, recorded as
theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from tracker.domain import approval, lifecycle
from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, CarrierState, LevelChange, Role, new_id
from tracker.domain.period import Marking, SecrecyPeriod
from tracker.domain.rules import r1_require_place_allows, r11_expired
from tracker.services import approvals
from tracker.services.alerting import resolve_cause
from tracker.services.base import SYSTEM, Services, Tx


def _reason(reason: str, what: str, zh: str) -> str:
    if not reason.strip():
        raise InvalidInput("reason", f"say why {what}", zh=zh)
    return reason.strip()


def _active(c: Carrier) -> None:
    if not c.active:
        raise Conflict(
            f"carrier {c.serial} is {c.state.value}", zh=f"载体 {c.serial} 当前为{c.state.zh}"
        )


def _new_marking(c: Carrier, level: Level, period: SecrecyPeriod) -> Marking:
    """The marking a reclassification gives, checked: a classified level, a period that
    fits it, and homes that still allow it (R1)."""
    if level is Level.INTERNAL:
        raise InvalidInput("level", "use declassify to end classification", zh="解密请使用解密功能")
    return Marking(level, period).validated("period")


def _apply(tx: Tx, actor: str, c: Carrier, new: Marking, reason: str, **data: str) -> None:
    old = c.marking
    if old == new:
        return
    for pid in (c.home_room, c.home_safe):
        if pid:
            r1_require_place_allows(replace(c, level=new.level), tx.place(pid), "R1")
    c.level, c.period = new.level, new.period
    c.labelled = False  # the printed marking is now wrong: a new label is needed
    tx.record(
        Action.RECLASSIFY,
        actor,
        carrier=c.serial,
        approver=actor,
        reason=reason,
        data={"from": old.zh(), "to": new.zh(), **data},
    )


def _reclassify(tx: Tx, actor: str, c: Carrier, new: Marking, reason: str, **data: str) -> None:
    # Copies follow their original (R8).
    for t in [c, *tx.uow.carriers.find(original=c.serial)]:
        _apply(tx, actor, t, new, reason, **data)


def reclassify(
    svc: Services, actor: str, serial: str, level: Level, period: SecrecyPeriod, reason: str
) -> Carrier:
    """An approver changes a carrier's level and period on their own authority (R11).
    Copies follow their original (R8); the home must still allow the new level (R1)."""
    why = _reason(reason, "the level changes", "须填写变更密级的理由")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        c = tx.carrier(serial, lock=True)
        _active(c)
        _reclassify(tx, actor, c, _new_marking(c, level, period), why)
        return c


def declassify(svc: Services, actor: str, serial: str, reason: str) -> Carrier:
    """An approver declassifies a carrier before its period ends (R11)."""
    why = _reason(reason, "it is declassified", "须填写解密理由")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        c = tx.carrier(serial, lock=True)
        _declassify(tx, c, actor, why, "procedure")
        return c


def _declassify(tx: Tx, c: Carrier, actor: str, reason: str, how: str, **data: str) -> None:
    _active(c)
    old = c.marking
    lifecycle.declassify(c)
    tx.record(
        Action.DECLASSIFY,
        actor,
        carrier=c.serial,
        approver=None if actor == SYSTEM else actor,
        reason=reason,
        data={"marking": old.zh(), "how": how, **data},
    )
    tx.emit("carrier", serial=c.serial, state=c.state.value, action="declassify")


# --- level changes in the approval workflow --------------------------------------------


def _still_applies(tx: Tx, r: LevelChange) -> None:
    c = tx.carrier(r.carrier, lock=True)
    _active(c)
    if not r.declassify:
        assert r.level is not None and r.period is not None
        _new_marking(c, r.level, r.period)


def _carry_out(tx: Tx, actor: str, r: LevelChange) -> None:
    c = tx.carrier(r.carrier, lock=True)
    if r.declassify:
        _declassify(tx, c, actor, r.reason, "procedure", level_change=r.id)
    else:
        assert r.level is not None and r.period is not None
        _reclassify(tx, actor, c, Marking(r.level, r.period), r.reason, level_change=r.id)


def _change_text(r: LevelChange) -> str:
    if r.declassify or r.level is None or r.period is None:
        return "declassify"
    return Marking(r.level, r.period).zh()


LEVEL_CHANGES = approvals.Workflow[LevelChange](
    approval.LEVEL_CHANGE,
    records=lambda uow: uow.level_changes,
    carriers=lambda r: (r.carrier,),
    own=lambda r: (r.requested_by,),
    details=lambda r: {"to": _change_text(r)},
    levels=lambda r: () if r.level is None else (r.level,),
    check=_still_applies,
    on_approve=_carry_out,
)


def _request(
    svc: Services,
    actor: str,
    serial: str,
    reason: str,
    level: Level | None,
    period: SecrecyPeriod | None,
) -> LevelChange:
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial)
        _active(c)
        if level is not None and period is not None:
            new = _new_marking(c, level, period)
            for pid in (c.home_room, c.home_safe):
                if pid:
                    r1_require_place_allows(replace(c, level=new.level), tx.place(pid), "R1")
        r = LevelChange(new_id(), serial, level is None, level, period, reason, actor, tx.now)
        approvals.record_request(
            tx,
            LEVEL_CHANGES,
            actor,
            r,
            reason=reason,
            data={"from": c.marking.zh(), "to": _change_text(r)},
        )
        return r


def request_reclassification(
    svc: Services, actor: str, serial: str, level: Level, period: SecrecyPeriod, reason: str
) -> LevelChange:
    """The custodian asks an approver to change a carrier's level and period (R11)."""
    why = _reason(reason, "the level changes", "须填写变更密级的理由")
    return _request(svc, actor, serial, why, level, period)


def request_declassification(svc: Services, actor: str, serial: str, reason: str) -> LevelChange:
    """The custodian asks an approver to declassify a carrier before its period ends."""
    why = _reason(reason, "it is declassified", "须填写解密理由")
    return _request(svc, actor, serial, why, None, None)


def approve_level_change(svc: Services, actor: str, change_id: str, note: str = "") -> LevelChange:
    """An approver approves a level change, which is applied at once; never their own."""
    return approvals.decide(svc, LEVEL_CHANGES, actor, change_id, True, note)


def reject_level_change(svc: Services, actor: str, change_id: str, note: str) -> LevelChange:
    """An approver rejects a level change, saying why."""
    return approvals.decide(svc, LEVEL_CHANGES, actor, change_id, False, note)


def level_change(svc: Services, change_id: str) -> LevelChange:
    """The level change ``change_id``; NotFound otherwise."""
    with svc.read() as uow:
        return approvals.get(uow, LEVEL_CHANGES, change_id)


# --- automatic declassification ----------------------------------------------------


def auto_declassify(svc: Services, today: date | None = None) -> list[str]:
    """R11: carriers whose period has ended are declassified by themselves."""
    with svc.transaction() as tx:
        return declassify_expired(tx, today or svc.site.calendar.local_date(tx.now))


def declassify_expired(tx: Tx, today: date) -> list[str]:
    """Inside a transaction: declassify every carrier whose period ended by ``today``."""
    candidates = tx.uow.carriers.find(
        state=[
            CarrierState.REGISTERED,
            CarrierState.IN_SAFE,
            CarrierState.OUT,
            CarrierState.IN_TRANSIT,
            CarrierState.ARCHIVED,
        ],
    )
    done = []
    for c in candidates:
        if r11_expired(c, today):
            _declassify(tx, c, SYSTEM, f"secrecy period ended on {c.expires_on}", "expiry")
            resolve_cause(tx, f"declassification_due:{c.serial}", SYSTEM, "declassified")
            done.append(c.serial)
    return done


def widen_scope(
    svc: Services,
    actor: str,
    serial: str,
    people: Sequence[str] = (),
    departments: Sequence[str] = (),
    reason: str = "",
) -> Carrier:
    """Add people or departments to a carrier's knowledge scope; needs an approver."""
    if not people and not departments:
        raise InvalidInput(
            "people", "name people or departments to add", zh="须列明增加的人员或部门"
        )
    why = _reason(reason, "the scope widens", "须填写扩大知悉范围的理由")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        c = tx.carrier(serial, lock=True)
        for i, p in enumerate(people):
            tx.person(p, f"people[{i}]")
        c.scope = c.scope.widened(set(people), set(departments))
        tx.record(
            Action.WIDEN_SCOPE,
            actor,
            carrier=serial,
            approver=actor,
            reason=why,
            data={"people": sorted(people), "departments": sorted(departments)},
        )
        return c
