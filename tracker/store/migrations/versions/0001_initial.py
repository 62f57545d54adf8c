"""Initial schema: entities, custody ledger (append-only), counters, settings.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

# Entries are never updated or deleted (R14): the database itself refuses it, so a
# mistake in code cannot rewrite history, and an attacker has to drop these first
# (which verification still catches through the hash chain).
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: DELETE refused'); END
    """,
)
PG_TRIGGERS = (
    """
    CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger entries are append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()
    """,
    """
    CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()
    """,
)


def upgrade() -> None:
    """Create every table, the ledger head row and the append-only triggers."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("cause", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("acknowledged_by", sa.String(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_cause_state"), "alerts", ["cause", "state"], unique=False)
    op.create_index(
        op.f("ix_alerts_state_last_seen"), "alerts", ["state", "last_seen"], unique=False
    )
    op.create_index(op.f("ix_alerts_subject"), "alerts", ["subject"], unique=False)
    op.create_table(
        "badges",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("person", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_badges")),
    )
    op.create_index(op.f("ix_badges_person"), "badges", ["person"], unique=False)
    op.create_table(
        "borrows",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("borrower", sa.String(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_by", sa.String(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to", sa.String(), nullable=True),
        sa.Column("circulation", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_borrows")),
    )
    op.create_index(op.f("ix_borrows_borrower"), "borrows", ["borrower"], unique=False)
    op.create_index(op.f("ix_borrows_carrier"), "borrows", ["carrier"], unique=False)
    op.create_index(op.f("ix_borrows_circulation"), "borrows", ["circulation"], unique=False)
    op.create_index(op.f("ix_borrows_state_due_at"), "borrows", ["state", "due_at"], unique=False)
    op.create_table(
        "carriers",
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("medium", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("classified_on", sa.Date(), nullable=False),
        sa.Column("issuing_authority", sa.String(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_from", sa.String(), nullable=False),
        sa.Column("received_by", sa.String(), nullable=False),
        sa.Column("copy_number", sa.Integer(), nullable=True),
        sa.Column("total_copies", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("home_room", sa.String(), nullable=True),
        sa.Column("home_safe", sa.String(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("location_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("epc", sa.String(), nullable=True),
        sa.Column("labelled", sa.Boolean(), nullable=False),
        sa.Column("original", sa.String(), nullable=True),
        sa.Column("container", sa.String(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_carriers")),
    )
    op.create_index(op.f("ix_carriers_container"), "carriers", ["container"], unique=False)
    op.create_index(op.f("ix_carriers_epc"), "carriers", ["epc"], unique=True)
    op.create_index(op.f("ix_carriers_holder"), "carriers", ["holder"], unique=False)
    op.create_index(op.f("ix_carriers_location"), "carriers", ["location"], unique=False)
    op.create_index(op.f("ix_carriers_original"), "carriers", ["original"], unique=False)
    op.create_index(op.f("ix_carriers_state"), "carriers", ["state"], unique=False)
    op.create_table(
        "carry_outs",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carriers", sa.JSON(), nullable=False),
        sa.Column("carrier_person", sa.String(), nullable=False),
        sa.Column("escorts", sa.JSON(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vehicle", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carry_outs")),
    )
    op.create_index(
        op.f("ix_carry_outs_carrier_person"), "carry_outs", ["carrier_person"], unique=False
    )
    op.create_index(op.f("ix_carry_outs_state"), "carry_outs", ["state"], unique=False)
    op.create_table(
        "circulations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("readers", sa.JSON(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("started_by", sa.String(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circulations")),
    )
    op.create_index(op.f("ix_circulations_carrier"), "circulations", ["carrier"], unique=False)
    op.create_index(op.f("ix_circulations_state"), "circulations", ["state"], unique=False)
    op.create_table(
        "copy_requests",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("original", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("copies", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_copy_requests")),
    )
    op.create_index(op.f("ix_copy_requests_original"), "copy_requests", ["original"], unique=False)
    op.create_index(op.f("ix_copy_requests_state"), "copy_requests", ["state"], unique=False)
    op.create_table(
        "destructions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carriers", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destructions")),
    )
    op.create_index(op.f("ix_destructions_state"), "destructions", ["state"], unique=False)
    op.create_table(
        "doors",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("inner", sa.String(), nullable=False),
        sa.Column("outer", sa.String(), nullable=False),
        sa.Column("exit", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doors")),
    )
    op.create_table(
        "epc_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_epc_counter_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epc_counter")),
    )
    op.create_table(
        "epc_registry",
        sa.Column("epc", sa.String(), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("epc", name=op.f("pk_epc_registry")),
    )
    op.create_index(op.f("ix_epc_registry_serial"), "epc_registry", ["serial"], unique=False)
    op.create_table(
        "handovers",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("from_person", sa.String(), nullable=False),
        sa.Column("to_person", sa.String(), nullable=False),
        sa.Column("carriers", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index(op.f("ix_handovers_from_person"), "handovers", ["from_person"], unique=False)
    op.create_index(op.f("ix_handovers_to_person"), "handovers", ["to_person"], unique=False)
    op.create_table(
        "ingest_log",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_ingest_log")),
    )
    op.create_index(op.f("ix_ingest_log_at"), "ingest_log", ["at"], unique=False)
    op.create_table(
        "inventories",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("found", sa.JSON(), nullable=False),
        sa.Column("unexpected", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventories")),
    )
    op.create_index(op.f("ix_inventories_started_at"), "inventories", ["started_at"], unique=False)
    op.create_index(op.f("ix_inventories_state"), "inventories", ["state"], unique=False)
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=True),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("from_place", sa.String(), nullable=True),
        sa.Column("to_place", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_carrier"), "ledger_entries", ["carrier"], unique=False)
    op.create_index(op.f("ix_ledger_entries_hash"), "ledger_entries", ["hash"], unique=True)
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.create_table(
        "loss_reports",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loss_reports")),
    )
    op.create_index(op.f("ix_loss_reports_carrier"), "loss_reports", ["carrier"], unique=False)
    op.create_table(
        "movements",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("from_place", sa.String(), nullable=True),
        sa.Column("to_place", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("door", sa.String(), nullable=True),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
    )
    op.create_index(op.f("ix_movements_at"), "movements", ["at"], unique=False)
    op.create_index(op.f("ix_movements_carrier_at"), "movements", ["carrier", "at"], unique=False)
    op.create_index(op.f("ix_movements_event_id"), "movements", ["event_id"], unique=True)
    op.create_table(
        "people",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("clearance", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("decommission_until", sa.Date(), nullable=True),
        sa.Column("successor", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_department"), "people", ["department"], unique=False)
    op.create_table(
        "places",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent", sa.String(), nullable=True),
        sa.Column("max_level", sa.String(length=32), nullable=True),
        sa.Column("room_kind", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    op.create_index(op.f("ix_places_parent"), "places", ["parent"], unique=False)
    op.create_table(
        "serial_counters",
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_serial_counters")),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings")),
    )
    op.bulk_insert(
        sa.table(
            "ledger_head",
            sa.column("id", sa.Integer()),
            sa.column("count", sa.Integer()),
            sa.column("last_hash", sa.String()),
            sa.column("mac", sa.String()),
        ),
        [{"id": 1, "count": 0, "last_hash": GENESIS, "mac": ""}],
    )
    triggers = PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything (the ledger with it: only for throw-away databases)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_no_update ON ledger_entries")
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_entries_append_only()")
    op.drop_table("settings")
    op.drop_table("serial_counters")
    op.drop_table("places")
    op.drop_table("people")
    op.drop_table("movements")
    op.drop_table("loss_reports")
    op.drop_table("ledger_head")
    op.drop_table("ledger_entries")
    op.drop_table("inventories")
    op.drop_table("ingest_log")
    op.drop_table("handovers")
    op.drop_table("epc_registry")
    op.drop_table("epc_counter")
    op.drop_table("doors")
    op.drop_table("destructions")
    op.drop_table("copy_requests")
    op.drop_table("circulations")
    op.drop_table("carry_outs")
    op.drop_table("carriers")
    op.drop_table("borrows")
    op.drop_table("badges")
    op.drop_table("alerts")
