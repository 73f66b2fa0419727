"""Serialise a check-then-write on one logical resource, on PostgreSQL and SQLite alike.

``hold(key)`` writes the key's row first: on PostgreSQL the row stays locked until the transaction ends;
on SQLite the write takes the database's write lock at once (pysqlite begins a transaction before its
first write). A concurrent request for the same key waits there, and its checks that follow see what
the first one committed — two draws of one plan, an abandon racing a draw, two open plans for one item,
two withdrawals of one disclosure cannot both pass.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable

from ..extensions import db
from ..models import Instance, TaskRow
from ..models.locks import Lock


def hold(key: str) -> None:
    """Lock ``key`` until the current transaction ends."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Lock).values(key=key, taken=0).on_conflict_do_nothing(index_elements=["key"]))
    db.session.execute(update(Lock).where(Lock.key == key).values(taken=Lock.taken + 1))


def lock_case_of_task(task_id: str) -> None:
    """Take the write lock of the instance ``task_id`` belongs to, as :func:`instance_for_update` does, in one
    statement (the task's instance found by a subquery: a task never moves to another instance). Read what the
    lock guards after this call."""
    db.session.execute(_case_lock_statement(db.engine.dialect.name == "sqlite"), {"task_id": task_id})


@cache
def _case_lock_statement(sqlite: bool) -> Executable:
    """The statement of :func:`lock_case_of_task`, built once per dialect (``task_id`` bound at execution)."""
    of_task = select(TaskRow.instance_id).where(TaskRow.id == bindparam("task_id")).scalar_subquery()
    if sqlite:
        return (update(Instance).where(Instance.id == of_task)
                .values(row_version=Instance.row_version).execution_options(synchronize_session=False))
    return select(Instance.id).where(Instance.id == of_task).with_for_update()


def instance_for_update(instance_id: int) -> Instance | None:
    """Load the instance for a write, waiting for any concurrent writer of it to finish first.

    PostgreSQL locks the instance row (``SELECT ... FOR UPDATE``); SQLite locks the whole database at the first
    write, so a no-op update takes that lock before the read. Either way the instance and every row read after
    this call are what the previous writer committed: two completions of one case run one after the other
    instead of failing on a stale row version. None if there is no such instance.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(Instance).where(Instance.id == instance_id)
                           .values(row_version=Instance.row_version).execution_options(synchronize_session=False))
    else:  # a column select: the ORM's FOR UPDATE load would refuse an instance already loaded at an older version
        db.session.execute(select(Instance.id).where(Instance.id == instance_id).with_for_update())
    return db.session.get(Instance, instance_id, populate_existing=True)
