"""The database refuses to empty an append-only table in one statement: TRUNCATE on PostgreSQL (a statement
trigger), a DELETE without WHERE on both (row triggers; SQLite has no TRUNCATE and skips its truncate
optimisation when a table has a DELETE trigger). Every statement runs in a transaction rolled back afterwards."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from api.extensions import db
from api.models.append_only import APPEND_ONLY_TABLES
from tests.api.evidence_support import PNG, checkout, media, new_case, new_device, photo_meta, upload


def _refused(app, sql: str) -> str:
    """The database's error message for ``sql`` (the transaction is rolled back whatever happens)."""
    with app.app_context(), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.exec_driver_sql(sql)
        except DBAPIError as exc:
            return str(exc.orig)
        finally:
            trans.rollback()
    pytest.fail(f"{sql} was accepted")


def _count(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(text(table)))


@pytest.fixture(scope="module")
def filled(app, http_module):
    """At least one row in every append-only table (an instance, evidence, deploys, snapshots …)."""
    iid = new_case(http_module)
    assert upload(http_module, iid, media(PNG), "t.png", photo_meta()).status_code == 201
    checkout(http_module, new_device(http_module), "officer1")  # a device and a movement
    with app.app_context():
        from api.services.audit import create_checkpoint

        create_checkpoint()
        db.session.commit()


@pytest.fixture(scope="module")
def http_module(app):
    from tests.conftest import Api

    return Api(app.test_client())


#: the append-only tables the fixture fills (the others are guarded alike: see the catalogue test below)
FILLED = ["blobs", "checkpoints", "definition_files", "definition_versions", "device_movements", "devices", "events",
          "evidence_items"]


def test_the_append_only_tables_are_the_history():
    assert set(FILLED) <= set(APPEND_ONLY_TABLES)


@pytest.mark.parametrize("table", FILLED)
def test_delete_without_where_is_refused(app, filled, table):
    before = _count(app, table)
    assert before > 0, f"{table} is empty: the test would prove nothing"
    assert "append-only" in _refused(app, f"DELETE FROM {table}")
    assert _count(app, table) == before


def test_every_append_only_table_refuses_truncate_or_has_no_truncate(app, filled):
    """PostgreSQL: TRUNCATE of each table (empty or not) is refused by the statement trigger. SQLite has no
    TRUNCATE statement; there each table carries the DELETE trigger that also stops a DELETE without WHERE."""
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            triggers = {row[0] for row in db.session.execute(text(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE%'"))}
    if dialect == "sqlite":
        assert "syntax error" in _refused(app, "TRUNCATE events")
        assert set(APPEND_ONLY_TABLES) <= triggers, set(APPEND_ONLY_TABLES) - triggers
        return
    for table in APPEND_ONLY_TABLES:
        before = _count(app, table)
        assert "append-only" in _refused(app, f"TRUNCATE {table} CASCADE"), table
        assert _count(app, table) == before
