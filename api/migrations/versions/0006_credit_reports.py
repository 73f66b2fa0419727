"""执法双公示: the decisions reported to the credit-information platform (issue 11 item 7a), append-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from api.migrations.ddl import append_only_guards

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLE = "credit_reports"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("batch", sa.String(length=64), nullable=False),
        sa.Column("record", JSON_TYPE, nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"]),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosures.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id"),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_reports_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_reports_batch"), ["batch"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_reports_reported_at"), ["reported_at"], unique=False)
    for statement in append_only_guards(op.get_context().dialect.name, TABLE):
        op.execute(statement)


def downgrade() -> None:
    """Only while no report was recorded: what the credit platform was sent is never dropped."""
    if op.get_bind().exec_driver_sql("SELECT 1 FROM credit_reports LIMIT 1").first() is not None:
        raise RuntimeError("revision 0006 cannot be downgraded: it would drop what the credit platform was sent "
                           "(legal records are never dropped)")
    op.drop_table("credit_reports")
