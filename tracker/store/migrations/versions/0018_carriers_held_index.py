"""An index on carriers (state, holder, serial) for the dashboard's "who holds what".

The panel lists the first carriers out of their safes (borrowed or carried out) by
holder then serial. Without it the store read every carrier out (5,000 at 100,000
carriers) from the table and sorted them for 50 rows; with it the serials come from the
index alone and only the 50 rows shown are read.

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_carriers_state_holder_serial"


def upgrade() -> None:
    """Create the index."""
    op.create_index(op.f(INDEX), "carriers", ["state", "holder", "serial"], unique=False)


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(op.f(INDEX), table_name="carriers")
