"""The ORM classes of the tables of :mod:`tracker.store.schema`, one per table, mapped
onto those Core tables (declarative with ``__table__``): the columns, their types and
indexes are defined there, once; the ``Mapped[...]`` annotations here only type the
classes' attributes (``CarrierRow.serial``) for the code and for mypy. A command that
only reads uses the Core tables and never imports this module (issue 16 goal 5).
"""

# No ``from __future__ import annotations`` here: SQLAlchemy would have to evaluate every
# ``Mapped[...]`` string again at import (a tenth of this module's import time, paid by
# every command that writes).
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped

from tracker.domain import model as m
from tracker.domain.levels import Clearance, Level
from tracker.domain.period import SecrecyPeriod
from tracker.store import schema
from tracker.store.errors import DESCRIPTIONS


class Base(DeclarativeBase):
    """Declarative base of every table: its metadata is :data:`tracker.store.schema.metadata`."""

    metadata = schema.metadata


# --- entities ----------------------------------------------------------------------


class CarrierRow(Base):
    """:class:`tracker.domain.model.Carrier`."""

    __table__ = schema.carriers

    serial: Mapped[str]
    title: Mapped[str]
    medium: Mapped[m.Medium]
    level: Mapped[Level]
    period: Mapped[SecrecyPeriod]
    classified_on: Mapped[date]
    issuing_authority: Mapped[str]
    received_on: Mapped[date]
    received_from: Mapped[str]
    received_by: Mapped[str]
    copy_number: Mapped[int | None]
    total_copies: Mapped[int | None]
    pages: Mapped[int | None]
    scope: Mapped[m.KnowledgeScope]
    home_room: Mapped[str | None]
    home_safe: Mapped[str | None]
    state: Mapped[m.CarrierState]
    location: Mapped[str | None]
    holder: Mapped[str | None]
    location_at: Mapped[datetime | None]
    epc: Mapped[str | None]
    labelled: Mapped[bool]
    original: Mapped[str | None]
    container: Mapped[str | None]
    notes: Mapped[str]
    version: Mapped[int]

    __mapper_args__ = {"version_id_col": schema.carriers.c.version}  # noqa: RUF012


class PersonRow(Base):
    """:class:`tracker.domain.model.Person`."""

    __table__ = schema.people

    id: Mapped[str]
    name: Mapped[str]
    department: Mapped[str]
    clearance: Mapped[Clearance]
    role: Mapped[m.Role]
    active: Mapped[bool]
    left_on: Mapped[date | None]
    decommission_until: Mapped[date | None]
    successor: Mapped[str | None]
    email: Mapped[str]


class BadgeRow(Base):
    """:class:`tracker.domain.model.Badge`."""

    __table__ = schema.badges

    code: Mapped[str]
    person: Mapped[str]
    kind: Mapped[m.BadgeKind]
    active: Mapped[bool]


class PlaceRow(Base):
    """:class:`tracker.domain.model.Place`."""

    __table__ = schema.places

    id: Mapped[str]
    kind: Mapped[m.PlaceKind]
    name: Mapped[str]
    parent: Mapped[str | None]
    max_level: Mapped[Level | None]
    room_kind: Mapped[m.RoomKind | None]


class DoorRow(Base):
    """:class:`tracker.domain.model.Door`."""

    __table__ = schema.doors

    id: Mapped[str]
    name: Mapped[str]
    inner: Mapped[str]
    outer: Mapped[str]
    exit: Mapped[bool]


class BorrowRow(Base):
    """:class:`tracker.domain.model.Borrow`."""

    __table__ = schema.borrows

    id: Mapped[str]
    carrier: Mapped[str]
    borrower: Mapped[str]
    destination: Mapped[str]
    purpose: Mapped[str]
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime]
    requested_by: Mapped[str]
    state: Mapped[m.BorrowState]
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str]
    checked_out_at: Mapped[datetime | None]
    checked_out_by: Mapped[str | None]
    returned_at: Mapped[datetime | None]
    returned_to: Mapped[str | None]
    circulation: Mapped[str | None]


class CirculationRow(Base):
    """:class:`tracker.domain.model.Circulation`."""

    __table__ = schema.circulations

    id: Mapped[str]
    carrier: Mapped[str]
    readers: Mapped[tuple[str, ...]]
    destination: Mapped[str]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    approver: Mapped[str | None]
    started_by: Mapped[str]
    urgent: Mapped[bool]
    next_index: Mapped[int]
    state: Mapped[m.CirculationState]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str]


class CarryOutRow(Base):
    """:class:`tracker.domain.model.CarryOut`."""

    __table__ = schema.carry_outs

    id: Mapped[str]
    carriers: Mapped[tuple[str, ...]]
    carrier_person: Mapped[str]
    escorts: Mapped[tuple[str, ...]]
    destination: Mapped[str]
    reason: Mapped[str]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    vehicle: Mapped[str]
    state: Mapped[m.ApprovalState]
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    decision_note: Mapped[str]


class CopyRequestRow(Base):
    """:class:`tracker.domain.model.CopyRequest`."""

    __table__ = schema.copy_requests

    id: Mapped[str]
    original: Mapped[str]
    count: Mapped[int]
    reason: Mapped[str]
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    state: Mapped[m.ApprovalState]
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    copies: Mapped[tuple[str, ...]]
    decision_note: Mapped[str]


class InventoryRow(Base):
    """:class:`tracker.domain.model.Inventory`."""

    __table__ = schema.inventories

    id: Mapped[str]
    places: Mapped[tuple[str, ...]]
    levels: Mapped[tuple[Level, ...]]
    started_by: Mapped[str]
    started_at: Mapped[datetime]
    expected: Mapped[tuple[str, ...]]
    found: Mapped[tuple[str, ...]]
    unexpected: Mapped[tuple[str, ...]]
    state: Mapped[m.InventoryState]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None]


class DestructionRow(Base):
    """:class:`tracker.domain.model.Destruction`."""

    __table__ = schema.destructions

    id: Mapped[str]
    carriers: Mapped[tuple[str, ...]]
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    place: Mapped[str]
    method: Mapped[str]
    reason: Mapped[str]
    state: Mapped[m.ApprovalState]
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    witnesses: Mapped[tuple[str, ...]]
    executed_at: Mapped[datetime | None]
    executed_by: Mapped[str | None]
    decision_note: Mapped[str]


class LevelChangeRow(Base):
    """:class:`tracker.domain.model.LevelChange`."""

    __table__ = schema.level_changes

    id: Mapped[str]
    carrier: Mapped[str]
    declassify: Mapped[bool]
    level: Mapped[Level | None]
    period: Mapped[SecrecyPeriod | None]
    reason: Mapped[str]
    requested_by: Mapped[str]
    requested_at: Mapped[datetime]
    state: Mapped[m.ApprovalState]
    approver: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str]


class HandoverRow(Base):
    """:class:`tracker.domain.model.Handover`."""

    __table__ = schema.handovers

    id: Mapped[str]
    from_person: Mapped[str]
    to_person: Mapped[str]
    carriers: Mapped[tuple[str, ...]]
    at: Mapped[datetime]
    recorded_by: Mapped[str]
    approver: Mapped[str | None]


class LossReportRow(Base):
    """:class:`tracker.domain.model.LossReport`."""

    __table__ = schema.loss_reports

    id: Mapped[str]
    carrier: Mapped[str]
    kind: Mapped[m.LossKind]
    description: Mapped[str]
    discovered_at: Mapped[datetime]
    reported_at: Mapped[datetime]
    reported_by: Mapped[str]
    late: Mapped[bool]


class MovementRow(Base):
    """:class:`tracker.domain.model.Movement`."""

    __table__ = schema.movements

    id: Mapped[str]
    carrier: Mapped[str]
    from_place: Mapped[str | None]
    to_place: Mapped[str]
    at: Mapped[datetime]
    door: Mapped[str | None]
    holder: Mapped[str | None]
    people: Mapped[tuple[str, ...]]
    source: Mapped[m.MovementSource]
    event_id: Mapped[str | None]  # unique per device only


class AlertRow(Base):
    """:class:`tracker.domain.model.Alert`."""

    __table__ = schema.alerts

    id: Mapped[str]
    type: Mapped[m.AlertType]
    severity: Mapped[m.Severity]
    subject_kind: Mapped[m.SubjectKind]
    subject: Mapped[str]
    cause: Mapped[str]
    rule: Mapped[str | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    count: Mapped[int]
    state: Mapped[m.AlertState]
    details: Mapped[dict[str, Any]]
    acknowledged_by: Mapped[str | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str]
    escalation: Mapped[int]


class NotificationRow(Base):
    """:class:`tracker.domain.model.Notification` (the delivery outbox)."""

    __table__ = schema.notifications

    id: Mapped[str]
    channel: Mapped[str]
    recipient: Mapped[str]
    target: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str]
    alerts: Mapped[tuple[str, ...]]
    created_at: Mapped[datetime]
    run: Mapped[str]
    state: Mapped[m.DeliveryState]
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str]
    sent_at: Mapped[datetime | None]


class AttachmentRow(Base):
    """:class:`tracker.domain.attachments.Attachment` (files sent with a notification)."""

    __table__ = schema.notification_attachments

    id: Mapped[str]
    notification: Mapped[str]
    filename: Mapped[str]
    content_type: Mapped[str]
    kind: Mapped[str]
    data: Mapped[str]
    created_at: Mapped[datetime]


# --- logins --------------------------------------------------------------------------


class UserRow(Base):
    """:class:`tracker.domain.accounts.User`."""

    __table__ = schema.users

    username: Mapped[str]
    person: Mapped[str]
    password_hash: Mapped[str]
    created_at: Mapped[datetime]
    created_by: Mapped[str]
    active: Mapped[bool]
    password_changed_at: Mapped[datetime | None]
    generation: Mapped[int]


class DeviceRow(Base):
    """:class:`tracker.domain.accounts.Device`."""

    __table__ = schema.devices

    id: Mapped[str]
    places: Mapped[tuple[str, ...]]
    token_hash: Mapped[str]
    created_at: Mapped[datetime]
    created_by: Mapped[str]
    active: Mapped[bool]
    metrics: Mapped[bool]


class ConsoleSessionRow(Base):
    """:class:`tracker.domain.sessions.ConsoleSession` (the web console's logins)."""

    __table__ = schema.console_sessions

    id: Mapped[str]
    username: Mapped[str]
    person: Mapped[str]
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str]
    address: Mapped[str]
    agent: Mapped[str]
    generation: Mapped[int]


# --- the ledger, counters and settings ------------------------------------------------


class _ChainEntry:
    """The columns of a sealed chain entry (:class:`tracker.domain.ledger.Entry`)."""

    seq: Mapped[int]
    action: Mapped[str]
    at: Mapped[datetime]
    actor: Mapped[str]
    carrier: Mapped[str | None]
    approver: Mapped[str | None]
    from_place: Mapped[str | None]
    to_place: Mapped[str | None]
    reason: Mapped[str]
    data: Mapped[dict[str, Any]]  # canonical JSON text
    prev_hash: Mapped[str]
    hash: Mapped[str]
    mac: Mapped[str]


class _ChainHead:
    """The head of a chain (single row, id 1): count, last hash and their HMAC."""

    id: Mapped[int]
    count: Mapped[int]
    last_hash: Mapped[str]
    mac: Mapped[str]


class LedgerEntryRow(_ChainEntry, Base):
    """One sealed entry of the custody ledger (never updated or deleted)."""

    __table__ = schema.ledger_entries


class LedgerHeadRow(_ChainHead, Base):
    """The custody ledger's head."""

    __table__ = schema.ledger_head


class AdminLogEntryRow(_ChainEntry, Base):
    """One sealed entry of the administration log (never updated or deleted); read by
    actor, action and time."""

    __table__ = schema.admin_log_entries


class AdminLogHeadRow(_ChainHead, Base):
    """The administration log's head."""

    __table__ = schema.admin_log_head


class LoginThrottleRow(Base):
    """Failed password logins per (case-folded user name, client address): shared by
    every worker and server on the database."""

    __table__ = schema.login_throttle

    username: Mapped[str]
    client: Mapped[str]
    failures: Mapped[int]
    last_at: Mapped[datetime]
    blocked_until: Mapped[datetime]


class SerialCounterRow(Base):
    """The next serial number per prefix and year."""

    __table__ = schema.serial_counters

    prefix: Mapped[str]
    year: Mapped[int]
    next: Mapped[int]


class EpcCounterRow(Base):
    """The next EPC asset reference (single row, id 1)."""

    __table__ = schema.epc_counter

    id: Mapped[int]
    next: Mapped[int]


class EpcRegistryRow(Base):
    """Every EPC ever written to a tag and its carrier; rows are never deleted."""

    __table__ = schema.epc_registry

    epc: Mapped[str]
    serial: Mapped[str]
    claimed_at: Mapped[datetime]


class IngestRow(Base):
    """A gateway event already applied, with the answer given (idempotent ingest)."""

    __table__ = schema.ingest_log

    # Event ids are the gateway's own: unique per device, not across devices.
    source: Mapped[str]
    event_id: Mapped[str]
    answer: Mapped[str]
    at: Mapped[datetime]
    digest: Mapped[str]


class SettingRow(Base):
    """A small named document (the loaded site file, run marks)."""

    __table__ = schema.settings

    name: Mapped[str]
    text: Mapped[str]
    updated_at: Mapped[datetime]


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

# Classes kept in their own modules, imported here so that every table is mapped.
from tracker.store import disclosure as _disclosure  # noqa: E402, F401
from tracker.store import evidence as _evidence  # noqa: E402, F401
from tracker.store import meetings_seals as _meetings_seals  # noqa: E402, F401
from tracker.store import stream as _stream  # noqa: E402, F401

# The ORM class of each entity (the entity's table, :data:`schema.ENTITY_TABLES`, mapped).
_MAPPED = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
ENTITY_ROWS: dict[type[Any], type[Base]] = {
    entity: _MAPPED[table] for entity, table in schema.ENTITY_TABLES.items()
}
DESCRIPTIONS.update(
    {"handlings.carrier": ("a handling deadline for this carrier", "该载体的办理期限")}
)
