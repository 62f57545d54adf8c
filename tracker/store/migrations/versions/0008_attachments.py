"""Notification attachments: files sent with a notification (the monthly report).

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create notification_attachments."""
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
    """Drop notification_attachments."""
    op.drop_index(
        op.f("ix_notification_attachments_notification"), table_name="notification_attachments"
    )
    op.drop_table("notification_attachments")
