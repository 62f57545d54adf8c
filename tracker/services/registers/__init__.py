"""The registers (登记簿) a secrecy office keeps and an inspector asks to see, read from
the custody records: one small module per kind, each with a :class:`~.base.Spec`.

Adding a kind is one module with a ``SPEC`` and one line in :data:`KINDS`.
"""

from __future__ import annotations

from tracker.services.registers import (
    borrows,
    carry_outs,
    circulations,
    classification,
    copies,
    destructions,
    disclosures,
    handlings,
    handovers,
    inventories,
    receipts,
)
from tracker.services.registers.base import Spec

KINDS: dict[str, Spec] = {
    m.SPEC.kind: m.SPEC
    for m in (
        receipts,
        borrows,
        circulations,
        copies,
        carry_outs,
        destructions,
        inventories,
        handovers,
        classification,
        disclosures,  # R16
        handlings,  # R18
    )
}

__all__ = ["KINDS", "Spec"]
