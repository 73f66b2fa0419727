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
