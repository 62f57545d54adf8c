"""The database's tables as SQLAlchemy Core :class:`~sqlalchemy.Table` objects, one per
domain entity plus the ledger, the administration log, counters and settings.

Each entity table has exactly the entity's fields as columns, under the same names, so
one generic converter (:mod:`tracker.store.repositories`) maps rows to dataclasses and
back. Carriers also have a ``version`` column: updates check it, so a change based on a
stale read fails instead of silently overwriting someone else's.

This module imports SQLAlchemy Core only: a command that only reads (``tracker audit
head``, ``tracker carrier show``) reads through these tables without importing the ORM or
mapping a class, a third of its start (issue 16 goal 5). The ORM classes of
:mod:`tracker.store.tables` are mapped onto these same tables; the migrations
(``tracker/store/migrations``) must make exactly this schema (``tests/store/
test_migrations.py`` compares them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.sql.schema import ColumnCollectionConstraint, SchemaItem

from tracker.domain import accounts as acc
from tracker.domain import disclosure as d
from tracker.domain import model as m
from tracker.domain import sessions as ses
from tracker.domain.attachments import Attachment
from tracker.domain.levels import Clearance, Level
from tracker.domain.meetings import Handout, HandoutState, Meeting, MeetingState
from tracker.domain.seals import Seal, SealState
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
    token costs a sixth of importing the tables (measured for issue 16 goal 5)."""
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

metadata = MetaData(naming_convention=NAMING)

# Made by migrations, not by these tables (an FTS5 virtual table and its shadow tables on
# SQLite, operator-class indexes on PostgreSQL; migration 0013): the schema comparison
# leaves names starting with these alone.
NOT_IN_MODELS = ("carrier_search", "ix_carriers_serial_trgm", "ix_carriers_title_trgm")


def in_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: False for the objects of :data:`NOT_IN_MODELS`."""
    return not (name or "").startswith(NOT_IN_MODELS)


# --- entities ----------------------------------------------------------------------

carriers = Table(
    "carriers",
    metadata,
    Column("serial", String(), primary_key=True),
    Column("title", Text, nullable=False),
    Column("medium", enum_column(m.Medium), nullable=False),
    Column("level", enum_column(Level), nullable=False),
    Column("period", PeriodType, nullable=False),
    Column("classified_on", Date(), nullable=False),
    Column("issuing_authority", String(), nullable=False),
    Column("received_on", Date(), nullable=False),
    Column("received_from", String(), nullable=False),
    Column("received_by", String(), nullable=False),
    Column("copy_number", Integer()),
    Column("total_copies", Integer()),
    Column("pages", Integer()),
    Column("scope", ScopeType, nullable=False),
    Column("home_room", String()),
    Column("home_safe", String()),
    Column("state", enum_column(m.CarrierState), index=True, nullable=False),
    Column("location", String(), index=True),
    Column("holder", String(), index=True),
    Column("location_at", UTCDateTime()),
    Column("epc", String(), index=True, unique=True),
    Column("labelled", Boolean(), nullable=False),
    Column("original", String(), index=True),
    Column("container", String(), index=True),
    Column("notes", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Index(None, "received_on", "serial"),  # the receipt register
    # The dashboard counts carriers by state and level: a covering index keeps that a
    # scan of the index (8 ms at 100,000 carriers on SQLite) instead of the table (130 ms).
    Index(None, "state", "level"),
    # "Who holds what" lists the carriers out by holder then serial: the serials of
    # the first 50 come from this index alone (migration 0018), not from sorting
    # every carrier out.
    Index(None, "state", "holder", "serial"),
)


people = Table(
    "people",
    metadata,
    Column("id", String(), primary_key=True),
    Column("name", String(), nullable=False),
    Column("department", String(), index=True, nullable=False),
    Column("clearance", enum_column(Clearance), nullable=False),
    Column("role", enum_column(m.Role), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("left_on", Date()),
    Column("decommission_until", Date()),
    Column("successor", String()),
    Column("email", String(), default="", server_default="", nullable=False),
)


badges = Table(
    "badges",
    metadata,
    Column("code", String(), primary_key=True),
    Column("person", String(), index=True, nullable=False),
    Column("kind", enum_column(m.BadgeKind), nullable=False),
    Column("active", Boolean(), nullable=False),
)


places = Table(
    "places",
    metadata,
    Column("id", String(), primary_key=True),
    Column("kind", enum_column(m.PlaceKind), nullable=False),
    Column("name", String(), nullable=False),
    Column("parent", String(), index=True),
    Column("max_level", enum_column(Level)),
    Column("room_kind", enum_column(m.RoomKind)),
)


doors = Table(
    "doors",
    metadata,
    Column("id", String(), primary_key=True),
    Column("name", String(), nullable=False),
    Column("inner", String(), nullable=False),
    Column("outer", String(), nullable=False),
    Column("exit", Boolean(), nullable=False),
)


borrows = Table(
    "borrows",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), index=True, nullable=False),
    Column("borrower", String(), index=True, nullable=False),
    Column("destination", String(), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("requested_by", String(), nullable=False),
    Column("state", enum_column(m.BorrowState), nullable=False),
    Column("approver", String()),
    Column("decided_at", UTCDateTime()),
    Column("decision_note", Text, nullable=False),
    Column("checked_out_at", UTCDateTime()),
    Column("checked_out_by", String()),
    Column("returned_at", UTCDateTime()),
    Column("returned_to", String()),
    Column("circulation", String(), index=True),
    Index(None, "state", "due_at"),
    Index(None, "checked_out_at", "id"),  # the borrow register, paged
    Index(None, "due_at", "id"),
)


circulations = Table(
    "circulations",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), index=True, nullable=False),
    Column("readers", StrTuple, nullable=False),
    Column("destination", String(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("approver", String()),
    Column("started_by", String(), nullable=False),
    Column("urgent", Boolean(), nullable=False),
    Column("next_index", Integer(), nullable=False),
    Column("state", enum_column(m.CirculationState), index=True, nullable=False),
    Column("decided_at", UTCDateTime()),
    Column("decision_note", Text, default="", server_default="", nullable=False),
    Index(None, "started_at", "id"),
)


carry_outs = Table(
    "carry_outs",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carriers", StrTuple, nullable=False),
    Column("carrier_person", String(), index=True, nullable=False),
    Column("escorts", StrTuple, nullable=False),
    Column("destination", String(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("valid_from", UTCDateTime(), nullable=False),
    Column("valid_until", UTCDateTime(), nullable=False),
    Column("requested_by", String(), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("vehicle", String(), nullable=False),
    Column("state", enum_column(m.ApprovalState), index=True, nullable=False),
    Column("approver", String()),
    Column("decided_at", UTCDateTime()),
    Column("returned_at", UTCDateTime()),
    Column("decision_note", Text, default="", server_default="", nullable=False),
    Index(None, "requested_at", "id"),
)


copy_requests = Table(
    "copy_requests",
    metadata,
    Column("id", String(), primary_key=True),
    Column("original", String(), index=True, nullable=False),
    Column("count", Integer(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("state", enum_column(m.ApprovalState), index=True, nullable=False),
    Column("approver", String()),
    Column("decided_at", UTCDateTime()),
    Column("copies", StrTuple, nullable=False),
    Column("decision_note", Text, default="", server_default="", nullable=False),
    Index(None, "requested_at", "id"),
)


inventories = Table(
    "inventories",
    metadata,
    Column("id", String(), primary_key=True),
    Column("places", StrTuple, nullable=False),
    Column("levels", EnumTuple(Level), nullable=False),
    Column("started_by", String(), nullable=False),
    Column("started_at", UTCDateTime(), index=True, nullable=False),
    Column("expected", StrTuple, nullable=False),
    Column("found", StrTuple, nullable=False),
    Column("unexpected", StrTuple, nullable=False),
    Column("state", enum_column(m.InventoryState), index=True, nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("closed_by", String()),
)


destructions = Table(
    "destructions",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carriers", StrTuple, nullable=False),
    Column("requested_by", String(), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("place", String(), nullable=False),
    Column("method", String(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", enum_column(m.ApprovalState), index=True, nullable=False),
    Column("approver", String()),
    Column("decided_at", UTCDateTime()),
    Column("witnesses", StrTuple, nullable=False),
    Column("executed_at", UTCDateTime()),
    Column("executed_by", String()),
    Column("decision_note", Text, default="", server_default="", nullable=False),
    Index(None, "executed_at", "id"),
)


level_changes = Table(
    "level_changes",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), index=True, nullable=False),
    Column("declassify", Boolean(), nullable=False),
    Column("level", enum_column(Level)),
    Column("period", PeriodType),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("state", enum_column(m.ApprovalState), index=True, nullable=False),
    Column("approver", String()),
    Column("decided_at", UTCDateTime()),
    Column("decision_note", Text, nullable=False),
)


handovers = Table(
    "handovers",
    metadata,
    Column("id", String(), primary_key=True),
    Column("from_person", String(), index=True, nullable=False),
    Column("to_person", String(), index=True, nullable=False),
    Column("carriers", StrTuple, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(), nullable=False),
    Column("approver", String()),
    Index(None, "at", "id"),
)


loss_reports = Table(
    "loss_reports",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), index=True, nullable=False),
    Column("kind", enum_column(m.LossKind), nullable=False),
    Column("description", Text, nullable=False),
    Column("discovered_at", UTCDateTime(), nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("reported_by", String(), nullable=False),
    Column("late", Boolean(), nullable=False),
)


movements = Table(
    "movements",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), nullable=False),
    Column("from_place", String()),
    Column("to_place", String(), nullable=False),
    Column("at", UTCDateTime(), index=True, nullable=False),
    Column("door", String()),
    Column("holder", String()),
    Column("people", StrTuple, nullable=False),
    Column("source", enum_column(m.MovementSource), nullable=False),
    Column("event_id", String(), index=True),  # unique per device only
    Index(None, "carrier", "at"),
)


alerts = Table(
    "alerts",
    metadata,
    Column("id", String(), primary_key=True),
    Column("type", enum_column(m.AlertType), nullable=False),
    Column("severity", enum_column(m.Severity), nullable=False),
    Column("subject_kind", enum_column(m.SubjectKind), nullable=False),
    Column("subject", String(), index=True, nullable=False),
    Column("cause", String(), nullable=False),
    Column("rule", String()),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("count", Integer(), nullable=False),
    Column("state", enum_column(m.AlertState), nullable=False),
    Column("details", JSONDict, nullable=False),
    Column("acknowledged_by", String()),
    Column("acknowledged_at", UTCDateTime()),
    Column("resolved_by", String()),
    Column("resolved_at", UTCDateTime()),
    Column("note", Text, nullable=False),
    Column("escalation", Integer(), nullable=False),
    Index(None, "cause", "state"),
    Index(None, "state", "last_seen"),
    Index(None, "first_seen", "id"),  # the monthly statistics
)


# The notification delivery outbox (:class:`tracker.domain.model.Notification`).
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(), primary_key=True),
    Column("channel", String(), nullable=False),
    Column("recipient", String(), index=True, nullable=False),
    Column("target", String(), nullable=False),
    Column("subject", String(), nullable=False),
    Column("body", Text, nullable=False),
    Column("alerts", StrTuple, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("run", String(), index=True, nullable=False),
    Column("state", enum_column(m.DeliveryState), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime()),
    Column("last_error", Text, nullable=False),
    Column("sent_at", UTCDateTime()),
    Index(None, "state", "next_attempt_at"),
)


# Files sent with a notification (:class:`tracker.domain.attachments.Attachment`).
notification_attachments = Table(
    "notification_attachments",
    metadata,
    Column("id", String(), primary_key=True),
    Column("notification", String(), index=True, nullable=False),
    Column("filename", String(), nullable=False),
    Column("content_type", String(), nullable=False),
    Column("kind", String(), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


users = Table(
    "users",
    metadata,
    Column("username", String(), primary_key=True),
    Column("person", String(), index=True, nullable=False),
    Column("password_hash", String(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("password_changed_at", UTCDateTime()),
    Column("generation", Integer(), default=0, server_default="0", nullable=False),
)


devices = Table(
    "devices",
    metadata,
    Column("id", String(), primary_key=True),
    Column("places", StrTuple, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("metrics", Boolean(), nullable=False),
)


console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(), index=True, nullable=False),
    Column("person", String(), index=True, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("end_reason", String(), nullable=False),
    Column("address", String(), nullable=False),
    Column("agent", String(), nullable=False),
    Column("generation", Integer(), default=0, server_default="0", nullable=False),
)


# --- the ledger and the administration log --------------------------------------------


def _entry_columns() -> list[Column[Any]]:
    """The columns of a sealed chain entry (:class:`tracker.domain.ledger.Entry`)."""
    return [
        Column("seq", Integer(), primary_key=True, autoincrement=False),
        Column("action", String(), nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(), nullable=False),
        Column("carrier", String(), index=True),
        Column("approver", String()),
        Column("from_place", String()),
        Column("to_place", String()),
        Column("reason", Text, nullable=False),
        Column("data", ChainData, nullable=False),  # canonical JSON text
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), index=True, unique=True, nullable=False),
        Column("mac", String(64), nullable=False),
    ]


def _head_columns() -> list[SchemaItem]:
    """The head of a chain (single row, id 1): count, last hash and their HMAC."""
    return [
        Column("id", Integer(), primary_key=True, autoincrement=False),
        Column("count", Integer(), nullable=False),
        Column("last_hash", String(64), nullable=False),
        Column("mac", String(64), nullable=False),
        CheckConstraint("id = 1", name="single_row"),
    ]


# One sealed entry of the custody ledger (never updated or deleted), and its head.
ledger_entries = Table("ledger_entries", metadata, *_entry_columns())
ledger_head = Table("ledger_head", metadata, *_head_columns())

# One sealed entry of the administration log (never updated or deleted), read by actor,
# action and time; and its head.
admin_log_entries = Table(
    "admin_log_entries",
    metadata,
    *_entry_columns(),
    Index(None, "actor", "seq"),
    Index(None, "action", "seq"),
    Index(None, "at"),
)
admin_log_head = Table("admin_log_head", metadata, *_head_columns())


# --- logins, counters and settings -----------------------------------------------------

# Failed password logins per (case-folded user name, client address): shared by every
# worker and server on the database.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("username", String(), primary_key=True),
    Column("client", String(), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("last_at", UTCDateTime(), index=True, nullable=False),
    Column("blocked_until", UTCDateTime(), nullable=False),
)


# The next serial number per prefix and year.
serial_counters = Table(
    "serial_counters",
    metadata,
    Column("prefix", String(), primary_key=True),
    Column("year", Integer(), primary_key=True, autoincrement=False),
    Column("next", Integer(), nullable=False),
)


# The next EPC asset reference (single row, id 1).
epc_counter = Table(
    "epc_counter",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("next", Integer(), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)


# Every EPC ever written to a tag and its carrier; rows are never deleted.
epc_registry = Table(
    "epc_registry",
    metadata,
    Column("epc", String(), primary_key=True),
    Column("serial", String(), index=True, nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=False),
)


# A gateway event already applied, with the answer given (idempotent ingest). Event ids
# are the gateway's own: unique per device, not across devices.
ingest_log = Table(
    "ingest_log",
    metadata,
    Column("source", String(), primary_key=True),
    Column("event_id", String(), primary_key=True),
    Column("answer", Text, nullable=False),
    Column("at", UTCDateTime(), index=True, nullable=False),
    Column("digest", String(64), default="", server_default="", nullable=False),
)


# A small named document (the loaded site file, run marks).
settings = Table(
    "settings",
    metadata,
    Column("name", String(), primary_key=True),
    Column("text", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


# --- the disclosure record (R16) and three-day handling (R18) --------------------------


disclosures = Table(
    "disclosures",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), nullable=False),
    Column("person", String(), nullable=False),
    Column("kind", enum_column(d.DisclosureKind), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("place", String()),
    Column("source", enum_column(d.DisclosureSource), nullable=False),
    Column("opened_by", String(), nullable=False),
    Column("closed_by", String()),
    Column("ref", String(), index=True),
    Column("desk", String()),
    Index(None, "started_at", "id"),  # the disclosure register, paged
    Index(None, "carrier", "started_at"),  # a carrier's record
    Index(None, "person", "ended_at"),  # a reader's open sessions
)


handlings = Table(
    "handlings",
    metadata,
    Column("id", String(), primary_key=True),
    Column("carrier", String(), unique=True, nullable=False),  # one receipt, one deadline
    Column("received_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("received_by", String(), nullable=False),
    Column("state", enum_column(d.HandlingState), nullable=False),
    Column("instructed_by", String()),
    Column("instructed_at", UTCDateTime()),
    Column("instruction", Text, nullable=False),
    Column("handled_by", String()),
    Column("handled_at", UTCDateTime()),
    Column("outcome", Text, nullable=False),
    Index(None, "received_at", "id"),  # the handling register, paged
    Index(None, "state", "due_at"),  # the scheduler's look for deadlines
)


# --- classified meetings and their hand-outs (R17), holiday seals of safes (R19) -------


meetings = Table(
    "meetings",
    metadata,
    Column("id", String(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("room", String(), index=True, nullable=False),
    Column("level", enum_column(Level), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("organizer", String(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("attendees", StrTuple, nullable=False),
    Column("materials", StrTuple, nullable=False),
    Column("state", enum_column(MeetingState), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("ended_by", String()),
    Column("swept_at", UTCDateTime()),
    Column("left_behind", StrTuple, nullable=False),
    Index(None, "state", "ends_at"),
    Index(None, "starts_at", "id"),
)


meeting_handouts = Table(
    "meeting_handouts",
    metadata,
    Column("id", String(), primary_key=True),
    Column("meeting", String(), index=True, nullable=False),
    Column("carrier", String(), index=True, nullable=False),
    Column("attendee", String(), index=True, nullable=False),
    Column("room", String(), nullable=False),
    Column("handed_at", UTCDateTime(), nullable=False),
    Column("handed_by", String(), nullable=False),
    Column("state", enum_column(HandoutState), index=True, nullable=False),
    Column("collected_at", UTCDateTime()),
    Column("collected_by", String()),
    Column("returned_by", String()),
    Index(None, "handed_at", "id"),
)


seals = Table(
    "seals",
    metadata,
    Column("id", String(), primary_key=True),
    Column("safe", String(), nullable=False),
    Column("sealed_at", UTCDateTime(), nullable=False),
    Column("sealed_by", String(), nullable=False),
    Column("contents", StrTuple, nullable=False),
    Column("reason", Text, nullable=False),
    Column("holiday", String(), index=True, nullable=False),
    Column("until", UTCDateTime()),
    Column("state", enum_column(SealState), index=True, nullable=False),
    Column("unsealed_at", UTCDateTime()),
    Column("unsealed_by", String()),
    Column("found", StrTuple, nullable=False),
    Column("missing", StrTuple, nullable=False),
    Column("added", StrTuple, nullable=False),
    Column("breaches", StrTuple, nullable=False),
    Index(None, "sealed_at", "id"),
    Index(None, "safe", "state"),
)


# --- alarm stills (tracker.store.evidence) ----------------------------------------------

# The bytes of a still, by their SHA-256 (shared by every still with the same bytes).
evidence_blobs = Table(
    "evidence_blobs",
    metadata,
    Column("sha256", String(), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", Integer(), nullable=False),
)


# One still of an alarm (:class:`tracker.domain.evidence.Still`).
evidence_stills = Table(
    "evidence_stills",
    metadata,
    Column("id", String(), primary_key=True),
    Column("sha256", String(), index=True, nullable=False),
    Column("alarm", String(), index=True, nullable=False),
    Column("alert", String(), index=True),
    Column("door", String(), nullable=False),
    Column("camera", String()),
    Column("taken_at", UTCDateTime(), nullable=False),
    Column("offset", Float, nullable=False),
    Column("size", Integer(), nullable=False),
    Column("stored_at", UTCDateTime(), index=True, nullable=False),
    Column("deleted_at", UTCDateTime()),
)


# --- the live stream (tracker.store.stream) ---------------------------------------------

# One committed transaction's stream events.
stream_events = Table(
    "stream_events",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("at", UTCDateTime(), nullable=False),
    Column("events", Text, nullable=False),
)


# The table of each entity the generic repositories keep.
ENTITY_TABLES: dict[type[Any], Table] = {
    m.Carrier: carriers,
    m.Person: people,
    m.Badge: badges,
    m.Place: places,
    m.Door: doors,
    m.Borrow: borrows,
    m.Circulation: circulations,
    m.CarryOut: carry_outs,
    m.CopyRequest: copy_requests,
    m.Inventory: inventories,
    m.Destruction: destructions,
    m.LevelChange: level_changes,
    m.Handover: handovers,
    m.LossReport: loss_reports,
    m.Movement: movements,
    m.Alert: alerts,
    m.Notification: notifications,
    Attachment: notification_attachments,
    acc.User: users,
    acc.Device: devices,
    ses.ConsoleSession: console_sessions,
    d.Disclosure: disclosures,
    d.Handling: handlings,
    Meeting: meetings,
    Handout: meeting_handouts,
    Seal: seals,
}
