"""What the safes' own readers and cameras see right now, for an inventory: a carrier
counts as seen in a safe when the register has it there and the last movement that put
it there was observed by the safe's RFID reader or camera (not typed in by hand)."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.domain.model import CarrierState, MovementSource
from tracker.services.base import Services

OBSERVED = (MovementSource.SAFE, MovementSource.CAMERA, MovementSource.RFID)


def seen_in_safes(svc: Services, safes: Iterable[str]) -> list[str]:
    """Serials the readers and cameras of ``safes`` currently see inside them."""
    wanted = sorted(set(safes))
    if not wanted:
        return []
    out = []
    with svc.read() as uow:
        for c in uow.carriers.find(state=CarrierState.IN_SAFE, location=wanted, order_by="serial"):
            last = uow.movements.find(carrier=c.serial, order_by="-at", limit=1)
            if last and last[0].to_place == c.location and last[0].source in OBSERVED:
                out.append(c.serial)
    return out
