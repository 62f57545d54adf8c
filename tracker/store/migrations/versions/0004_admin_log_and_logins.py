"""The administration log, shared login throttling, login generations, and gateway
event ids unique per device.

* ``admin_log_entries`` / ``admin_log_head``: a second append-only hash chain (same
  columns as the custody ledger, same triggers refusing UPDATE and DELETE).
* ``login_throttle``: failed logins per (case-folded user name, client address), in the
  database so every worker and every server on it throttles alike.
* ``users.generation``: bumped when a password is changed or a login disabled; tokens
  carry it, so older tokens stop working at once.
* ``ingest_log``: keyed by (source device, event id) instead of the event id alone, with
  a digest of what the event said (the same id with other content is refused);
  ``movements.event_id`` is no longer unique across devices.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER admin_log_entries_no_update BEFORE UPDATE ON admin_log_entries
    BEGIN SELECT RAISE(ABORT, 'administration log entries are append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER admin_log_entries_no_delete BEFORE DELETE ON admin_log_entries
    BEGIN SELECT RAISE(ABORT, 'administration log entries are append-only: DELETE refused'); END
    """,
)
# The function ledger_entries_append_only() of revision 0001 serves this table too.
PG_TRIGGERS = (
    """
    CREATE TRIGGER admin_log_entries_no_update BEFORE UPDATE OR DELETE ON admin_log_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()
    """,
    """
    CREATE TRIGGER admin_log_entries_no_truncate BEFORE TRUNCATE ON admin_log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()
    """,
)


def upgrade() -> None:
    """Create the administration log and the throttle; re-key the ingest log."""
    op.create_table(
        "admin_log_entries",
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
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_admin_log_entries")),
    )
    op.create_index(
        op.f("ix_admin_log_entries_carrier"), "admin_log_entries", ["carrier"], unique=False
    )
    op.create_index(op.f("ix_admin_log_entries_hash"), "admin_log_entries", ["hash"], unique=True)
    op.create_index(
        op.f("ix_admin_log_entries_actor_seq"), "admin_log_entries", ["actor", "seq"], unique=False
    )
    op.create_index(
        op.f("ix_admin_log_entries_action_seq"),
        "admin_log_entries",
        ["action", "seq"],
        unique=False,
    )
    op.create_index(op.f("ix_admin_log_entries_at"), "admin_log_entries", ["at"], unique=False)
    op.create_table(
        "admin_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_admin_log_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_log_head")),
    )
    op.bulk_insert(
        sa.table(
            "admin_log_head",
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

    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "client", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_last_at"), "login_throttle", ["last_at"], unique=False)

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("generation", sa.Integer(), nullable=False, server_default="0"))

    with op.batch_alter_table("ingest_log", recreate="always") as batch:
        batch.drop_constraint("pk_ingest_log", type_="primary")
        batch.add_column(
            sa.Column("digest", sa.String(length=64), nullable=False, server_default="")
        )
        batch.create_primary_key("pk_ingest_log", ["source", "event_id"])

    op.drop_index(op.f("ix_movements_event_id"), table_name="movements")
    op.create_index(op.f("ix_movements_event_id"), "movements", ["event_id"], unique=False)


def downgrade() -> None:
    """Back to revision 0003 (event ids must then be unique across devices again)."""
    op.drop_index(op.f("ix_movements_event_id"), table_name="movements")
    op.create_index(op.f("ix_movements_event_id"), "movements", ["event_id"], unique=True)
    with op.batch_alter_table("ingest_log", recreate="always") as batch:
        batch.drop_constraint("pk_ingest_log", type_="primary")
        batch.drop_column("digest")
        batch.create_primary_key("pk_ingest_log", ["event_id"])
    with op.batch_alter_table("users") as batch:
        batch.drop_column("generation")
    op.drop_index(op.f("ix_login_throttle_last_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS admin_log_entries_no_update ON admin_log_entries")
        op.execute("DROP TRIGGER IF EXISTS admin_log_entries_no_truncate ON admin_log_entries")
    op.drop_table("admin_log_head")
    op.drop_index(op.f("ix_admin_log_entries_at"), table_name="admin_log_entries")
    op.drop_index(op.f("ix_admin_log_entries_action_seq"), table_name="admin_log_entries")
    op.drop_index(op.f("ix_admin_log_entries_actor_seq"), table_name="admin_log_entries")
    op.drop_index(op.f("ix_admin_log_entries_hash"), table_name="admin_log_entries")
    op.drop_index(op.f("ix_admin_log_entries_carrier"), table_name="admin_log_entries")
    op.drop_table("admin_log_entries")
