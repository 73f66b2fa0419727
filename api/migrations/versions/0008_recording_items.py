"""The bureau's A/V recording list (音像记录事项和岗位清单, seed 四(二)1): permit items, penalty items and posts with
whether (and for which acts) audio/video records are kept; append-only versions like the list of powers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from api.migrations.ddl import append_only_guards

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLE = "recording_items"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('av_required', sa.Boolean(), nullable=False),
    sa.Column('av_acts', JSON_TYPE, nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'code', 'version', name='uq_recording_items_org_code_version')
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_items_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_recording_items_org_id'), ['org_id'], unique=False)
    # history: the database refuses UPDATE and DELETE (and TRUNCATE) of its rows, as 0001 does for its tables
    for statement in append_only_guards(op.get_context().dialect.name, TABLE):
        op.execute(statement)


def downgrade() -> None:
    """Drop the list only while it records nothing (its triggers go with it); a list with entries is history, and
    legal records are never dropped."""
    if op.get_bind().execute(sa.text(f"SELECT 1 FROM {TABLE} LIMIT 1")).first() is not None:
        raise RuntimeError(f"revision 0008 cannot be downgraded: {TABLE} holds the recording list's history "
                           "(legal records are never dropped)")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recording_items_org_id'))
        batch_op.drop_index(batch_op.f('ix_recording_items_code'))
    op.drop_table(TABLE)
