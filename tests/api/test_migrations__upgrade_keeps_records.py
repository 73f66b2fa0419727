"""A database made by the previous revision (0001), with a walked case in it (instance, task rows, events,
snapshots, evidence, a checkpoint), is upgraded to the head and loses nothing: every row of every table is still
there unchanged, the case's history verifies (chain and replay) and the append-only guards still refuse an UPDATE
or DELETE of an event.

Downgrades: a revision whose downgrade would drop records refuses it (0001: legal records are never dropped);
one that only drops an index (0002) is harmless and keeps every row; 0003 puts each workflow saved in task rows back
whole into ``instances.state`` before it drops them.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import DBAPIError

from api.cli import deploy_dirs, seed_demo
from api.extensions import db
from api.models import Checkpoint, WorkflowTask
from api.models.parties import PartyLink
from api.models.types import utcnow
from api.schema import MIGRATIONS_DIR, alembic_config, current_revision, head_revision, upgrade
from api.services.checkpoints import checkpoint_hash, current_heads
from engine.history import GENESIS, canonical_time
from tests.api.migration_support import app_on, close, fresh_database
from tests.api.walk import run_major_case
from tests.conftest import Api

#: the inspection targets' columns revision 0007 adds (today's models write them)
_TARGET_COLUMNS_0007 = (("party_key", 64), ("party_masked", 32))


def _old_checkpoint() -> None:
    """A checkpoint as the release before revision 0004 made it: every stream's head, no form."""
    at = utcnow()
    heads = current_heads()
    with db.engine.begin() as conn:
        conn.execute(insert(Checkpoint.__table__).values(
            at=at, heads=heads, prev_hash=GENESIS, hash=checkpoint_hash(canonical_time(at), heads, GENESIS)))


def _revision(number: str):
    """A revision module (its helpers), loaded from api/migrations/versions."""
    path = next((MIGRATIONS_DIR / "versions").glob(f"{number}_*.py"))
    spec = importlib.util.spec_from_file_location(f"revision_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _OwnApi(Api):
    """Tokens of this database only (the suite's ``Api`` caches tokens of the session database)."""

    _tokens: dict[str, str] = {}


def _rows(app) -> dict[str, list[dict]]:
    """Every row of every table the database has, in primary-key order (the columns it has)."""
    with app.app_context():
        rows = {}
        inspector = inspect(db.engine)
        present = set(inspector.get_table_names())
        for table in [t for t in db.metadata.sorted_tables if t.name in present]:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            query = select(*[c for c in table.columns if c.name in columns]).order_by(*table.primary_key.columns)
            rows[table.name] = [dict(row._mapping) for row in db.session.execute(query)]
        db.session.remove()
        return rows


def _kept(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> bool:
    """Every row of ``before`` is in ``after`` unchanged (columns a revision added aside), and the tables a
    revision added are empty."""
    same = {name: [{k: row[k] for k in old} for row, old in zip(after[name], rows, strict=False)]
            for name, rows in before.items()}
    counts = all(len(after[name]) == len(rows) for name, rows in before.items())
    return counts and same == before and all(not after[name] for name in set(after) - set(before))


def _refused(app, sql: str) -> str:
    with app.app_context(), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.exec_driver_sql(sql)
        except DBAPIError as exc:
            return str(exc.orig)
        finally:
            trans.rollback()
    pytest.fail(f"{sql} was accepted")


@pytest.fixture(scope="module")
def at_0001(tmp_path_factory) -> Iterator[tuple]:
    """An app on a database at revision 0001 holding a major case walked to its end and a checkpoint."""
    folder = tmp_path_factory.mktemp("mig-records")
    with fresh_database(folder, "mig_records") as url:
        app = app_on(url, EVIDENCE_DIR=str(folder / "evidence"))
        try:
            with app.app_context():
                upgrade("0001")
                assert current_revision() == "0001"
                # today's code links a case to its party and writes the targets' party columns (revision 0007)
                PartyLink.__table__.create(db.engine)
                with db.engine.begin() as conn:
                    for column, width in _TARGET_COLUMNS_0007:
                        conn.exec_driver_sql(f"ALTER TABLE inspection_targets ADD COLUMN {column} VARCHAR({width})")
                deploy_dirs()
                seed_demo()
                WorkflowTask.__table__.create(db.engine)  # today's code saves workflows there (revision 0003)
                with db.engine.begin() as conn:  # today's code records A/V durations there (0009)
                    conn.exec_driver_sql("ALTER TABLE evidence_items ADD COLUMN duration_seconds INTEGER")
            _OwnApi._tokens.clear()
            http = _OwnApi(app.test_client())
            iid = run_major_case(http)
            with app.app_context():
                _old_checkpoint()
                with db.engine.begin() as conn:  # as the release before 0003 left it: each workflow whole
                    _revision("0003").fold_into_state(conn)
                    WorkflowTask.__table__.drop(conn)
                    PartyLink.__table__.drop(conn)  # as the release before 0007 had none of it
                    for column, _ in _TARGET_COLUMNS_0007:
                        conn.exec_driver_sql(f"ALTER TABLE inspection_targets DROP COLUMN {column}")
                    conn.exec_driver_sql("ALTER TABLE evidence_items DROP COLUMN duration_seconds")
            app.extensions.pop("sanxiang_hot", None)  # a new release starts with new processes
            yield app, http, iid
        finally:
            close(app)


@pytest.fixture(scope="module")
def upgraded(at_0001) -> tuple:
    app, http, iid = at_0001
    before = _rows(app)
    with app.app_context():
        upgrade()
        assert current_revision() == head_revision()
    return app, http, iid, before


def test_the_old_database_holds_a_walked_case(at_0001):
    app, _, _ = at_0001
    rows = _rows(app)
    for table in ("instances", "tasks", "events", "blobs", "checkpoints", "evidence_items", "definition_files"):
        assert rows[table], f"{table} is empty: the upgrade test would prove nothing"


def test_upgrade_to_the_head_keeps_every_row_of_every_table(upgraded):
    app, _, _, before = upgraded
    assert _kept(before, _rows(app))


def test_the_upgraded_history_verifies(upgraded):
    _, http, iid, _ = upgraded
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert result["problems"] == [] and result["ok"] and result["chain_ok"] and result["replay_ok"]


def test_the_upgraded_events_stay_append_only(upgraded):
    app, _, iid, before = upgraded
    assert "append-only" in _refused(app, f"UPDATE events SET type = 'forged' WHERE instance_id = {iid}")
    assert "append-only" in _refused(app, f"DELETE FROM events WHERE instance_id = {iid}")
    assert _rows(app)["events"] == before["events"]


def test_the_upgraded_database_serves_the_inbox(upgraded):
    _, http, _, _ = upgraded
    assert http.call("GET", "/api/v1/tasks", "officer1").status_code == 200


def test_downgrade_of_0002_is_harmless_and_of_0001_refused(upgraded):
    app, _, _, before = upgraded
    with app.app_context():
        command.downgrade(alembic_config(), "0001")  # drops the inbox indexes only
        assert current_revision() == "0001"
        assert "ix_tasks_ready_role_due" not in {i["name"] for i in inspect(db.engine).get_indexes("tasks")}
        with pytest.raises(RuntimeError, match="never dropped"):
            command.downgrade(alembic_config(), "base")
        assert current_revision() == "0001"
    assert _rows(app) == before
    with app.app_context():
        upgrade()
        assert current_revision() == head_revision()
    assert _kept(before, _rows(app))


def test_downgrade_of_0007_is_refused_once_a_party_link_is_recorded(upgraded):
    """Revisions 0006 and 0007 go back only while their tables are empty (above); a recorded link is history."""
    app, _, iid, _ = upgraded
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(insert(PartyLink.__table__).values(
                instance_id=iid, org_id=None, party_key="k" * 64, party_kind="person", party_masked="1301**********12",
                process_key="enforcement_case", recorded_by="officer1", recorded_at=utcnow()))
        with pytest.raises(RuntimeError, match="never dropped"):
            command.downgrade(alembic_config(), "0006")  # later revisions, still empty, may go back first
        assert current_revision() not in ("0006", "0005")
        assert "party_links" in inspect(db.engine).get_table_names()
        upgrade()
        assert current_revision() == head_revision()
