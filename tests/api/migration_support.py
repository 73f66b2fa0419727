"""Databases of their own for the migration tests: a fresh SQLite file, or a fresh PostgreSQL database beside the
suite's (SANXIANG_TEST_DATABASE_URL) that is dropped afterwards; and a snapshot of a database's schema."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from api import create_app
from api.extensions import db
from api.schema import VERSION_TABLE


def _admin_engine(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(folder: Path, name: str) -> Iterator[str]:
    """The URL of a new, empty database named after ``name``, of the same kind as the suite's."""
    url = os.environ.get("SANXIANG_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    target = make_url(url)
    database = f"{target.database}_{name}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    try:
        yield target.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def app_on(url: str, **config: Any) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(32), "CORRECTIONS_PER_HOUR": 10_000,
                       "SQLALCHEMY_DATABASE_URI": url, **config})


def close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_of(app: Flask) -> dict[str, Any]:
    """Every table (but Alembic's stamp) with its columns (type, nullability, default), primary key, indexes (with a
    partial index's condition), unique constraints and foreign keys; and the database's triggers."""
    with app.app_context():
        engine = db.engine
        inspector = inspect(engine)
        tables: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) - {VERSION_TABLE}):
            tables[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default"))
                            for c in inspector.get_columns(table)],
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in inspector.get_indexes(table)),
                "unique": sorted((u["name"] or "", tuple(u["column_names"]))
                                 for u in inspector.get_unique_constraints(table)),
                "foreign_keys": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                                        tuple(f["referred_columns"])) for f in inspector.get_foreign_keys(table)),
            }
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                indexes = conn.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")).all()
                triggers = conn.execute(text(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")).all()
            else:
                indexes = conn.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")).all()
                triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    return {"tables": tables,
            "index_definitions": sorted((n, " ".join(d.split())) for n, d in indexes if n != f"{VERSION_TABLE}_pkc"),
            "triggers": sorted((n, " ".join(d.split())) for n, d in triggers)}
