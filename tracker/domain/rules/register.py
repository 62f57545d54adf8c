"""R14: every step leaves a register entry with who, what and when."""

from __future__ import annotations

from collections.abc import Collection

from tracker.domain.errors import RuleViolation


def r14_require_register_entry(
    changed_carriers: Collection[str],
    changed_requests: Collection[str],
    recorded_carriers: Collection[str],
    entries: int,
) -> None:
    """R14: a transaction that changed a carrier's custody (its state, place or holder)
    records an entry naming that carrier, and one that changed a request's state records
    at least one entry. ``recorded_carriers`` are the carriers the transaction's entries
    name; ``entries`` how many it appended."""
    unrecorded = sorted(set(changed_carriers) - set(recorded_carriers))
    if unrecorded:
        names = ", ".join(unrecorded[:5]) + (" …" if len(unrecorded) > 5 else "")
        raise RuleViolation(
            "R14",
            f"the custody of {names} changed but the register has no entry for it; "
            "nothing was saved",
            zh=f"载体 {names} 的保管状态已变更但未登记入台账，操作未保存",
        )
    if changed_requests and entries == 0:
        names = ", ".join(sorted(changed_requests)[:5])
        raise RuleViolation(
            "R14",
            f"the state of {names} changed but nothing was recorded in the register; "
            "nothing was saved",
            zh=f"{names} 的状态已变更但未登记入台账，操作未保存",
        )
