"""Separation of duties (三员分立, SPEC §1): the three administrators are kept apart from
each other and from the business roles."""

from __future__ import annotations

from collections.abc import Collection

from tracker.domain.errors import RuleViolation
from tracker.domain.model import Role

SOD = "SoD"  # separation of duties (三员分立), SPEC §1


def require_separation_of_duties(roles: Collection[Role]) -> None:
    """Raise RuleViolation unless one person may hold all of ``roles`` together: nobody
    holds two of the three administrators (system administrator, security administrator,
    security auditor), and none of them holds a business role (custodian, officer,
    approver, staff) at the same time."""
    held = set(roles)
    admins = sorted((r for r in held if r.administrator), key=lambda r: r.value)
    business = sorted((r for r in held if not r.administrator), key=lambda r: r.value)
    if len(admins) > 1:
        a, b = admins[0], admins[1]
        raise RuleViolation(
            SOD,
            f"nobody may be both {a.value} and {b.value}: the three administrators are kept apart",
            zh=f"三员分立：同一人不得兼任{a.zh}和{b.zh}",
        )
    if admins and business:
        a, b = admins[0], business[0]
        raise RuleViolation(
            SOD,
            f"a {a.value} may not also be a {b.value}: administrators hold no business role",
            zh=f"三员分立：{a.zh}不得兼任{b.zh}等业务角色",
        )
