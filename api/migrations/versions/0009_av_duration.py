"""The running time of an audio/video recording (issue 11 item 7e: the A/V analysis per case).

``evidence_items.duration_seconds``: the recording's length as the officer declares it at upload (the playing
time, pauses not included); NULL for the items recorded before this revision and for photos and documents — the
analysis reports those as unknown, it never guesses. A pause's end (``resumed_at``) lives in the item's ``pauses``
JSON and needs no column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column added in place: the rows stay as they are and the append-only triggers stay on the table
    op.add_column("evidence_items", sa.Column("duration_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    recorded = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM evidence_items WHERE duration_seconds IS NOT NULL")).scalar()
    if recorded:
        raise RuntimeError(f"revision 0009 cannot be downgraded: {recorded} A/V items have a recorded "
                           "duration, which it would drop (legal records are never dropped)")
    # nothing recorded in it: dropping the empty column loses no record (the table's triggers do not name it)
    op.drop_column("evidence_items", "duration_seconds")
