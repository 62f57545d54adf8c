"""R14: every step leaves a register entry with who, what and when — enforced when a
use case's transaction commits, not left to each use case's care."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.disclosure import Handling
from tracker.domain.errors import RuleViolation
from tracker.domain.model import (
    Borrow,
    Carrier,
    CarryOut,
    Circulation,
    CopyRequest,
    Destruction,
    LevelChange,
)

# What "custody" is: a carrier's state, place and holder; a request's state. A new
# carrier or request is a change too.
CUSTODY_FIELDS: dict[type, tuple[str, ...]] = {
    Carrier: ("state", "location", "holder"),
    Borrow: ("state",),
    Circulation: ("state",),
    CarryOut: ("state",),
    CopyRequest: ("state",),
    Destruction: ("state",),
    LevelChange: ("state",),
    Handling: ("state",),  # R18: instructed, handled
}


@dataclass(frozen=True)
class CustodyChanges:
    """What one transaction changed of custody, and what it recorded."""

    carriers: frozenset[str] = frozenset()  # serials whose state, place or holder changed
    requests: frozenset[str] = frozenset()  # "<kind>:<id>" of requests whose state changed
    recorded: frozenset[str] = frozenset()  # serials the transaction's entries name
    entries: int = 0  # entries the transaction appended


def r14_require_register_entry(changes: CustodyChanges) -> None:
    """R14: a transaction that changed a carrier's custody records an entry naming that
    carrier, and one that changed a request's state records at least one entry."""
    unrecorded = sorted(changes.carriers - changes.recorded)
    if unrecorded:
        names = ", ".join(unrecorded[:5]) + (" …" if len(unrecorded) > 5 else "")
        raise RuleViolation(
            "R14",
            f"the custody of {names} changed but the register has no entry for it; "
            "nothing was saved",
            zh=f"载体 {names} 的保管状态已变更但未登记入台账，操作未保存",
        )
    if changes.requests and changes.entries == 0:
        names = ", ".join(sorted(changes.requests)[:5])
        raise RuleViolation(
            "R14",
            f"the state of {names} changed but nothing was recorded in the register; "
            "nothing was saved",
            zh=f"{names} 的状态已变更但未登记入台账，操作未保存",
        )
