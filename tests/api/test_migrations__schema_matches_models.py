"""The revisions and the models never drift: the schema ``upgrade`` makes is the one ``create_all`` makes from the
models (tables, columns, types, nullability, indexes with their conditions, unique constraints, foreign keys) and
carries the same append-only guards, on the suite's database kind (SQLite, or PostgreSQL in CI)."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from api.extensions import db
from api.models.append_only import APPEND_ONLY_TABLES
from api.schema import alembic_config, current_revision, head_revision, upgrade
from tests.api.migration_support import app_on, close, fresh_database, schema_of


def _made_by(tmp_path, name: str, make) -> dict:
    with fresh_database(tmp_path, name) as url:
        app = app_on(url)
        try:
            with app.app_context():
                make()
            return schema_of(app)
        finally:
            close(app)


def test_upgrade_makes_exactly_the_schema_create_all_makes_from_the_models(tmp_path):
    by_upgrade = _made_by(tmp_path, "mig_upgrade", upgrade)
    by_models = _made_by(tmp_path, "mig_create_all", db.create_all)
    assert by_upgrade["tables"].keys() == by_models["tables"].keys()
    for table, shape in by_models["tables"].items():
        assert by_upgrade["tables"][table] == shape, table
    assert by_upgrade["index_definitions"] == by_models["index_definitions"]
    assert by_upgrade["triggers"] == by_models["triggers"]


def test_upgrade_guards_every_append_only_table(tmp_path):
    schema = _made_by(tmp_path, "mig_guards", upgrade)
    guarded = {name for name, _ in schema["triggers"]}
    for table in APPEND_ONLY_TABLES:
        assert {f"{table}_no_update", f"{table}_no_delete"} <= guarded or \
            {f"{table}_append_only", f"{table}_no_truncate"} <= guarded, table


def test_the_partial_inbox_index_holds_only_ready_rows(tmp_path):
    schema = _made_by(tmp_path, "mig_inbox_index", upgrade)
    definition = dict(schema["index_definitions"])["ix_tasks_ready_role_due"]
    assert "(role, due_at)" in definition and "WHERE" in definition and "'ready'" in definition


def test_the_claimable_inbox_index_holds_only_ready_unclaimed_rows(tmp_path):
    schema = _made_by(tmp_path, "mig_claimable_index", upgrade)
    definition = dict(schema["index_definitions"])["ix_tasks_claimable_role_due"]
    assert "(role, due_at)" in definition and "'ready'" in definition and "assignee IS NULL" in definition


def test_drop_all_forgets_the_revision_so_upgrade_builds_the_schema_again(tmp_path):
    with fresh_database(tmp_path, "mig_drop_all") as url:
        app = app_on(url)
        try:
            with app.app_context():
                upgrade()
                assert current_revision() == head_revision()
                db.drop_all()
                assert current_revision() is None
                upgrade()
                assert "events" in inspect(db.engine).get_table_names()
        finally:
            close(app)


def test_a_database_made_before_migrations_is_refused_until_stamped_0001_then_upgrades(tmp_path):
    from api.config import ConfigurationError

    with fresh_database(tmp_path, "mig_unstamped") as url:
        app = app_on(url)
        try:
            with app.app_context():
                db.create_all()
                with pytest.raises(ConfigurationError, match="db stamp 0001"):
                    upgrade()
                assert current_revision() is None
                # what the message says, on a database of the release before migrations (no inbox index yet)
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("DROP INDEX ix_tasks_ready_role_due")
                    conn.exec_driver_sql("DROP TABLE workflow_tasks")  # revision 0003
                    conn.exec_driver_sql("ALTER TABLE checkpoints DROP COLUMN form")  # revision 0004
                    conn.exec_driver_sql("DROP INDEX ix_tasks_claimable_role_due")  # revision 0005
                    conn.exec_driver_sql("DROP TABLE credit_reports")  # revision 0006
                    conn.exec_driver_sql("DROP TABLE party_links")  # revision 0007
                    conn.exec_driver_sql("DROP TABLE training_records")  # revision 0007
                    conn.exec_driver_sql("ALTER TABLE inspection_targets DROP COLUMN party_key")  # 0007
                    conn.exec_driver_sql("ALTER TABLE inspection_targets DROP COLUMN party_masked")  # 0007
                    conn.exec_driver_sql("DROP TABLE recording_items")  # revision 0008
                    conn.exec_driver_sql("ALTER TABLE evidence_items DROP COLUMN duration_seconds")  # 0009
                command.stamp(alembic_config(), "0001")
                upgrade()
                assert current_revision() == head_revision()
        finally:
            close(app)
