"""Serialise a check-then-write on one logical resource, on PostgreSQL and SQLite alike.

``hold(key)`` writes the key's row first: on PostgreSQL the row stays locked until the transaction ends;
on SQLite the write takes the database's write lock at once (pysqlite begins a transaction before its
first write). A concurrent request for the same key waits there, and its checks that follow see what
the first one committed — two draws of one plan, an abandon racing a draw, two open plans for one item,
two withdrawals of one disclosure cannot both pass.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models.locks import Lock


def hold(key: str) -> None:
    """Lock ``key`` until the current transaction ends."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Lock).values(key=key, taken=0).on_conflict_do_nothing(index_elements=["key"]))
    db.session.execute(update(Lock).where(Lock.key == key).values(taken=Lock.taken + 1))
