"""Notifications: the delivery outbox, and people's email addresses.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the notifications outbox; add people.email."""
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        op.f("ix_notifications_recipient"), "notifications", ["recipient"], unique=False
    )
    op.create_index(op.f("ix_notifications_run"), "notifications", ["run"], unique=False)
    op.create_index(
        op.f("ix_notifications_state_next_attempt_at"),
        "notifications",
        ["state", "next_attempt_at"],
        unique=False,
    )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("email", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop the outbox and people.email."""
    with op.batch_alter_table("people") as batch:
        batch.drop_column("email")
    op.drop_index(op.f("ix_notifications_state_next_attempt_at"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_run"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_recipient"), table_name="notifications")
    op.drop_table("notifications")
