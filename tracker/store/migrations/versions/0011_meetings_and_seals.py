"""Classified meetings and their hand-outs (R17); safe seals over holidays (R19).

Revision ID: 0011
Revises: 0017 (chained after main's head when main was merged in)
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create meetings, meeting_handouts and seals."""
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("room", sa.String(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("starts_at", _TZ, nullable=False),
        sa.Column("ends_at", _TZ, nullable=False),
        sa.Column("organizer", sa.String(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("ended_at", _TZ, nullable=True),
        sa.Column("ended_by", sa.String(), nullable=True),
        sa.Column("swept_at", _TZ, nullable=True),
        sa.Column("left_behind", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(op.f("ix_meetings_room"), "meetings", ["room"], unique=False)
    op.create_index(op.f("ix_meetings_state_ends_at"), "meetings", ["state", "ends_at"])
    op.create_index(op.f("ix_meetings_starts_at_id"), "meetings", ["starts_at", "id"])
    op.create_table(
        "meeting_handouts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("meeting", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("attendee", sa.String(), nullable=False),
        sa.Column("room", sa.String(), nullable=False),
        sa.Column("handed_at", _TZ, nullable=False),
        sa.Column("handed_by", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("collected_at", _TZ, nullable=True),
        sa.Column("collected_by", sa.String(), nullable=True),
        sa.Column("returned_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_handouts")),
    )
    for col in ("meeting", "carrier", "attendee", "state"):
        op.create_index(op.f(f"ix_meeting_handouts_{col}"), "meeting_handouts", [col])
    op.create_index(
        op.f("ix_meeting_handouts_handed_at_id"), "meeting_handouts", ["handed_at", "id"]
    )
    op.create_table(
        "seals",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("safe", sa.String(), nullable=False),
        sa.Column("sealed_at", _TZ, nullable=False),
        sa.Column("sealed_by", sa.String(), nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("holiday", sa.String(), nullable=False),
        sa.Column("until", _TZ, nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("unsealed_at", _TZ, nullable=True),
        sa.Column("unsealed_by", sa.String(), nullable=True),
        sa.Column("found", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("breaches", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seals")),
    )
    op.create_index(op.f("ix_seals_holiday"), "seals", ["holiday"])
    op.create_index(op.f("ix_seals_state"), "seals", ["state"])
    op.create_index(op.f("ix_seals_sealed_at_id"), "seals", ["sealed_at", "id"])
    op.create_index(op.f("ix_seals_safe_state"), "seals", ["safe", "state"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("seals")
    op.drop_table("meeting_handouts")
    op.drop_table("meetings")
