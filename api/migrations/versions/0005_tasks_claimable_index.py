"""The inbox's claimable rows: ready and nobody's, by role and due date (issue 10 item 6).

PostgreSQL's statistics cannot see that ready rows of a role are mostly unclaimed, so with only the ready rows'
index (0002) the claimable inbox was often planned as a bitmap over every unclaimed ready row and a sort; this
partial index holds exactly the claimable rows in the inbox's order, so each role's page is a short index range.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CLAIMABLE = sa.text("state = 'ready' AND assignee IS NULL")


def upgrade() -> None:
    op.create_index("ix_tasks_claimable_role_due", "tasks", ["role", "due_at"], unique=False,
                    postgresql_where=_CLAIMABLE, sqlite_where=_CLAIMABLE)


def downgrade() -> None:
    # harmless: an index holds no record
    op.drop_index("ix_tasks_claimable_role_due", table_name="tasks")
