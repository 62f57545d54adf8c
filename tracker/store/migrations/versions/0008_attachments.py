"""Notification attachments (the monthly report's PDF), and the indexes the registers
page through: each register reads its records in (time, key) order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# table, columns: one index per register's paging order
INDEXES = (
    ("carriers", ("received_on", "serial")),
    ("borrows", ("checked_out_at", "id")),
    ("borrows", ("due_at", "id")),
    ("circulations", ("started_at", "id")),
    ("carry_outs", ("requested_at", "id")),
    ("copy_requests", ("requested_at", "id")),
    ("destructions", ("executed_at", "id")),
    ("handovers", ("at", "id")),
    ("alerts", ("first_seen", "id")),
)


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    """Create notification_attachments and the registers' indexes."""
    for table, columns in INDEXES:
        op.create_index(op.f(_name(table, columns)), table, list(columns), unique=False)
    op.create_table(
        "notification_attachments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("notification", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attachments")),
    )
    op.create_index(
        op.f("ix_notification_attachments_notification"),
        "notification_attachments",
        ["notification"],
        unique=False,
    )


def downgrade() -> None:
    """Drop notification_attachments and the registers' indexes."""
    for table, columns in INDEXES:
        op.drop_index(op.f(_name(table, columns)), table_name=table)
    op.drop_index(
        op.f("ix_notification_attachments_notification"), table_name="notification_attachments"
    )
    op.drop_table("notification_attachments")
