"""``flask --app api db upgrade`` from outside: two upgrades started at once on an empty PostgreSQL database (two
servers deployed together) both succeed and leave one schema; the command on a database made before migrations
refuses with the guided message and changes nothing (on SQLite it left an empty stamp table behind, after which
``init-db`` also answered with a traceback). Found by an attack from outside."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api.extensions import db
from api.models.append_only import APPEND_ONLY_TABLES
from api.schema import VERSION_TABLE, current_revision, head_revision
from tests.api.backup_support import database, run_cli
from tests.api.migration_support import app_on, close, schema_of

ROOT = Path(__file__).resolve().parents[2]


def test_two_upgrades_at_once_on_postgresql_both_succeed(tmp_path):
    """Two processes (Alembic's context is one per process), started together; the lock wait is not cut short by
    the service's lock_timeout (one second in this suite)."""
    with database("postgresql", tmp_path, "mig_race") as url:
        env = {**os.environ, "SANXIANG_DATABASE_URL": url, "SANXIANG_SECRET_KEY": secrets.token_urlsafe(32),
               "SANXIANG_LOCK_TIMEOUT_SECONDS": "0.2", "PYTHONPATH": str(ROOT)}
        flask = Path(sys.executable).with_name("flask")
        runs = [subprocess.Popen([str(flask), "--app", "api", "db", "upgrade"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=300)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        app = app_on(url)
        try:
            with app.app_context():
                assert current_revision() == head_revision()
            guarded = {name for name, _ in schema_of(app)["triggers"]}
            assert [t for t in APPEND_ONLY_TABLES if not {f"{t}_append_only", f"{t}_no_truncate"} <= guarded] == []
        finally:
            close(app)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_db_upgrade_of_a_database_made_before_migrations_refuses_and_changes_nothing(tmp_path, kind):
    with database(kind, tmp_path, "mig_unstamped_cli") as url:
        app = app_on(url)
        try:
            with app.app_context():
                db.create_all()
                before = set(inspect(db.engine).get_table_names())
            result = run_cli(app, "db", "upgrade")
            assert result.exit_code != 0
            assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
            assert "db stamp 0001" in result.output, result.output
            with app.app_context():
                after = set(inspect(db.engine).get_table_names())
                assert after == before and VERSION_TABLE not in after
            result = run_cli(app, "init-db")  # the guided message too, not a traceback
            assert result.exit_code != 0 and "db stamp 0001" in result.output, result.output
        finally:
            close(app)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_db_upgrade_with_an_empty_stamp_table_refuses_too(tmp_path, kind):
    """Found by a second attack: an empty alembic_version (what the earlier release left on SQLite) beside the
    tables gave the traceback again."""
    from api.schema import upgrade

    with database(kind, tmp_path, "mig_empty_stamp") as url:
        app = app_on(url)
        try:
            with app.app_context():
                upgrade()
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(f"DELETE FROM {VERSION_TABLE}")
            result = run_cli(app, "db", "upgrade")
            assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.exception
            assert "db stamp 0001" in result.output, result.output
        finally:
            close(app)
