"""The site file's ``[[desks]]``: reading desks in the secure room (R16), each with UHF
readers that see the carriers laid on it and badge readers for the reader's badge."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracker.config.checks import Problems, array, refs
from tracker.domain.model import Place, RoomKind
from tracker.domain.site import DeskConfig

Claim = Callable[[str, int, Any], str | None]


def parse_desks(
    data: Mapping[str, Any],
    probs: Problems,
    claim: Claim,
    rooms: Mapping[str, Place],
    reads: Mapping[str, str],
) -> list[DeskConfig]:
    """Every ``[[desks]]`` table; ``reads`` maps each read point to what its reader reads
    (``tag`` or ``badge``)."""
    out = []
    points = set(reads)
    for i, d in enumerate(array(data, "desks", probs)):
        key = f"desks[{i}]"
        did = claim("desks", i, d.get("id"))
        room_id = d.get("room")
        room = rooms.get(room_id) if isinstance(room_id, str) else None
        if room is None:
            probs.add(f"{key}.room", f"unknown room {room_id!r}")
        elif room.room_kind is not RoomKind.SECURE:
            probs.add(
                f"{key}.room", "R16: top secret is read in the secure room; put the desk there"
            )
        tags = refs(d.get("readers", []), points, f"{key}.readers", "reader", probs)
        badges = refs(d.get("badge_readers", []), points, f"{key}.badge_readers", "reader", probs)
        for field, found, want in (("readers", tags, "tag"), ("badge_readers", badges, "badge")):
            if not found:
                probs.add(f"{key}.{field}", f"a reading desk needs at least one ({want} reader)")
            for p in found:
                if reads[p] != want:
                    probs.add(f"{key}.{field}", f"{p!r} reads {reads[p]}s, not {want}s")
        if did and room is not None and tags and badges:
            out.append(DeskConfig(did, str(d.get("name", did)), room.id, tags, badges))
    return out
