"""A backup of a database holding a finished case with its A/V evidence, restored onto a fresh machine (a new empty
database and an empty evidence store), holds every row and every file, and `audit verify --all` passes; on SQLite
and on PostgreSQL. A restore onto a database that is not empty is refused and changes nothing; a backup of a store
with a damaged file says so (exit 1); a damaged backup is refused before anything is loaded.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, select

from api.extensions import db
from api.services.evidence_store import key_of
from tests.api.backup_support import backed_up_system, database, own_api, run_cli
from tests.api.migration_support import app_on, close


def _rows(app) -> dict[str, list[tuple]]:
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in db.session.execute(query)]
        db.session.remove()
        return rows


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backed_up(request, tmp_path_factory) -> Iterator[dict]:
    """A source system with a finished case and a checkpoint, its backup, and an empty target system."""
    kind = request.param
    with backed_up_system(kind, tmp_path_factory.mktemp(f"backup-{kind}")) as system:
        yield system


@pytest.fixture(scope="module")
def restored(backed_up) -> dict:
    result = run_cli(backed_up["target"], "restore", str(backed_up["backup"]))
    assert result.exit_code == 0, result.output
    return {**backed_up, "restore": result}


def test_the_backup_holds_the_dump_and_every_evidence_file(backed_up):
    result, backup = backed_up["result"], backed_up["backup"]
    assert result.exit_code == 0, result.output
    assert len(backed_up["shas"]) >= 3, "the walked case should hold several A/V records"
    assert backup.stat().st_mode & 0o077 == 0  # personal data: the owner only
    # and every file and folder in it, whatever the umask, so a copy with cp -a or rsync keeps them private
    assert [p for p in backup.rglob("*") if p.stat().st_mode & 0o077] == []
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["kind"] == backed_up["kind"]
    assert (backup / manifest["database"]["file"]).stat().st_size > 0
    assert sorted(e["sha256"] for e in manifest["evidence"]) == backed_up["shas"]
    for sha in backed_up["shas"]:
        assert (backup / "evidence" / key_of(sha)).read_bytes() == \
            (backed_up["folder"] / "src-evidence" / key_of(sha)).read_bytes()


def test_restore_onto_a_fresh_machine_keeps_every_row_and_verifies(restored):
    assert _rows(restored["target"]) == _rows(restored["source"])
    verify = run_cli(restored["target"], "audit", "verify", "--all")
    assert verify.exit_code == 0, verify.output
    assert f"instance {restored['iid']}: OK" in verify.output
    for sha in restored["shas"]:
        assert (restored["folder"] / "dst-evidence" / key_of(sha)).is_file()


def test_the_restored_system_serves_the_evidence_and_takes_new_cases(restored):
    http = own_api(restored["target"])
    items = http.call("GET", f"/api/v1/instances/{restored['iid']}/evidence", "auditor1").get_json()
    assert sorted({i["sha256"] for i in items}) == restored["shas"]
    body = http.call("GET", items[0]["url"], "auditor1")
    assert body.status_code == 200
    assert body.data == (restored["folder"] / "src-evidence" / key_of(items[0]["sha256"])).read_bytes()
    assert http.start("enforcement_case")["id"] > restored["iid"]  # sequences restored too


def test_restore_onto_a_database_that_is_not_empty_is_refused(restored):
    before = _rows(restored["target"])
    again = run_cli(restored["target"], "restore", str(restored["backup"]))
    assert again.exit_code != 0 and "not empty" in again.output
    assert _rows(restored["target"]) == before


def test_a_damaged_backup_is_refused_before_anything_is_loaded(backed_up, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(backed_up["backup"], damaged)
    victim = damaged / "evidence" / key_of(backed_up["shas"][0])
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
    with database(backed_up["kind"], tmp_path, "bk_damaged") as url:
        app = app_on(url, EVIDENCE_DIR=str(tmp_path / "evidence"))
        try:
            result = run_cli(app, "restore", str(damaged))
            assert result.exit_code != 0 and backed_up["shas"][0] in result.output
            with app.app_context():
                assert inspect(db.engine).get_table_names() == []
        finally:
            close(app)


def test_a_backup_of_a_store_with_a_missing_file_says_so(backed_up, tmp_path):
    store = backed_up["folder"] / "src-evidence"
    victim = store / key_of(backed_up["shas"][-1])
    kept = tmp_path / "kept"
    victim.rename(kept)
    try:
        result = run_cli(backed_up["source"], "backup", str(tmp_path / "backup"))
    finally:
        kept.rename(victim)
    assert result.exit_code == 1
    assert f"evidence file {backed_up['shas'][-1]} is missing" in result.output
