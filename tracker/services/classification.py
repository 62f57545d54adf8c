"""Changing a carrier's level or period, declassifying it (R11), widening its knowledge
scope — each needs an approver — and the automatic declassification when a period ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from tracker.domain.errors import Conflict, InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, CarrierState, Role
from tracker.domain.period import Marking, SecrecyPeriod
from tracker.domain.rules import expired, require_place_allows
from tracker.services.alerting import resolve_cause
from tracker.services.base import SYSTEM, Services, Tx


def reclassify(
    svc: Services, actor: str, serial: str, level: Level, period: SecrecyPeriod, reason: str
) -> Carrier:
    """Change a carrier's level and period by the approver's procedure (R11). Copies
    follow their original (R8); the home must still allow the new level (R1)."""
    if not reason.strip():
        raise InvalidInput("reason", "say why the level changes", zh="须填写变更密级的理由")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        c = tx.carrier(serial, lock=True)
        if not c.active:
            raise Conflict(
                f"carrier {serial} is {c.state.value}", zh=f"载体 {serial} 当前为{c.state.zh}"
            )
        if level is Level.INTERNAL:
            raise InvalidInput(
                "level", "use declassify to end classification", zh="解密请使用解密功能"
            )
        new = Marking(level, period).validated("period")
        targets = [c, *tx.uow.carriers.find(original=serial)]
        for t in targets:
            _apply(tx, actor, t, new, reason.strip())
        return c


def _apply(tx: Tx, actor: str, c: Carrier, new: Marking, reason: str) -> None:
    old = c.marking
    if old == new:
        return
    for pid in (c.home_room, c.home_safe):
        if pid:
            require_place_allows(replace(c, level=new.level), tx.place(pid), "R1")
    c.level, c.period = new.level, new.period
    c.labelled = False  # the printed marking is now wrong: a new label is needed
    tx.record(
        Action.RECLASSIFY,
        actor,
        carrier=c.serial,
        approver=actor,
        reason=reason,
        data={"from": old.zh(), "to": new.zh()},
    )


def declassify(svc: Services, actor: str, serial: str, reason: str) -> Carrier:
    """Declassify a carrier before its period ends, by the approver's procedure (R11)."""
    if not reason.strip():
        raise InvalidInput("reason", "say why it is declassified", zh="须填写解密理由")
    with svc.transaction() as tx:
        tx.require_role(actor, Role.APPROVER)
        c = tx.carrier(serial, lock=True)
        _declassify(tx, c, actor, reason.strip(), "procedure")
        return c


def _declassify(tx: Tx, c: Carrier, actor: str, reason: str, how: str) -> None:
    if not c.active:
        raise Conflict(
            f"carrier {c.serial} is {c.state.value}", zh=f"载体 {c.serial} 当前为{c.state.zh}"
        )
    old = c.marking
    c.state = CarrierState.DECLASSIFIED
    tx.record(
        Action.DECLASSIFY,
        actor,
        carrier=c.serial,
        approver=None if actor == SYSTEM else actor,
        reason=reason,
        data={"marking": old.zh(), "how": how},
    )
    tx.emit("carrier", serial=c.serial, state=c.state.value, action="declassify")


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
        if expired(c, today):
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
    if not reason.strip():
        raise InvalidInput("reason", "say why the scope widens", zh="须填写扩大知悉范围的理由")
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
            reason=reason.strip(),
            data={"people": sorted(people), "departments": sorted(departments)},
        )
        return c
