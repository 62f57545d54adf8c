"""Holiday sealing (封存, R19): a safe sealed with a snapshot of its contents, unsealed
with a comparison. The rules are :mod:`tracker.domain.rules.sealing`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class SealState(str, Enum):
    """A seal is on until the safe is unsealed."""

    SEALED = "sealed"
    UNSEALED = "unsealed"

    @property
    def zh(self) -> str:
        """Chinese name of the state."""
        return {"sealed": "已封存", "unsealed": "已启封"}[self.value]


@dataclass(frozen=True)
class HolidayPeriod:
    """A run of days off that holds a public holiday, with the instants the safes are
    sealed (close of business of the last working day before it) and unsealed (opening
    of the first working day after it)."""

    first: date
    last: date
    seal_at: datetime
    unseal_at: datetime

    @property
    def key(self) -> str:
        """``first/last`` in ISO form: names the period in seals and the register."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


@dataclass
class Seal:
    """A safe sealed (for a holiday period, or by hand), with the carriers its readers
    saw inside when it was sealed, and what unsealing found."""

    id: str
    safe: str
    sealed_at: datetime
    sealed_by: str
    contents: tuple[str, ...]  # serials the safe's readers saw inside at sealing
    reason: str
    holiday: str = ""  # HolidayPeriod.key for a holiday seal, "" for one by hand
    until: datetime | None = None  # when the scheduler unseals it (None: by hand only)
    state: SealState = SealState.SEALED
    unsealed_at: datetime | None = None
    unsealed_by: str | None = None
    found: tuple[str, ...] = ()  # serials seen inside at unsealing
    missing: tuple[str, ...] = ()  # in the snapshot, not found at unsealing
    added: tuple[str, ...] = ()  # found at unsealing, not in the snapshot
    breaches: tuple[str, ...] = ()  # serials seen leaving the safe while it was sealed
