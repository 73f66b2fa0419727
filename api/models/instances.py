"""Process instances and the per-user-task rows the inbox reads."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class Instance(db.Model):
    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_key_status", "definition_key", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_key: Mapped[str] = mapped_column(String(128), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    bundle_key: Mapped[str] = mapped_column(String(64), nullable=False)
    manifest: Mapped[dict] = mapped_column(JSONType, nullable=False)  # filename -> sha256
    title: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    state: Mapped[str] = mapped_column(Text, nullable=False)
    state_version: Mapped[int] = mapped_column(Integer, nullable=False)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    started_by: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the bureau the case belongs to, and the starter's own node (their unit, or the bureau itself)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    state_ref: Mapped[str | None] = mapped_column(String(64))  # current snapshot refs (blobs)
    data_ref: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": row_version}


class TaskRow(db.Model):
    """One row per user task: the inbox is an indexed query on this table."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_state_role_due", "state", "role", "due_at"),
        Index("ix_tasks_assignee_state", "assignee", "state"),
        # the inbox's claimable list: ready rows by role, soonest deadline first (revision 0002)
        Index("ix_tasks_ready_role_due", "role", "due_at", postgresql_where=text("state = 'ready'"),
              sqlite_where=text("state = 'ready'")),
        # the claimable rows (ready, nobody's) by role, soonest deadline first: the inbox's main list (revision 0005)
        Index("ix_tasks_claimable_role_due", "role", "due_at",
              postgresql_where=text("state = 'ready' AND assignee IS NULL"),
              sqlite_where=text("state = 'ready' AND assignee IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    #: the SpiffWorkflow task this row is an activation of (a rewind re-activates a task: a new row)
    spiff_task_id: Mapped[str] = mapped_column(String(36), nullable=False)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True, nullable=False)
    process_id: Mapped[str] = mapped_column(String(128), nullable=False)
    element_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    lane: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the case's bureau (the inbox filters on it)
    form_key: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="ready")
    assignee: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(64))


class WorkflowTask(db.Model):
    """One task of an instance's saved workflow, serialized on its own (``instances.state`` holds the rest: see
    engine/serializer.py ``dump_header``). A save rewrites only the tasks that changed since the last one; this is
    the workflow's current state, like ``instances.state``, not history (the events are)."""

    __tablename__ = "workflow_tasks"

    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task id
    #: the workflow the task belongs to: "" the instance's own, else the id of the task that called the subprocess
    workflow: Mapped[str] = mapped_column(String(36), nullable=False)
    #: the order tasks are put back in on a cold load (the order SpiffWorkflow created them in)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the task's serialized entry; "" for a task the workflow dropped after it was stored (loads skip it)
    entry: Mapped[str] = mapped_column(Text, nullable=False)
