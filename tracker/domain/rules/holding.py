"""R3: who may know a carrier (need-to-know) and who may hold it."""

from __future__ import annotations

from tracker.domain.errors import RuleViolation
from tracker.domain.model import Carrier, Person


def r3_may_know(person: Person, carrier: Carrier) -> bool:
    """True when ``person`` may learn the carrier's title and content (need-to-know):
    custodians and officers, and people in its knowledge scope - never one of the three
    administrators, whatever their department."""
    if person.role.administrator:
        return False
    return person.role.keeps_carriers or carrier.scope.includes(person)


def r3_may_hold(person: Person, carrier: Carrier) -> bool:
    """True when ``person`` may have the carrier in hand: an active person whose clearance
    covers its level and who may know it (R3)."""
    return person.active and person.clearance.covers(carrier.level) and r3_may_know(person, carrier)


def r3_require_may_hold(person: Person, carrier: Carrier, rule: str = "R3") -> None:
    """Raise RuleViolation unless ``person`` may hold ``carrier``."""
    if not person.active:
        raise RuleViolation(
            rule,
            f"{person.id} has left the classified post and may not hold carriers",
            zh=f"{person.name}（{person.id}）已离开涉密岗位，不得持有涉密载体",
        )
    if not person.clearance.covers(carrier.level):
        raise RuleViolation(
            rule,
            f"{person.id}'s clearance ({person.clearance.value}) does not cover "
            f"{carrier.level.value} carriers",
            zh=f"{person.name}的涉密等级（{person.clearance.zh}）不能接触{carrier.level.zh}级载体",
        )
    if not r3_may_know(person, carrier):
        raise RuleViolation(
            rule,
            f"{person.id} is not in the knowledge scope of carrier {carrier.serial}",
            zh=f"{person.name}不在载体 {carrier.serial} 的知悉范围内",
        )
