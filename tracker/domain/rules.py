"""The secrecy rules R1-R15 of SPEC §5 as pure functions.

Two kinds of function live here:

* ``require_*`` checks guard a use case and raise :class:`RuleViolation` naming the rule;
* ``evaluate_*`` functions judge something that already happened (a carrier crossing a
  door, a clock tick) and return :class:`Finding` records the caller turns into alerts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker.domain.errors import InvalidInput, RuleViolation
from tracker.domain.levels import Level
from tracker.domain.model import (
    AlertType,
    Borrow,
    BorrowState,
    Carrier,
    CarrierState,
    CarryOut,
    Circulation,
    CirculationState,
    LossKind,
    Person,
    Place,
    Role,
    RoomKind,
    Severity,
)
from tracker.domain.period import add_months

# --- who may hold what (R3) --------------------------------------------------


def may_know(person: Person, carrier: Carrier) -> bool:
    """True when ``person`` may learn the carrier's title and content (need-to-know):
    custodians and officers, and people in its knowledge scope - never one of the three
    administrators, whatever their department."""
    if person.role.administrator:
        return False
    return person.role.keeps_carriers or carrier.scope.includes(person)


def may_hold(person: Person, carrier: Carrier) -> bool:
    """True when ``person`` may have the carrier in hand: an active person whose clearance
    covers its level and who may know it (R3)."""
    return person.active and person.clearance.covers(carrier.level) and may_know(person, carrier)


def require_may_hold(person: Person, carrier: Carrier, rule: str = "R3") -> None:
    """Raise RuleViolation unless ``person`` may hold ``carrier``."""
    if not person.active:
        raise RuleViolation(
            rule,
            f"{person.id} has left the classified post and may not hold carriers",
            zh=f"{person.name}（{person.id}）已离开涉密岗位，不得持有涉密载体",
        )
    if not person.clearance.covers(carrier.level):
        raise RuleViolation(
            rule,
            f"{person.id}'s clearance ({person.clearance.value}) does not cover "
            f"{carrier.level.value} carriers",
            zh=f"{person.name}的涉密等级（{person.clearance.zh}）不能接触{carrier.level.zh}级载体",
        )
    if not may_know(person, carrier):
        raise RuleViolation(
            rule,
            f"{person.id} is not in the knowledge scope of carrier {carrier.serial}",
            zh=f"{person.name}不在载体 {carrier.serial} 的知悉范围内",
        )


def require_not_self(actor: str, other: str, what: str, rule: str, what_zh: str) -> None:
    """Refuse approving or witnessing one's own request."""
    if actor == other:
        raise RuleViolation(
            rule,
            f"{actor} may not {what} their own request",
            zh=f"不得{what_zh}本人提出的申请",
        )


# --- places (R1, R2) ----------------------------------------------------------


def require_place_allows(carrier: Carrier, place: Place, rule: str = "R1") -> None:
    """Raise unless ``place`` may hold a carrier of this level by its highest level."""
    if not place.allows(carrier.level):
        allowed = place.max_level.value if place.max_level else "nothing classified"
        raise RuleViolation(
            rule,
            f"{place.id} allows {allowed}; carrier {carrier.serial} is {carrier.level.value}",
            zh=f"{place.name}最高只允许{place.max_level.zh if place.max_level else '非涉密'}，"
            f"载体 {carrier.serial} 为{carrier.level.zh}级",
        )


def require_borrow_destination(carrier: Carrier, destination: Place) -> None:
    """R2: top secret is read inside the secure room only; R1: the destination's level."""
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
    require_place_allows(carrier, destination, "R1")


@dataclass(frozen=True)
class Authorizations:
    """What currently authorises a carrier to be away from home."""

    borrows: tuple[Borrow, ...] = ()
    circulations: tuple[Circulation, ...] = ()
    carry_outs: tuple[CarryOut, ...] = ()

    def destinations(self) -> set[str]:
        """Places named by active borrows and circulations."""
        out = {b.destination for b in self.borrows if b.state is BorrowState.OUT}
        out |= {c.destination for c in self.circulations if c.state is CirculationState.ACTIVE}
        return out

    def active_carry_out(self, at: datetime) -> CarryOut | None:
        """An approved carry-out valid at ``at``, if any."""
        for c in self.carry_outs:
            if c.state.value == "approved" and c.valid_from <= at <= c.valid_until:
                return c
        return None

    def holders(self) -> set[str]:
        """People entitled to have the carrier in hand now (borrowers out, carrier person)."""
        out = {b.borrower for b in self.borrows if b.state is BorrowState.OUT}
        for c in self.carry_outs:
            if c.state.value == "approved":
                out.add(c.carrier_person)
                out.update(c.escorts)
        return out


def authorized_places(carrier: Carrier, places: Iterable[Place], auth: Authorizations) -> set[str]:
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


# --- findings from movements ---------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a rule found wrong, to become an alert."""

    type: AlertType
    severity: Severity
    rule: str
    message: str
    zh: str
    details: dict[str, str] = field(default_factory=dict)


def evaluate_crossing(
    carrier: Carrier,
    from_room: Place | None,
    to_room: Place,
    exit_door: bool,
    people: Sequence[Person],
    places: Iterable[Place],
    auth: Authorizations,
    at: datetime,
    escorts_needed: int = 2,
) -> list[Finding]:
    """Judge a carrier crossing a door from ``from_room`` into ``to_room`` with ``people``.

    Returns the findings for R1 (a place outside its authorized places or below its
    level), R2 (top secret leaving the secure room), R6 (leaving the building without a
    carry-out; top secret without two approved escorts read with it) and R3 (a person
    outside its scope or clearance moving it)."""
    out: list[Finding] = []
    serial = carrier.serial
    carry_out = auth.active_carry_out(at)
    leaving_building = exit_door or to_room.room_kind is RoomKind.OUTSIDE
    if (
        carrier.level is Level.TOP_SECRET
        and from_room is not None
        and from_room.room_kind is RoomKind.SECURE
        and to_room.room_kind is not RoomKind.SECURE
        and carry_out is None
    ):
        out.append(
            Finding(
                AlertType.UNAUTHORIZED_REMOVAL,
                Severity.CRITICAL,
                "R2",
                f"top-secret carrier {serial} left the secure room",
                f"绝密级载体 {serial} 被带出机要室",
            )
        )
    if leaving_building:
        if carry_out is None:
            out.append(
                Finding(
                    AlertType.UNAUTHORIZED_REMOVAL,
                    Severity.CRITICAL,
                    "R6",
                    f"carrier {serial} left the building without an approved carry-out",
                    f"载体 {serial} 未经外出携带审批被带出大楼",
                )
            )
        elif carrier.level is Level.TOP_SECRET:
            read = {p.id for p in people}
            present = [e for e in carry_out.escorts if e in read]
            if len(present) < escorts_needed:
                out.append(
                    Finding(
                        AlertType.ESCORT_MISSING,
                        Severity.CRITICAL,
                        "R6",
                        f"top-secret carrier {serial} left the building with {len(present)} of "
                        f"{escorts_needed} approved escorts",
                        f"绝密级载体 {serial} 出楼时只有{len(present)}名经批准的护送人员"
                        f"（应至少{escorts_needed}名）",
                        {"escorts_read": ",".join(present)},
                    )
                )
    elif to_room.room_kind is not RoomKind.PASSAGE:
        allowed = authorized_places(carrier, places, auth)
        below = not to_room.allows(carrier.level)
        if (below or to_room.id not in allowed) and not any(f.rule == "R2" for f in out):
            why = "below its level" if below else "outside its authorized places"
            why_zh = "密级低于载体密级" if below else "不在其许可存放或使用的场所之内"
            out.append(
                Finding(
                    AlertType.UNAUTHORIZED_REMOVAL,
                    Severity.CRITICAL,
                    "R1",
                    f"carrier {serial} entered {to_room.id}, {why}",
                    f"载体 {serial} 进入{to_room.name}，该场所{why_zh}",
                    {"place": to_room.id},
                )
            )
    entitled = auth.holders()
    for person in people:
        if person.id in entitled and person.active:
            continue
        if not may_hold(person, carrier):
            out.append(
                Finding(
                    AlertType.WRONG_HOLDER,
                    Severity.CRITICAL,
                    "R3",
                    f"carrier {serial} moved with {person.id}, who is outside its scope "
                    "or clearance",
                    f"载体 {serial} 由不在知悉范围或涉密等级不够的人员{person.name}携带",
                    {"person": person.id},
                )
            )
    return out


# --- borrowing and circulation (R3, R4, R5) ---------------------------------------


def require_can_check_out(carrier: Carrier) -> None:
    """A carrier is issued only from the custodian's keeping (registered or in a safe)."""
    if carrier.state not in (CarrierState.IN_SAFE, CarrierState.REGISTERED):
        raise RuleViolation(
            "R5" if carrier.state is CarrierState.OUT else "R3",
            f"carrier {carrier.serial} is {carrier.state.value}, not with the custodian",
            zh=f"载体 {carrier.serial} 当前状态为{carrier.state.zh}，不在机要员处",
        )


def require_due_within(start: datetime, due: datetime, max_days: int, rule: str = "R4") -> None:
    """A due time lies after the start and at most ``max_days`` later."""
    if due <= start:
        raise InvalidInput(
            "due_at", "the due time must be in the future", zh="归还时间必须晚于当前"
        )
    if due - start > timedelta(days=max_days):
        raise RuleViolation(
            rule,
            f"due time is more than {max_days} days away",
            zh=f"归还期限超过{max_days}天",
        )


def is_overdue(borrow: Borrow, now: datetime) -> bool:
    """True when a checked-out borrow is past its due time (R4)."""
    return borrow.state is BorrowState.OUT and now > borrow.due_at


# --- carry-out, copy, destruction, people leaving (R6, R8, R10, R12, R13) ---------


def require_carry_out_escorts(
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


def require_copy_allowed(carrier: Carrier) -> None:
    """R8: top-secret material is never copied."""
    if carrier.level is Level.TOP_SECRET:
        raise RuleViolation("R8", "top-secret carriers may not be copied", zh="绝密级载体不得复制")


def require_witnesses(requester: str, witnesses: Sequence[str]) -> None:
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


def require_no_holdings(person: Person, holdings: Sequence[str]) -> None:
    """R12: a person leaving a post returns or hands over every carrier first."""
    if holdings:
        raise RuleViolation(
            "R12",
            f"{person.id} still holds {len(holdings)} carrier(s): {', '.join(holdings)}",
            zh=f"{person.name}仍持有{len(holdings)}件载体，须先清退或移交：{', '.join(holdings)}",
        )


def decommission_until(person: Person, left_on: date) -> date:
    """End of the decommissioning period (脱密期): 3 / 2 / 1 years by clearance."""
    return add_months(left_on, 12 * person.clearance.decommission_years)


def loss_report_late(
    kind: LossKind, discovered_at: datetime, reported_at: datetime, leak_hours: float = 24.0
) -> bool:
    """R13: loss, theft and leaks are reported at once; a leak from a computer within 24
    hours. "At once" is taken as within the working hour (one hour) here."""
    limit = timedelta(hours=leak_hours if kind is LossKind.COMPUTER_LEAK else 1)
    return reported_at - discovered_at > limit


# --- time-driven rules (R7, R9, R11) ----------------------------------------------


def needs_locking_away(carrier: Carrier, auth: Authorizations, at: datetime) -> bool:
    """R7: after close of business every carrier is in a locked safe. Carriers away under
    a valid carry-out, and those already reported missing or gone, are exempt."""
    if carrier.state in (
        CarrierState.IN_SAFE,
        CarrierState.MISSING,
        CarrierState.DESTROYED,
        CarrierState.DECLASSIFIED,
        CarrierState.ARCHIVED,
    ):
        return False
    return not (carrier.state is CarrierState.IN_TRANSIT and auth.active_carry_out(at))


def inventory_due(
    level: Level, last: date | None, months_by_level: dict[str, int], today: date
) -> date:
    """R9: the date the next inventory of ``level`` carriers is due."""
    months = months_by_level.get(level.value, 3)
    if last is None:
        return today
    return add_months(last, months)


def declassification_due(carrier: Carrier, today: date, notice_days: int) -> bool:
    """R11: the carrier's period ends within the notice window (and has not yet ended)."""
    end = carrier.expires_on
    return end is not None and today < end <= today + timedelta(days=notice_days)


def expired(carrier: Carrier, today: date) -> bool:
    """R11: the period has ended, so the carrier is declassified by itself."""
    end = carrier.expires_on
    return carrier.active and end is not None and end <= today


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
