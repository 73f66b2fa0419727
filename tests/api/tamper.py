"""Test-only helpers that alter stored rows behind the application's back (as an attacker with DB access)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from api.extensions import db


def raw(app, sql: str, **params: Any) -> None:
    """Run SQL bypassing the ORM's refusals and, on PostgreSQL, the append-only triggers."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.execute(text(sql), params)
            return
        triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        for name, _ in triggers:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.execute(text(sql), params)
        for _, ddl in triggers:
            conn.exec_driver_sql(ddl)


def set_event_data(app, event_id: int, data: dict) -> None:
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
    value = "CAST(:d AS JSONB)" if pg else ":d"
    raw(app, f"UPDATE events SET data = {value} WHERE id = :id", d=json.dumps(data, ensure_ascii=False), id=event_id)


def rows_of(app, table: str, **where: Any) -> list[dict]:
    """The rows of ``table`` matching ``where`` (column = value), as dicts of Python values."""
    with app.app_context(), db.engine.connect() as conn:
        t = db.metadata.tables[table]
        query = t.select().where(*(t.c[k] == v for k, v in where.items()))
        return [dict(row._mapping) for row in conn.execute(query)]


def put_rows_back(app, table: str, rows: list[dict], **where: Any) -> None:
    """Replace the rows of ``table`` matching ``where`` with ``rows`` (as a database restored to an earlier state
    would hold them), bypassing the append-only triggers."""
    with app.app_context(), db.engine.begin() as conn:
        t = db.metadata.tables[table]
        triggers = []
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            for name, _ in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.execute(t.delete().where(*(t.c[k] == v for k, v in where.items())))
        if rows:
            conn.execute(t.insert(), rows)
        for _, ddl in triggers:
            conn.exec_driver_sql(ddl)
