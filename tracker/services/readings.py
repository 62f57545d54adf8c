"""What the readers and cameras see right now, for an inventory, a seal's snapshot (R19)
or a meeting room's sweep (R17): a carrier counts as seen in a place when the register
has it there and the last movement that put it there was observed by a reader or camera
(a safe's, or a door's seeing it cross into a room) — not typed in by hand."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.domain.model import CarrierState, MovementSource
from tracker.services.base import Services
from tracker.services.ports import UnitOfWork

OBSERVED = (MovementSource.SAFE, MovementSource.CAMERA, MovementSource.RFID)


def seen_in_safes(svc: Services, safes: Iterable[str]) -> list[str]:
    """Serials the readers and cameras of ``safes`` currently see inside them."""
    with svc.read() as uow:
        return seen_in(uow, safes, CarrierState.IN_SAFE)


def seen_in(uow: UnitOfWork, places: Iterable[str], state: CarrierState | None = None) -> list[str]:
    """Inside a unit of work: serials the readers last saw arrive in ``places`` and that
    are still there (in ``state``, when given), in serial order."""
    wanted = sorted(set(places))
    if not wanted:
        return []
    out = []
    found = (
        uow.carriers.find(location=wanted, order_by="serial")
        if state is None
        else uow.carriers.find(state=state, location=wanted, order_by="serial")
    )
    for c in found:
        if not c.active:
            continue
        last = uow.movements.find(carrier=c.serial, order_by="-at", limit=1)
        if last and last[0].to_place == c.location and last[0].source in OBSERVED:
            out.append(c.serial)
    return out
