"""Alarm evidence: stills content-addressed by SHA-256, and one record per still.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create evidence_blobs and evidence_stills."""
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    op.create_table(
        "evidence_stills",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("alarm", sa.String(), nullable=False),
        sa.Column("alert", sa.String(), nullable=True),
        sa.Column("door", sa.String(), nullable=False),
        sa.Column("camera", sa.String(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offset", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_stills")),
    )
    for col in ("sha256", "alarm", "alert", "stored_at"):
        op.create_index(op.f(f"ix_evidence_stills_{col}"), "evidence_stills", [col], unique=False)


def downgrade() -> None:
    """Drop them."""
    for col in ("sha256", "alarm", "alert", "stored_at"):
        op.drop_index(op.f(f"ix_evidence_stills_{col}"), table_name="evidence_stills")
    op.drop_table("evidence_stills")
    op.drop_table("evidence_blobs")
