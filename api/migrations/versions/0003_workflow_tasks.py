"""Workflows saved one task per row: a step rewrites only the tasks it changed (issue 10 item 3).

``instances.state`` keeps what is not a task (a header with ``"layout": "per-task"``); an instance saved before
this revision keeps its whole state there until its next save moves it to rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("workflow_tasks",
                    sa.Column("instance_id", sa.Integer(), nullable=False),
                    sa.Column("task_id", sa.String(length=36), nullable=False),
                    sa.Column("workflow", sa.String(length=36), nullable=False),
                    sa.Column("ordinal", sa.Integer(), nullable=False),
                    sa.Column("entry", sa.Text(), nullable=False),
                    sa.ForeignKeyConstraint(["instance_id"], ["instances.id"]),
                    sa.PrimaryKeyConstraint("instance_id", "task_id"))


def downgrade() -> None:
    """Put every instance's workflow back whole into ``instances.state`` (as revision 0002 reads it), then drop
    the rows: nothing is lost."""
    fold_into_state(op.get_bind())
    op.drop_table("workflow_tasks")


def fold_into_state(conn: sa.Connection) -> None:
    """Write each instance's task rows back into its ``state`` as one whole workflow state."""
    rows: dict[int, dict[str, list]] = {}
    for instance_id, workflow, task_id, entry in conn.execute(sa.text(
            "SELECT instance_id, workflow, task_id, entry FROM workflow_tasks WHERE entry != '' "
            "ORDER BY instance_id, ordinal")):
        rows.setdefault(instance_id, {}).setdefault(workflow, []).append((task_id, json.loads(entry)))
    for instance_id, tasks in rows.items():
        state = conn.execute(sa.text("SELECT state FROM instances WHERE id = :id"), {"id": instance_id}).scalar()
        head = json.loads(state)
        if head.get("layout") != "per-task":
            continue
        whole = {k: v for k, v in head.items() if k not in ("layout", "next_ordinal", "subprocesses", "bpmn_events",
                                                              "typename", "state_version")}
        whole["tasks"] = dict(tasks.get("", []))
        whole["subprocesses"] = {sub_id: {**sub, "tasks": dict(tasks.get(sub_id, []))}
                                 for sub_id, sub in head.get("subprocesses", {}).items()}
        for key in ("bpmn_events", "typename", "state_version"):
            if key in head:
                whole[key] = head[key]
        text = json.dumps(whole, ensure_ascii=False, separators=(",", ":"))
        conn.execute(sa.text("UPDATE instances SET state = :state WHERE id = :id"), {"state": text, "id": instance_id})
