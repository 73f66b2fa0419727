"""Checkpoints of the heads that moved (issue 10 item 5): ``checkpoints.form``.

A checkpoint made from here on (form 2) holds only the streams whose head moved since the checkpoint before it,
and its form is part of its hash; the checkpoints already recorded keep every head (form NULL) and verify as
before. Adding a nullable column changes no recorded row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases: a batch copy of the table on SQLite would drop its append-only triggers
    op.add_column("checkpoints", sa.Column("form", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Harmless while no checkpoint of form 2 exists; refused after (their hash includes the form: without the
    column they would no longer verify)."""
    made = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM checkpoints WHERE form IS NOT NULL")).scalar()
    if made:
        raise RuntimeError(f"0004 cannot be downgraded: {made} checkpoint(s) of form 2 need their form column")
    op.execute("ALTER TABLE checkpoints DROP COLUMN form")
