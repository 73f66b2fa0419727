"""Party links between cases (审批与监管信息交换共享), the inspection targets' party identifiers, and reviewers'
training records (定期培训); both new tables append-only (issue 11 item 7b, 7f).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.migrations.ddl import append_only_guards

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: the append-only tables this revision creates (their guards are the same as 0001's)
APPEND_ONLY_TABLES = ("party_links", "training_records")


def upgrade() -> None:
    op.create_table(
        "party_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("party_key", sa.String(length=64), nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("party_masked", sa.String(length=32), nullable=False),
        sa.Column("process_key", sa.String(length=128), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_id", "party_key", name="uq_party_links_instance_party"),
    )
    with op.batch_alter_table("party_links", schema=None) as batch_op:
        batch_op.create_index("ix_party_links_instance_id", ["instance_id"], unique=False)
        batch_op.create_index("ix_party_links_party_org", ["party_key", "org_id"], unique=False)
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("organiser", sa.String(length=255), nullable=False),
        sa.Column("certificate", sa.String(length=128), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["corrects_id"], ["training_records.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("corrects_id"),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index("ix_training_records_org_id", ["org_id"], unique=False)
        batch_op.create_index("ix_training_records_user_day", ["user_id", "trained_on"], unique=False)
    # a new column is no change to a recorded row: the append-only triggers stay as they are
    op.add_column("inspection_targets", sa.Column("party_key", sa.String(length=64), nullable=True))
    op.add_column("inspection_targets", sa.Column("party_masked", sa.String(length=32), nullable=True))
    dialect = op.get_context().dialect.name
    for name in APPEND_ONLY_TABLES:
        for statement in append_only_guards(dialect, name):
            op.execute(statement)


def downgrade() -> None:
    """Only while nothing was recorded in what it added: a link, a training record or a target's party identifier
    is history, never dropped (the tables' guards go with them)."""
    conn = op.get_bind()
    held = [name for name, sql in (
        ("party_links", "SELECT 1 FROM party_links LIMIT 1"),
        ("training_records", "SELECT 1 FROM training_records LIMIT 1"),
        ("inspection_targets.party_key", "SELECT 1 FROM inspection_targets WHERE party_key IS NOT NULL LIMIT 1"))
        if conn.exec_driver_sql(sql).first() is not None]
    if held:
        raise RuntimeError(f"revision 0007 cannot be downgraded: {', '.join(held)} hold recorded links or training "
                           "records (history is never dropped)")
    op.drop_column("inspection_targets", "party_masked")
    op.drop_column("inspection_targets", "party_key")
    op.drop_table("training_records")
    op.drop_table("party_links")
