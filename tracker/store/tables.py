"""Typed table mappings, one table per domain entity plus the ledger and counters.

Each entity table has exactly the entity's fields as columns, under the same names, so
one generic converter (:mod:`tracker.store.repositories`) maps rows to dataclasses and
back. Carriers also have a ``version`` column: updates check it, so a change based on a
stale read fails instead of silently overwriting someone else's.
"""

# No ``from __future__ import annotations`` here: SQLAlchemy would have to evaluate every
# ``Mapped[...]`` string again at import (a tenth of this module's import time, paid by
# every command that opens the database).
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from tracker.domain import accounts as acc
from tracker.domain import model as m
from tracker.domain import sessions as ses
from tracker.domain.attachments import Attachment
from tracker.domain.levels import Clearance, Level
from tracker.domain.period import SecrecyPeriod
from tracker.store.errors import DESCRIPTIONS
from tracker.store.types import (
    ChainData,
    EnumTuple,
    JSONDict,
    PeriodType,
    ScopeType,
    StrTuple,
    UTCDateTime,
    enum_column,
)


def _column_names(constraint: ColumnCollectionConstraint | Index, table: Table) -> str:
    """The ``column_0_N_name`` token: the constraint's columns' names joined by ``_``,
    as SQLAlchemy makes it, given as a function because SQLAlchemy's own lookup of the
    token costs a sixth of importing this module (measured for issue 16 goal 5)."""
    if isinstance(constraint, ForeignKeyConstraint):
        return "_".join(fk.parent.name for fk in constraint.elements)
    return "_".join(c.name for c in constraint.columns)


NAMING: dict[str, Any] = {
    "column_0_N_name": _column_names,
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        str: String(),
        datetime: UTCDateTime(),
        date: Date(),
        int: Integer(),
    }


# Made by migrations, not by these models (an FTS5 virtual table and its shadow tables on
# SQLite, operator-class indexes on PostgreSQL; migration 0013): the schema comparison
# leaves names starting with these alone.
NOT_IN_MODELS = ("carrier_search", "ix_carriers_serial_trgm", "ix_carriers_title_trgm")


def in_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: False for the objects of :data:`NOT_IN_MODELS`."""
    return not (name or "").startswith(NOT_IN_MODELS)


# --- entities ----------------------------------------------------------------------


class CarrierRow(Base):
    """:class:`tracker.domain.model.Carrier`."""

    __tablename__ = "carriers"
    __table_args__ = (
        Index(None, "received_on", "serial"),  # the receipt register
        # The dashboard counts carriers by state and level: a covering index keeps that a
        # scan of the index (8 ms at 100,000 carriers on SQLite) instead of the table (130 ms).
        Index(None, "state", "level"),
        # "Who holds what" lists the carriers out by holder then serial: the serials of
        # the first 50 come from this index alone (migration 0018), not from sorting
        # every carrier out.
        Index(None, "state", "holder", "serial"),
    )

    serial: Mapped[str] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    medium: Mapped[m.Medium] = mapped_column(enum_column(m.Medium))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    period: Mapped[SecrecyPeriod] = mapped_column(PeriodType)
    classified_on: Mapped[date]
    issuing_authority: Mapped[str]
    received_on: Mapped[date]
    received_from: Mapped[str]
    received_by: Mapped[str]
    copy_number: Mapped[int | None]
    total_copies: Mapped[int | None]
    pages: Mapped[int | None]
    scope: Mapped[m.KnowledgeScope] = mapped_column(ScopeType)
    home_room: Mapped[str | None]
    home_safe: Mapped[str | None]
    state: Mapped[m.CarrierState] = mapped_column(enum_column(m.CarrierState), index=True)
    location: Mapped[str | None] = mapped_column(index=True)
    holder: Mapped[str | None] = mapped_column(index=True)
    location_at: Mapped[datetime | None]
    epc: Mapped[str | None] = mapped_column(index=True, unique=True)
    labelled: Mapped[bool]
    original: Mapped[str | None] = mapped_column(index=True)
    container: Mapped[str | None] = mapped_column(index=True)
    notes: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PersonRow(Base):
    """:class:`tracker.domain.model.Person`."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    department: Mapped[str] = mapped_column(index=True)
    clearance: Mapped[Clearance] = mapped_column(enum_column(Clearance))
    role: Mapped[m.Role] = mapped_column(enum_column(m.Role))
    active: Mapped[bool]
    left_on: Mapped[date | None]
    decommission_until: Mapped[date | None]
    successor: Mapped[str | None]
    email: Mapped[str] = mapped_column(default="", server_default="")


class BadgeRow(Base):
    """:class:`tracker.domain.model.Badge`."""

    __tablename__ = "badges"

    code: Mapped[str] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(index=True)
    kind: Mapped[m.BadgeKind] = mapped_column(enum_column(m.BadgeKind))
    active: Mapped[bool]


class PlaceRow(Base):
    """:class:`tracker.domain.model.Place`."""

    __tablename__ = "places"

    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[m.PlaceKind] = mapped_column(enum_column(m.PlaceKind))
    name: Mapped[str]
    parent: Mapped[str | None] = mapped_column(index=True)
    max_level: Mapped[Level | None] = mapped_column(enum_column(Level))
    room_kind: Mapped[m.RoomKind | None] = mapped_column(enum_column(m.RoomKind))


class DoorRow(Base):
    """:class:`tracker.domain.model.Door`."""

    __tablename__ = "doors"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    inner: Mapped[str]
    outer: Mapped[str]
    exit: Mapped[bool]


class BorrowRow(Base):
    """:class:`tracker.domain.model.Borrow`."""

    __tablename__ = "borrows"
    __table_args__ = (
        Index(None, "state", "due_at"),
        Index(None, "checked_out_at", "id"),  # the borrow register, paged
        Index(None, "due_at", "id"),
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(index=True)
    borrower: Mapped[str] = mapped_column(index=True)
    destination: Mapped[str]
    purpose: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime]
    requested_by: Mapped[str]
    state: Mapped[m.BorrowState] = mapped_column(enum_column(m.BorrowState))
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text)
    checked_out_at: Mapped[datetime | None]
    checked_out_by: Mapped[str | None]
    returned_at: Mapped[datetime | None]
    returned_to: Mapped[str | None]
    circulation: Mapped[str | None] = mapped_column(index=True)


class CirculationRow(Base):
    """:class:`tracker.domain.model.Circulation`."""

    __tablename__ = "circulations"
    __table_args__ = (Index(None, "started_at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(index=True)
    readers: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    destination: Mapped[str]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    approver: Mapped[str | None]
    started_by: Mapped[str]
    urgent: Mapped[bool]
    next_index: Mapped[int]
    state: Mapped[m.CirculationState] = mapped_column(enum_column(m.CirculationState), index=True)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class CarryOutRow(Base):
    """:class:`tracker.domain.model.CarryOut`."""

    __tablename__ = "carry_outs"
    __table_args__ = (Index(None, "requested_at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    carriers: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    carrier_person: Mapped[str] = mapped_column(index=True)
    escorts: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    destination: Mapped[str]
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    vehicle: Mapped[str]
    state: Mapped[m.ApprovalState] = mapped_column(enum_column(m.ApprovalState), index=True)
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class CopyRequestRow(Base):
    """:class:`tracker.domain.model.CopyRequest`."""

    __tablename__ = "copy_requests"
    __table_args__ = (Index(None, "requested_at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    original: Mapped[str] = mapped_column(index=True)
    count: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    state: Mapped[m.ApprovalState] = mapped_column(enum_column(m.ApprovalState), index=True)
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    copies: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class InventoryRow(Base):
    """:class:`tracker.domain.model.Inventory`."""

    __tablename__ = "inventories"

    id: Mapped[str] = mapped_column(primary_key=True)
    places: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    levels: Mapped[tuple[Level, ...]] = mapped_column(EnumTuple(Level))
    started_by: Mapped[str]
    started_at: Mapped[datetime] = mapped_column(index=True)
    expected: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    found: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    unexpected: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    state: Mapped[m.InventoryState] = mapped_column(enum_column(m.InventoryState), index=True)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None]


class DestructionRow(Base):
    """:class:`tracker.domain.model.Destruction`."""

    __tablename__ = "destructions"
    __table_args__ = (Index(None, "executed_at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    carriers: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    place: Mapped[str]
    method: Mapped[str]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[m.ApprovalState] = mapped_column(enum_column(m.ApprovalState), index=True)
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    witnesses: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    executed_at: Mapped[datetime | None]
    executed_by: Mapped[str | None]
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class LevelChangeRow(Base):
    """:class:`tracker.domain.model.LevelChange`."""

    __tablename__ = "level_changes"

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(index=True)
    declassify: Mapped[bool]
    level: Mapped[Level | None] = mapped_column(enum_column(Level))
    period: Mapped[SecrecyPeriod | None] = mapped_column(PeriodType)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    state: Mapped[m.ApprovalState] = mapped_column(enum_column(m.ApprovalState), index=True)
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text)


class HandoverRow(Base):
    """:class:`tracker.domain.model.Handover`."""

    __tablename__ = "handovers"
    __table_args__ = (Index(None, "at", "id"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    from_person: Mapped[str] = mapped_column(index=True)
    to_person: Mapped[str] = mapped_column(index=True)
    carriers: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    at: Mapped[datetime]
    recorded_by: Mapped[str]
    approver: Mapped[str | None]


class LossReportRow(Base):
    """:class:`tracker.domain.model.LossReport`."""

    __tablename__ = "loss_reports"

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(index=True)
    kind: Mapped[m.LossKind] = mapped_column(enum_column(m.LossKind))
    description: Mapped[str] = mapped_column(Text)
    discovered_at: Mapped[datetime]
    reported_at: Mapped[datetime]
    reported_by: Mapped[str]
    late: Mapped[bool]


class MovementRow(Base):
    """:class:`tracker.domain.model.Movement`."""

    __tablename__ = "movements"
    __table_args__ = (Index(None, "carrier", "at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    carrier: Mapped[str]
    from_place: Mapped[str | None]
    to_place: Mapped[str]
    at: Mapped[datetime] = mapped_column(index=True)
    door: Mapped[str | None]
    holder: Mapped[str | None]
    people: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    source: Mapped[m.MovementSource] = mapped_column(enum_column(m.MovementSource))
    event_id: Mapped[str | None] = mapped_column(index=True)  # unique per device only


class AlertRow(Base):
    """:class:`tracker.domain.model.Alert`."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "cause", "state"),
        Index(None, "state", "last_seen"),
        Index(None, "first_seen", "id"),  # the monthly statistics
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[m.AlertType] = mapped_column(enum_column(m.AlertType))
    severity: Mapped[m.Severity] = mapped_column(enum_column(m.Severity))
    subject_kind: Mapped[m.SubjectKind] = mapped_column(enum_column(m.SubjectKind))
    subject: Mapped[str] = mapped_column(index=True)
    cause: Mapped[str]
    rule: Mapped[str | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    count: Mapped[int]
    state: Mapped[m.AlertState] = mapped_column(enum_column(m.AlertState))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDict)
    acknowledged_by: Mapped[str | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text)
    escalation: Mapped[int]


class NotificationRow(Base):
    """:class:`tracker.domain.model.Notification` (the delivery outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    channel: Mapped[str]
    recipient: Mapped[str] = mapped_column(index=True)
    target: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str] = mapped_column(Text)
    alerts: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    created_at: Mapped[datetime]
    run: Mapped[str] = mapped_column(index=True)
    state: Mapped[m.DeliveryState] = mapped_column(enum_column(m.DeliveryState))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class AttachmentRow(Base):
    """:class:`tracker.domain.attachments.Attachment` (files sent with a notification)."""

    __tablename__ = "notification_attachments"

    id: Mapped[str] = mapped_column(primary_key=True)
    notification: Mapped[str] = mapped_column(index=True)
    filename: Mapped[str]
    content_type: Mapped[str]
    kind: Mapped[str]
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


# --- logins --------------------------------------------------------------------------


class UserRow(Base):
    """:class:`tracker.domain.accounts.User`."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(index=True)
    password_hash: Mapped[str]
    created_at: Mapped[datetime]
    created_by: Mapped[str]
    active: Mapped[bool]
    password_changed_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(default=0, server_default="0")


class DeviceRow(Base):
    """:class:`tracker.domain.accounts.Device`."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(primary_key=True)
    places: Mapped[tuple[str, ...]] = mapped_column(StrTuple)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[str]
    active: Mapped[bool]
    metrics: Mapped[bool]


class ConsoleSessionRow(Base):
    """:class:`tracker.domain.sessions.ConsoleSession` (the web console's logins)."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(index=True)
    person: Mapped[str] = mapped_column(index=True)
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str]
    address: Mapped[str]
    agent: Mapped[str]
    generation: Mapped[int] = mapped_column(default=0, server_default="0")


# --- the ledger, counters and settings ------------------------------------------------


class _ChainEntry:
    """The columns of a sealed chain entry (:class:`tracker.domain.ledger.Entry`)."""

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    action: Mapped[str]
    at: Mapped[datetime]
    actor: Mapped[str]
    carrier: Mapped[str | None] = mapped_column(index=True)
    approver: Mapped[str | None]
    from_place: Mapped[str | None]
    to_place: Mapped[str | None]
    reason: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(ChainData)  # canonical JSON text
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True, unique=True)
    mac: Mapped[str] = mapped_column(String(64))


class _ChainHead:
    """The head of a chain (single row, id 1): count, last hash and their HMAC."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class LedgerEntryRow(_ChainEntry, Base):
    """One sealed entry of the custody ledger (never updated or deleted)."""

    __tablename__ = "ledger_entries"


class LedgerHeadRow(_ChainHead, Base):
    """The custody ledger's head."""

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class AdminLogEntryRow(_ChainEntry, Base):
    """One sealed entry of the administration log (never updated or deleted); read by
    actor, action and time."""

    __tablename__ = "admin_log_entries"
    __table_args__ = (Index(None, "actor", "seq"), Index(None, "action", "seq"), Index(None, "at"))


class AdminLogHeadRow(_ChainHead, Base):
    """The administration log's head."""

    __tablename__ = "admin_log_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class LoginThrottleRow(Base):
    """Failed password logins per (case-folded user name, client address): shared by
    every worker and server on the database."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(primary_key=True)
    failures: Mapped[int]
    last_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime]


class SerialCounterRow(Base):
    """The next serial number per prefix and year."""

    __tablename__ = "serial_counters"

    prefix: Mapped[str] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    next: Mapped[int]


class EpcCounterRow(Base):
    """The next EPC asset reference (single row, id 1)."""

    __tablename__ = "epc_counter"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    next: Mapped[int]


class EpcRegistryRow(Base):
    """Every EPC ever written to a tag and its carrier; rows are never deleted."""

    __tablename__ = "epc_registry"

    epc: Mapped[str] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(index=True)
    claimed_at: Mapped[datetime]


class IngestRow(Base):
    """A gateway event already applied, with the answer given (idempotent ingest)."""

    __tablename__ = "ingest_log"

    # Event ids are the gateway's own: unique per device, not across devices.
    source: Mapped[str] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(primary_key=True)
    answer: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)
    digest: Mapped[str] = mapped_column(String(64), default="", server_default="")


class SettingRow(Base):
    """A small named document (the loaded site file, run marks)."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


# The entity each table stores, and the field that is its key.
ENTITY_ROWS: dict[type[Any], type[Base]] = {
    m.Carrier: CarrierRow,
    m.Person: PersonRow,
    m.Badge: BadgeRow,
    m.Place: PlaceRow,
    m.Door: DoorRow,
    m.Borrow: BorrowRow,
    m.Circulation: CirculationRow,
    m.CarryOut: CarryOutRow,
    m.CopyRequest: CopyRequestRow,
    m.Inventory: InventoryRow,
    m.Destruction: DestructionRow,
    m.LevelChange: LevelChangeRow,
    m.Handover: HandoverRow,
    m.LossReport: LossReportRow,
    m.Movement: MovementRow,
    m.Alert: AlertRow,
    m.Notification: NotificationRow,
    Attachment: AttachmentRow,
    acc.User: UserRow,
    acc.Device: DeviceRow,
    ses.ConsoleSession: ConsoleSessionRow,
}

DESCRIPTIONS.update(
    {
        "carriers.serial": ("a carrier with this serial number", "该编号的载体"),
        "carriers.epc": ("a carrier with this EPC", "使用该EPC的载体"),
        "people.id": ("a person with this staff number", "该工号的人员"),
        "badges.code": ("a badge with this code", "该卡号的证卡"),
        "places.id": ("a place with this id", "该编号的场所"),
        "doors.id": ("a door with this id", "该编号的门"),
        "epc_registry.epc": ("this EPC (EPCs are never reused)", "该EPC（EPC不可重复使用）"),
        "ledger_entries.seq": ("a ledger entry with this number", "该序号的台账记录"),
        "ledger_entries.hash": ("a ledger entry with this hash", "该哈希的台账记录"),
        "settings.name": ("a setting with this name", "该名称的设置"),
        "ingest_log.source,event_id": ("this gateway event", "该网关事件"),
        "admin_log_entries.seq": (
            "an administration-log entry with this number",
            "该序号的管理日志",
        ),
        "admin_log_entries.hash": (
            "an administration-log entry with this hash",
            "该哈希的管理日志",
        ),
        "users.username": ("a user with this name", "该用户名的用户"),
        "devices.id": ("a device with this id", "该编号的设备"),
    }
)

# Tables kept in their own modules, imported here so the metadata knows every table.
from tracker.store import disclosure as _disclosure  # noqa: E402
from tracker.store import evidence as _evidence  # noqa: E402, F401
from tracker.store import meetings_seals as _meetings_seals  # noqa: E402, F401
from tracker.store import stream as _stream  # noqa: E402, F401

ENTITY_ROWS.update(_disclosure.ROWS)
DESCRIPTIONS.update(
    {"handlings.carrier": ("a handling deadline for this carrier", "该载体的办理期限")}
)
