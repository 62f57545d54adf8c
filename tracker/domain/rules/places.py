"""R1 (authorized places, room levels, passages) and R2 (top secret stays in the secure
room)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.domain.errors import RuleViolation
from tracker.domain.levels import Level
from tracker.domain.meetings import Handout, HandoutState, Meeting
from tracker.domain.model import (
    AlertType,
    ApprovalState,
    Borrow,
    BorrowState,
    Carrier,
    CarryOut,
    Circulation,
    CirculationState,
    Place,
    RoomKind,
    Severity,
)
from tracker.domain.rules.findings import Finding


@dataclass(frozen=True)
class Authorizations:
    """What currently authorises a carrier to be away from home."""

    borrows: tuple[Borrow, ...] = ()
    circulations: tuple[Circulation, ...] = ()
    carry_outs: tuple[CarryOut, ...] = ()
    meetings: tuple[Meeting, ...] = ()  # R17: open meetings the carrier is material of
    handouts: tuple[Handout, ...] = ()  # R17: its hand-outs to attendees

    def destinations(self) -> set[str]:
        """Places named by active borrows and circulations, and the rooms of open
        meetings the carrier is material of (R17)."""
        out = {b.destination for b in self.borrows if b.state is BorrowState.OUT}
        out |= {c.destination for c in self.circulations if c.state is CirculationState.ACTIVE}
        out |= {m.room for m in self.meetings if m.open}
        return out

    def active_carry_out(self, at: datetime) -> CarryOut | None:
        """An approved carry-out valid at ``at``, if any."""
        for c in self.carry_outs:
            if c.state is ApprovalState.APPROVED and c.valid_from <= at <= c.valid_until:
                return c
        return None

    def holders(self) -> set[str]:
        """People entitled to have the carrier in hand now (borrowers out, carrier person,
        attendees it is handed out to)."""
        out = {b.borrower for b in self.borrows if b.state is BorrowState.OUT}
        for c in self.carry_outs:
            if c.state is ApprovalState.APPROVED:
                out.add(c.carrier_person)
                out.update(c.escorts)
        out |= {h.attendee for h in self.handouts if h.state is HandoutState.OUT}
        return out


def r1_authorized_places(
    carrier: Carrier, places: Iterable[Place], auth: Authorizations
) -> set[str]:
    """R1: the places a carrier may be in: its home room and safe, reading rooms policy
    allows for its level, and destinations of active borrows and circulations — never a
    place whose highest level is below its own."""
    by_id = {p.id: p for p in places}
    out: set[str] = set()
    for pid in (carrier.home_room, carrier.home_safe):
        if pid:
            out.add(pid)
    for p in by_id.values():
        # R2: top secret is read in the secure room, never in a reading room.
        reading = p.room_kind is RoomKind.READING and carrier.level is not Level.TOP_SECRET
        if reading and p.allows(carrier.level):
            out.add(p.id)
        if p.room_kind is RoomKind.SECURE and p.allows(carrier.level):
            out.add(p.id)
    out |= auth.destinations()
    return {pid for pid in out if pid in by_id and by_id[pid].allows(carrier.level)}


def r1_require_place_allows(carrier: Carrier, place: Place, rule: str = "R1") -> None:
    """Raise unless ``place`` may hold a carrier of this level by its highest level."""
    if not place.allows(carrier.level):
        allowed = place.max_level.value if place.max_level else "nothing classified"
        raise RuleViolation(
            rule,
            f"{place.id} allows {allowed}; carrier {carrier.serial} is {carrier.level.value}",
            zh=f"{place.name}最高只允许{place.max_level.zh if place.max_level else '非涉密'}，"
            f"载体 {carrier.serial} 为{carrier.level.zh}级",
        )


def r2_require_borrow_destination(carrier: Carrier, destination: Place) -> None:
    """R2: top secret is read inside the secure room only; R1: the destination is a room
    for reading or use whose level allows the carrier."""
    if carrier.level is Level.TOP_SECRET and destination.room_kind is not RoomKind.SECURE:
        raise RuleViolation(
            "R2",
            "top-secret carriers may not leave the secure room; read it in the secure room",
            zh="绝密级载体不得带出机要室，只能在机要室内阅读",
        )
    if destination.room_kind in (RoomKind.PASSAGE, RoomKind.OUTSIDE):
        raise RuleViolation(
            "R1",
            f"{destination.id} is a {destination.room_kind.value}, not a place to read carriers",
            zh=f"{destination.name}不是阅读或使用载体的场所",
        )
    r1_require_place_allows(carrier, destination, "R1")


def r1_safe_below_level(carrier: Carrier, safe: Place) -> Finding | None:
    """R1: a carrier put into a safe whose highest level is below its own."""
    if safe.allows(carrier.level):
        return None
    return Finding(
        AlertType.UNAUTHORIZED_REMOVAL,
        Severity.CRITICAL,
        "R1",
        f"carrier {carrier.serial} was put into {safe.id}, which is below its level",
        f"载体 {carrier.serial} 被放入密级低于其密级的{safe.name}",
        {"place": safe.id},
    )


def r1_passage_overstay(
    carrier: Carrier, passage: Place, now: datetime, transit: timedelta
) -> Finding | None:
    """R1: a passage is crossed, not stayed in: a carrier that has been in ``passage``
    longer than the site's transit time is out of place."""
    if passage.room_kind is not RoomKind.PASSAGE or carrier.location != passage.id:
        return None
    if not carrier.active or carrier.location_at is None or now - carrier.location_at <= transit:
        return None
    seconds = int(transit.total_seconds())
    return Finding(
        AlertType.UNAUTHORIZED_REMOVAL,
        Severity.CRITICAL,
        "R1",
        f"carrier {carrier.serial} has stayed in passage {passage.id} for more than {seconds} s",
        f"载体 {carrier.serial} 在通道区域（{passage.id}）停留超过{seconds}秒",
        {"place": passage.id},
    )
