"""The disclosure record (R16) and the handling deadlines of top-secret receipts (R18).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create disclosures and handlings."""
    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("person", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.Column("ref", sa.String(), nullable=True),
        sa.Column("desk", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index(
        op.f("ix_disclosures_started_at_id"), "disclosures", ["started_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_disclosures_carrier_started_at"),
        "disclosures",
        ["carrier", "started_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_disclosures_person_ended_at"), "disclosures", ["person", "ended_at"], unique=False
    )
    op.create_index(op.f("ix_disclosures_ref"), "disclosures", ["ref"], unique=False)
    op.create_table(
        "handlings",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("instructed_by", sa.String(), nullable=True),
        sa.Column("instructed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("handled_by", sa.String(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handlings")),
        sa.UniqueConstraint("carrier", name=op.f("uq_handlings_carrier")),
    )
    op.create_index(
        op.f("ix_handlings_received_at_id"), "handlings", ["received_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_handlings_state_due_at"), "handlings", ["state", "due_at"], unique=False
    )


def downgrade() -> None:
    """Drop them."""
    for name in ("received_at_id", "state_due_at"):
        op.drop_index(op.f(f"ix_handlings_{name}"), table_name="handlings")
    op.drop_table("handlings")
    for name in ("started_at_id", "carrier_started_at", "person_ended_at", "ref"):
        op.drop_index(op.f(f"ix_disclosures_{name}"), table_name="disclosures")
    op.drop_table("disclosures")
