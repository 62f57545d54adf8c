"""Entities of the custody domain: carriers, people, places, and the records of what
happens to carriers (borrows, circulations, carry-outs, copies, inventories,
destructions, handovers, loss reports, movements, alerts).

Entities are plain mutable dataclasses with no framework in sight; the store maps them
to tables and the services change them under the rules in :mod:`tracker.domain.rules`.
Identifiers are strings: natural ids from the site file for places, staff numbers for
people, random hex ids for records, and the serial number for carriers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from tracker.domain.levels import Clearance, Level
from tracker.domain.period import Marking, SecrecyPeriod


def new_id() -> str:
    """A fresh random record id (32 hex digits): a random (version 4) UUID."""
    # What ``uuid.uuid4().hex`` gives, without building a UUID object (2.3 µs of 3.3; a
    # scheduled run makes 100,000 ids).
    b = bytearray(os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40  # version 4
    b[8] = b[8] & 0x3F | 0x80  # the RFC 4122 variant
    return b.hex()


class Medium(str, Enum):
    """What the carrier physically is."""

    PAPER = "paper"
    DISK = "disk"
    OPTICAL = "optical"
    USB = "usb"
    TAPE = "tape"
    LAPTOP = "laptop"
    OTHER = "other"


class CarrierState(str, Enum):
    """Where a carrier is in its life (SPEC §2)."""

    REGISTERED = "registered"  # received and numbered, not yet put away
    IN_SAFE = "in_safe"
    OUT = "out"  # borrowed, circulating or in use outside its safe
    IN_TRANSIT = "in_transit"  # carried between sites under a carry-out approval
    MISSING = "missing"
    ARCHIVED = "archived"
    DECLASSIFIED = "declassified"
    DESTROYED = "destroyed"

    @property
    def final(self) -> bool:
        """True for states a carrier never leaves (destroyed)."""
        return self is CarrierState.DESTROYED

    @property
    def zh(self) -> str:
        """Chinese name of the state."""
        return _STATE_ZH[self]


_STATE_ZH = {
    CarrierState.REGISTERED: "已登记",
    CarrierState.IN_SAFE: "在柜",
    CarrierState.OUT: "借出",
    CarrierState.IN_TRANSIT: "外出携带中",
    CarrierState.MISSING: "下落不明",
    CarrierState.ARCHIVED: "已归档",
    CarrierState.DECLASSIFIED: "已解密",
    CarrierState.DESTROYED: "已销毁",
}


@dataclass(frozen=True)
class KnowledgeScope:
    """Who may know a carrier's content (知悉范围): named people and whole departments."""

    people: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    def includes(self, person: Person) -> bool:
        """True when ``person`` is named or belongs to a named department."""
        return person.id in self.people or (
            bool(person.department) and person.department in self.departments
        )

    def widened(self, people: set[str], departments: set[str]) -> KnowledgeScope:
        """A scope that also includes ``people`` and ``departments``."""
        return KnowledgeScope(self.people | people, self.departments | departments)

    def to_dict(self) -> dict[str, list[str]]:
        """A JSON-friendly form with sorted lists."""
        return {"people": sorted(self.people), "departments": sorted(self.departments)}

    @staticmethod
    def from_dict(data: dict[str, list[str]] | None) -> KnowledgeScope:
        """Inverse of :meth:`to_dict`."""
        data = data or {}
        return KnowledgeScope(
            frozenset(data.get("people", ())), frozenset(data.get("departments", ()))
        )


@dataclass
class Carrier:
    """A physical thing recording classified information (秘密载体)."""

    serial: str
    title: str
    medium: Medium
    level: Level
    period: SecrecyPeriod
    classified_on: date
    issuing_authority: str
    received_on: date
    received_from: str = ""
    received_by: str = ""  # the custodian who signed for it
    copy_number: int | None = None
    total_copies: int | None = None
    pages: int | None = None
    scope: KnowledgeScope = field(default_factory=KnowledgeScope)
    home_room: str | None = None
    home_safe: str | None = None
    state: CarrierState = CarrierState.REGISTERED
    location: str | None = None  # the place it is now (room or safe id)
    holder: str | None = None  # the person who has it now
    location_at: datetime | None = None  # when it was last seen or put where it is
    epc: str | None = None  # hex of the EPC written to its tag
    labelled: bool = False
    original: str | None = None  # serial of the original when this is a copy
    container: str | None = None  # serial of the folder / device holding it
    notes: str = ""

    @property
    def marking(self) -> Marking:
        """The classification marking printed on the carrier."""
        return Marking(self.level, self.period)

    @property
    def expires_on(self) -> date | None:
        """The day its secrecy period ends, when it has a fixed length."""
        return self.period.expiry(self.classified_on)

    @property
    def barcode(self) -> str:
        """The payload of the label's barcodes: the serial number."""
        return self.serial

    @property
    def active(self) -> bool:
        """True while the carrier is still held and tracked (not destroyed or declassified)."""
        return self.state not in (CarrierState.DESTROYED, CarrierState.DECLASSIFIED)


class Role(str, Enum):
    """A person's part in secrecy work (SPEC §1)."""

    CUSTODIAN = "custodian"  # 机要员 / 保密员
    OFFICER = "officer"  # 保密干部
    APPROVER = "approver"  # 分管领导
    STAFF = "staff"  # 涉密人员
    # The three administrators (三员): kept apart from each other and from the business
    # roles above (see tracker.domain.rules.require_separation_of_duties).
    SYSTEM_ADMIN = "system_admin"  # 系统管理员
    SECURITY_ADMIN = "security_admin"  # 安全保密管理员
    SECURITY_AUDITOR = "security_auditor"  # 安全审计员

    @property
    def keeps_carriers(self) -> bool:
        """Custodians and officers handle every carrier as part of their work."""
        return self in (Role.CUSTODIAN, Role.OFFICER)

    @property
    def administrator(self) -> bool:
        """One of the three administrators, who handle no carriers and see no titles."""
        return self in ADMIN_ROLES

    @property
    def zh(self) -> str:
        """The role's Chinese name."""
        return _ROLE_ZH[self]


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR})
BUSINESS_ROLES = frozenset({Role.CUSTODIAN, Role.OFFICER, Role.APPROVER, Role.STAFF})
_ROLE_ZH = {
    Role.CUSTODIAN: "机要员",
    Role.OFFICER: "保密干部",
    Role.APPROVER: "审批领导",
    Role.STAFF: "涉密人员",
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全保密管理员",
    Role.SECURITY_AUDITOR: "安全审计员",
}


@dataclass
class Person:
    """Someone who may hold carriers (涉密人员), with a clearance."""

    id: str  # staff number
    name: str
    department: str
    clearance: Clearance
    role: Role = Role.STAFF
    active: bool = True  # False once the person has left the classified post
    left_on: date | None = None
    decommission_until: date | None = None  # end of the 脱密期
    successor: str | None = None
    email: str = ""  # where alert notifications are sent


class BadgeKind(str, Enum):
    """How a badge is read: 125 kHz EM4100 or a UHF Gen2 tag."""

    EM4100 = "em4100"
    UHF = "uhf"


@dataclass
class Badge:
    """A person's badge, read at doors and safes."""

    code: str  # upper-case hex: 10 digits for EM4100, the EPC for UHF
    person: str
    kind: BadgeKind = BadgeKind.EM4100
    active: bool = True


class PlaceKind(str, Enum):
    """The levels of the place hierarchy."""

    SITE = "site"
    BUILDING = "building"
    ROOM = "room"
    SAFE = "safe"


class RoomKind(str, Enum):
    """What a room is for; decides the rules that apply inside it."""

    SECURE = "secure"  # 机要室 / 保密室: top secret allowed, top secret read here
    ARCHIVE = "archive"
    READING = "reading"  # 阅文室
    OFFICE = "office"
    PASSAGE = "passage"  # corridor, stairs, lobby: crossed, not stayed in
    OUTSIDE = "outside"  # outside the building


@dataclass
class Place:
    """A site, building, room or safe."""

    id: str
    kind: PlaceKind
    name: str
    parent: str | None = None
    max_level: Level | None = None  # highest level allowed; None allows nothing classified
    room_kind: RoomKind | None = None

    def allows(self, level: Level) -> bool:
        """True when a carrier of ``level`` may be in this place by its level alone."""
        if self.room_kind is RoomKind.OUTSIDE:
            return False
        if self.max_level is None:
            return level is Level.INTERNAL
        return level <= self.max_level


@dataclass
class Door:
    """A door joining an inner and an outer place; an exit door leads out of the building."""

    id: str
    name: str
    inner: str
    outer: str
    exit: bool = False


class BorrowState(str, Enum):
    """Life of a borrow (借阅)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    OUT = "out"
    RETURNED = "returned"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        """True while the borrow still authorises or awaits something."""
        return self in (BorrowState.REQUESTED, BorrowState.APPROVED, BorrowState.OUT)


@dataclass
class Borrow:
    """A request to borrow one carrier, its approval, check-out and return (R3, R4)."""

    id: str
    carrier: str  # serial
    borrower: str
    destination: str  # place id where it will be read or used
    purpose: str
    requested_at: datetime
    due_at: datetime
    requested_by: str = ""
    state: BorrowState = BorrowState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    checked_out_at: datetime | None = None
    checked_out_by: str | None = None
    returned_at: datetime | None = None
    returned_to: str | None = None
    circulation: str | None = None  # id of the circulation this hop belongs to


class CirculationState(str, Enum):
    """Life of a circulation (传阅): requested, approved (active) or rejected, done."""

    REQUESTED = "requested"
    ACTIVE = "active"
    REJECTED = "rejected"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class Circulation:
    """A carrier read by several people in turn, back to the custodian between them (R5).
    The custodian asks for it; it becomes active when an approver approves it."""

    id: str
    carrier: str
    readers: tuple[str, ...]
    destination: str
    started_at: datetime  # when it was asked for
    due_at: datetime  # at most one month after the start (R4)
    started_by: str  # the custodian who asked for it
    urgent: bool = False
    next_index: int = 0  # index in ``readers`` of the next reader to be issued
    state: CirculationState = CirculationState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""

    @property
    def requested_by(self) -> str:
        """Who asked for it (the one approval workflow's name for the requester)."""
        return self.started_by


class ApprovalState(str, Enum):
    """Life of an approval-based record (carry-out, copy, destruction, level change)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class CarryOut:
    """Approval to take carriers out of the building (外出携带, R6)."""

    id: str
    carriers: tuple[str, ...]
    carrier_person: str  # who carries them
    escorts: tuple[str, ...]
    destination: str  # free text: where outside they go
    reason: str
    valid_from: datetime
    valid_until: datetime
    requested_by: str
    requested_at: datetime
    vehicle: str = ""  # the special vehicle, required for top secret
    state: ApprovalState = ApprovalState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    returned_at: datetime | None = None
    decision_note: str = ""


@dataclass
class CopyRequest:
    """Approval to copy a carrier (R8); the copies become carriers of their own."""

    id: str
    original: str
    count: int
    reason: str
    requested_by: str
    requested_at: datetime
    state: ApprovalState = ApprovalState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    copies: tuple[str, ...] = ()
    decision_note: str = ""


class InventoryState(str, Enum):
    """Life of an inventory session (清查)."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass
class Inventory:
    """A count of the carriers in some places, compared with what the register expects."""

    id: str
    places: tuple[str, ...]  # rooms or safes counted; empty = the whole site
    levels: tuple[Level, ...]  # levels counted; empty = every level
    started_by: str
    started_at: datetime
    expected: tuple[str, ...] = ()  # serials expected when the session started
    found: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()  # codes seen that are not expected here
    state: InventoryState = InventoryState.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """Expected serials that were not found."""
        seen = set(self.found)
        return tuple(s for s in self.expected if s not in seen)


@dataclass
class Destruction:
    """Destruction of carriers (销毁, R10): approved and watched by two others."""

    id: str
    carriers: tuple[str, ...]
    requested_by: str
    requested_at: datetime
    place: str  # the designated destruction place
    method: str
    reason: str
    state: ApprovalState = ApprovalState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    witnesses: tuple[str, ...] = ()
    executed_at: datetime | None = None
    executed_by: str | None = None
    decision_note: str = ""


@dataclass
class LevelChange:
    """A request to change a carrier's level and period, or to declassify it before its
    period ends (R11), decided by an approver; approved, it is applied at once."""

    id: str
    carrier: str
    declassify: bool
    level: Level | None  # the new level and period (None when declassifying)
    period: SecrecyPeriod | None
    reason: str
    requested_by: str
    requested_at: datetime
    state: ApprovalState = ApprovalState.REQUESTED
    approver: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""


@dataclass
class Handover:
    """Carriers handed from a person leaving a post to a successor (移交, R12)."""

    id: str
    from_person: str
    to_person: str
    carriers: tuple[str, ...]
    at: datetime
    recorded_by: str
    approver: str | None = None  # only on handovers recorded before issue 10


class LossKind(str, Enum):
    """What went wrong (R13)."""

    LOSS = "loss"
    THEFT = "theft"
    LEAK = "leak"
    COMPUTER_LEAK = "computer_leak"


@dataclass
class LossReport:
    """A report of loss, theft or leak of a carrier (R13)."""

    id: str
    carrier: str
    kind: LossKind
    description: str
    discovered_at: datetime
    reported_at: datetime
    reported_by: str
    late: bool = False  # reported past the deadline (24 h for a computer leak)


class MovementSource(str, Enum):
    """What observed a movement."""

    RFID = "rfid"
    CAMERA = "camera"
    MANUAL = "manual"
    SAFE = "safe"


@dataclass
class Movement:
    """A carrier seen going from one place to another."""

    id: str
    carrier: str
    from_place: str | None
    to_place: str
    at: datetime
    door: str | None = None
    holder: str | None = None
    people: tuple[str, ...] = ()  # everyone whose badge was read with it
    source: MovementSource = MovementSource.MANUAL
    event_id: str | None = None  # the gateway's id, for idempotent ingest


class AlertType(str, Enum):
    """The alert catalogue of SPEC §6."""

    UNAUTHORIZED_REMOVAL = "unauthorized_removal"
    ESCORT_MISSING = "escort_missing"
    OVERDUE_BORROW = "overdue_borrow"
    NOT_LOCKED_AWAY = "not_locked_away"
    UNKNOWN_TAG = "unknown_tag"
    WRONG_HOLDER = "wrong_holder"
    INVENTORY_MISMATCH = "inventory_mismatch"
    READER_OFFLINE = "reader_offline"
    DECLASSIFICATION_DUE = "declassification_due"
    INVENTORY_DUE = "inventory_due"
    LOSS_REPORTED = "loss_reported"
    SHIELDED_TAG = "shielded_tag"
    LOGIN_FAILURES = "login_failures"  # a burst of failed password logins
    OUTPUT_OFFLINE = "output_offline"  # a door alarm's relay board stopped answering
    TABLE_STALE = "table_stale"  # a gateway decides on an old authorization table
    UNRECORDED_CONTACT = "unrecorded_contact"  # R16: top secret moved by someone unrecorded
    HANDLING_DUE = "handling_due"  # R18: a top-secret receipt's handling deadline is near
    HANDLING_OVERDUE = "handling_overdue"  # R18: … and has passed
    NOT_COLLECTED = "not_collected"  # R17: a meeting material not collected at the end
    LEFT_BEHIND = "left_behind"  # R17: a carrier found in a meeting room after the end
    SEAL_BROKEN = "seal_broken"  # R19: a carrier left a sealed safe
    SEAL_MISMATCH = "seal_mismatch"  # R19: unsealing found the contents changed


class Severity(str, Enum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertState(str, Enum):
    """Life of an alert."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class SubjectKind(str, Enum):
    """What an alert is about."""

    CARRIER = "carrier"
    PERSON = "person"
    READER = "reader"
    PLACE = "place"
    TAG = "tag"
    BORROW = "borrow"
    INVENTORY = "inventory"
    LOGIN = "login"  # a login name or a client address


@dataclass
class Alert:
    """A raised alert; one open alert per cause (``cause``), counting repeats."""

    id: str
    type: AlertType
    severity: Severity
    subject_kind: SubjectKind
    subject: str
    cause: str  # dedup key: one open alert per cause
    rule: str | None
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    state: AlertState = AlertState.OPEN
    details: dict[str, str] = field(default_factory=dict)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str = ""
    escalation: int = 0  # how far reminders have escalated (overdue borrows)


class DeliveryState(str, Enum):
    """Where a notification is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept and shown to officers


@dataclass
class Notification:
    """A message to one recipient over one channel, kept until delivered (an outbox row).
    A scheduled run's alerts for one recipient form one notification (a digest)."""

    id: str
    channel: str  # email / webhook
    recipient: str  # person id, or webhook id
    target: str  # email address or webhook URL
    subject: str
    body: str  # plain text for email, JSON for webhooks
    alerts: tuple[str, ...]
    created_at: datetime
    run: str = ""
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None
