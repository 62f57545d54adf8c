"""Rules of single use cases: R6 (carry-out escorts), R8 (no copies of top secret), R10
(two witnesses), R12 (nothing held when leaving a post; the decommissioning period),
R13 (loss reported in time) and R15 (count before signing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, LossKind, Person
from tracker.domain.period import add_months


def r6_require_carry_out_escorts(
    carriers: Sequence[Carrier], escorts: Sequence[Person], vehicle: str, needed: int = 2
) -> None:
    """R6: top-secret transport needs a special vehicle and two cleared escorts."""
    if not any(c.level is Level.TOP_SECRET for c in carriers):
        return
    ok = [e for e in escorts if e.active and e.clearance.covers(Level.TOP_SECRET)]
    if len({e.id for e in ok}) < needed:
        raise RuleViolation(
            "R6",
            f"top-secret transport needs {needed} escorts with core clearance; {len(ok)} named",
            zh=f"绝密级载体外出须有{needed}名核心涉密人员护送，现仅{len(ok)}名",
        )
    if not vehicle.strip():
        raise RuleViolation(
            "R6", "top-secret transport needs a special vehicle", zh="绝密级载体外出须使用专用车辆"
        )


def r8_require_copy_allowed(carrier: Carrier) -> None:
    """R8: top-secret material is never copied."""
    if carrier.level is Level.TOP_SECRET:
        raise RuleViolation("R8", "top-secret carriers may not be copied", zh="绝密级载体不得复制")


def r10_require_witness(requester: str, witness: Person) -> None:
    """R10: a witness is on a classified post and is not the one who asked for the
    destruction."""
    if witness.id == requester:
        raise RuleViolation(
            "R10",
            "the requester may not witness their own destruction",
            zh="申请人不得作为本次销毁的监销人",
        )
    if not witness.active:
        raise RuleViolation(
            "R10", f"{witness.id} is not on a classified post", zh=f"{witness.name}不在涉密岗位"
        )


def r10_require_witnesses(requester: str, witnesses: Sequence[str]) -> None:
    """R10: at least two distinct witnesses, neither of them the requester."""
    if requester in witnesses:
        raise RuleViolation(
            "R10",
            "the requester may not witness their own destruction",
            zh="申请人不得作为本次销毁的监销人",
        )
    if len(set(witnesses)) < 2:
        raise RuleViolation(
            "R10",
            "destruction needs at least two distinct witnesses",
            zh="销毁须有两人以上监销",
        )


def r12_require_no_holdings(person: Person, holdings: Sequence[str]) -> None:
    """R12: a person leaving a post returns or hands over every carrier first."""
    if holdings:
        raise RuleViolation(
            "R12",
            f"{person.id} still holds {len(holdings)} carrier(s): {', '.join(holdings)}",
            zh=f"{person.name}仍持有{len(holdings)}件载体，须先清退或移交：{', '.join(holdings)}",
        )


def r12_decommission_until(person: Person, left_on: date) -> date:
    """R12: end of the decommissioning period (脱密期): 3 / 2 / 1 years by clearance."""
    return add_months(left_on, 12 * person.clearance.decommission_years)


def r13_loss_report_late(
    kind: LossKind, discovered_at: datetime, reported_at: datetime, leak_hours: float = 24.0
) -> bool:
    """R13: loss, theft and leaks are reported at once; a leak from a computer within 24
    hours. "At once" is taken as within the working hour (one hour) here."""
    limit = timedelta(hours=leak_hours if kind is LossKind.COMPUTER_LEAK else 1)
    return reported_at - discovered_at > limit


def r15_require_count(counted: int, declared: int) -> None:
    """R15: the carriers counted match the dispatch list before anything is signed for."""
    if counted != declared:
        raise RuleViolation(
            "R15",
            f"counted {counted} carriers but the dispatch list says {declared}; resolve the "
            "difference with the sender before signing",
            zh=f"清点数量为{counted}件，与清单所列{declared}件不符，须与发件方核实后再签收",
        )
