"""One approval workflow (issue 11): every request keeps its decision note; a
circulation is requested and then approved by an approver who logs in (so its approver
is empty until then, and it records when it was decided); level changes are requests.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTED = ("carry_outs", "copy_requests", "destructions")


def upgrade() -> None:
    """Add decision notes, the circulation's decision, and the level_changes table."""
    for table in _NOTED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("decision_note", sa.Text(), nullable=False, server_default="")
            )
    with op.batch_alter_table("circulations") as batch:
        batch.alter_column("approver", existing_type=sa.String(), nullable=True)
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision_note", sa.Text(), nullable=False, server_default=""))
    # Circulations started before this revision were approved when they started.
    op.execute("UPDATE circulations SET decided_at = started_at WHERE decided_at IS NULL")
    op.create_table(
        "level_changes",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("carrier", sa.String(), nullable=False),
        sa.Column("declassify", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("period", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_changes")),
    )
    op.create_index(op.f("ix_level_changes_carrier"), "level_changes", ["carrier"], unique=False)
    op.create_index(op.f("ix_level_changes_state"), "level_changes", ["state"], unique=False)


def downgrade() -> None:
    """Drop level_changes and the decision columns (a requested circulation, which has no
    approver yet, is dropped too: the old schema cannot hold it)."""
    op.drop_index(op.f("ix_level_changes_state"), table_name="level_changes")
    op.drop_index(op.f("ix_level_changes_carrier"), table_name="level_changes")
    op.drop_table("level_changes")
    op.execute("DELETE FROM circulations WHERE approver IS NULL")
    with op.batch_alter_table("circulations") as batch:
        batch.drop_column("decision_note")
        batch.drop_column("decided_at")
        batch.alter_column("approver", existing_type=sa.String(), nullable=False)
    for table in reversed(_NOTED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("decision_note")
