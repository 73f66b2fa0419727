"""The inbox's partial index: ready task rows by role and due date (issue 10 item 6).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_READY = sa.text("state = 'ready'")


def upgrade() -> None:
    op.create_index("ix_tasks_ready_role_due", "tasks", ["role", "due_at"], unique=False,
                    postgresql_where=_READY, sqlite_where=_READY)


def downgrade() -> None:
    # harmless: an index holds no record
    op.drop_index("ix_tasks_ready_role_due", table_name="tasks")
