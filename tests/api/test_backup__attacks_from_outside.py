"""Backup and restore under what an attack from outside tried (each failed before its fix):

- a signed SQLite backup with a hot journal slipped in beside its unchanged dump: SQLite played the journal back
  into the dump when the restore opened it (an added admin, the append-only triggers gone) and the restored copy
  verified; a restore now refuses any file the manifest does not list, loads a private copy of the dump hashed as
  it was copied (read-only, immutable), and never writes to the backup folder;
- a backup that recorded a lost evidence file could never be restored (`--accept-missing-evidence`);
- a backup from a newer release (an unknown schema revision) was loaded, then could be neither upgraded nor served;
- a PostgreSQL database holding only a view, a sequence or another schema's table counted as empty;
- a failed dump left the folder half-written, and the retry was refused as "not empty".
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from api.extensions import db
from api.services.evidence_store import key_of
from tests.api.backup_support import database, made_backup, run_cli
from tests.api.migration_support import app_on, close


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backed_up(request, tmp_path_factory) -> Iterator[dict]:
    with made_backup(request.param, tmp_path_factory.mktemp(f"attack-{request.param}"), "bk_attack") as system:
        yield system


def _copy(backed_up: dict, folder: Path) -> Path:
    shutil.copytree(backed_up["backup"], folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    return folder


def _unsigned_copy(backed_up: dict, folder: Path, change) -> Path:
    """A copy of the backup whose manifest ``change`` edited (unsigned: as whoever edits it without the key)."""
    _copy(backed_up, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    manifest.pop("signature", None)
    manifest.pop("signer", None)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _hot_journal(dump: Path, work: Path) -> None:
    """Write ``<dump>-journal``: a rollback journal that turns the dump into a copy with a user ``mallory`` and
    without the events table's append-only triggers when SQLite opens the dump (the dump itself is unchanged)."""
    tampered = work / "tampered.sqlite3"
    shutil.copy(dump, tampered)
    conn = sqlite3.connect(tampered)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(users)")]
    row = dict(zip(columns, conn.execute("SELECT * FROM users ORDER BY id LIMIT 1").fetchone(), strict=True))
    row.update(id=99_999, username="mallory", display_name="mallory")
    conn.execute(f"INSERT INTO users ({','.join(row)}) VALUES ({','.join('?' * len(row))})", list(row.values()))
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")\
            .fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.commit()
    conn.close()
    original, changed = dump.read_bytes(), tampered.read_bytes()
    page = struct.unpack(">H", original[16:18])[0]
    page = 65536 if page == 1 else page
    nonce, sector, records, count = 0x12345678, 512, b"", 0
    for number in range(1, len(changed) // page + 1):
        content = changed[(number - 1) * page: number * page]
        if original[(number - 1) * page: number * page] == content:
            continue
        checksum, i = nonce, page - 200
        while i > 0:
            checksum = (checksum + content[i]) & 0xFFFFFFFF
            i -= 200
        records += struct.pack(">I", number) + content + struct.pack(">I", checksum)
        count += 1
    header = bytes.fromhex("d9d505f920a163d7") + struct.pack(">IIIII", count, nonce, len(changed) // page, sector,
                                                               page)
    Path(f"{dump}-journal").write_bytes(header.ljust(sector, b"\0") + records)


@pytest.mark.parametrize("backed_up", ["sqlite"], indirect=True)
def test_a_hot_journal_beside_an_unchanged_sqlite_dump_is_refused(backed_up, tmp_path):
    folder = _copy(backed_up, tmp_path / "journal")
    dump = folder / "database.sqlite3"
    _hot_journal(dump, tmp_path)
    before = _hashes(folder)
    with database("sqlite", tmp_path, "bk_journal") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "journal-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code != 0, result.output
            assert "database.sqlite3-journal is not listed in the manifest" in result.output, result.output
            with target.app_context():
                assert inspect(db.engine).get_table_names() == []
        finally:
            close(target)
    assert _hashes(folder) == before  # the backup itself untouched: the journal was not played back into it


@pytest.mark.parametrize("backed_up", ["sqlite"], indirect=True)
def test_the_dump_is_loaded_read_only_whatever_lies_beside_it(backed_up, tmp_path):
    """Below the refusal: the SQLite loader opens the dump immutable, so a journal beside it is never applied."""
    from api.models import User
    from api.services.backup import _load_sqlite

    work = tmp_path / "loader"
    work.mkdir()
    dump = work / "database.sqlite3"
    shutil.copy(backed_up["backup"] / "database.sqlite3", dump)
    _hot_journal(dump, tmp_path)
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    with database("sqlite", tmp_path, "bk_loader") as url:
        target = app_on(url)
        try:
            with target.app_context():
                _load_sqlite(dump)
                assert db.session.scalar(select(User).where(User.username == "mallory")) is None
                with db.engine.connect() as conn:
                    triggers = conn.exec_driver_sql(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").scalar()
                assert triggers > 0
                db.session.remove()
        finally:
            close(target)
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == digest


def test_a_restore_never_writes_to_the_backup_folder(backed_up, tmp_path):
    folder = _copy(backed_up, tmp_path / "intact")
    before = _hashes(folder)
    with database(backed_up["kind"], tmp_path, "bk_intact") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "intact-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code == 0, result.output
        finally:
            close(target)
    assert _hashes(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(before_names(before))


def before_names(hashes: dict[str, str]) -> set[str]:
    return {name.split("/")[0] for name in hashes}


def test_a_backup_of_a_newer_release_is_refused_before_anything_is_loaded(backed_up, tmp_path):
    folder = _unsigned_copy(backed_up, tmp_path / "newer", lambda m: m["database"].update(revision="0999"))
    with database(backed_up["kind"], tmp_path, "bk_newer") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "newer-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code != 0 and "'0999'" in result.output, result.output
            assert isinstance(result.exception, SystemExit), result.exception
            with target.app_context():
                assert inspect(db.engine).get_table_names() == []
            assert not any(p.is_file() for p in (tmp_path / "newer-evidence").rglob("*"))
        finally:
            close(target)


OTHER_OBJECTS = {
    "postgresql": ["CREATE VIEW lonely AS SELECT 1 AS one", "CREATE SEQUENCE lonely_seq",
                   "CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.kept (id integer)",
                   # found by a second attack: objects outside pg_class
                   "CREATE FUNCTION lonely_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
                   "CREATE TYPE lonely_mood AS ENUM ('calm')", "CREATE SCHEMA empty_elsewhere",
                   # and by a third: objects and settings a restore inherits
                   "CREATE PUBLICATION lonely_pub FOR ALL TABLES", "SELECT lo_create(4242)",
                   "CREATE COLLATION lonely_c (provider = libc, locale = 'C')",
                   "DO $$BEGIN EXECUTE format('ALTER DATABASE %%I SET search_path = spy, public', current_database())"
                   ";END$$",
                   "DO $$BEGIN EXECUTE format('GRANT CREATE ON DATABASE %%I TO PUBLIC', current_database());END$$",
                   # and by a fifth: the public schema opened to others (a shadowing public.lower())
                   "GRANT CREATE ON SCHEMA public TO PUBLIC"],
    "sqlite": ["CREATE VIEW lonely AS SELECT 1 AS one"],
}


def test_a_database_holding_anything_is_not_empty(backed_up, tmp_path):
    for index, statement in enumerate(OTHER_OBJECTS[backed_up["kind"]]):
        with database(backed_up["kind"], tmp_path, f"bk_notempty{index}") as url:
            target = app_on(url, EVIDENCE_DIR=str(tmp_path / f"notempty-evidence{index}"))
            try:
                with target.app_context(), db.engine.begin() as conn:
                    for part in statement.split("; "):
                        conn.exec_driver_sql(part)
                result = run_cli(target, "restore", str(backed_up["backup"]))
                assert result.exit_code != 0 and "is not empty" in result.output, (statement, result.output)
                with target.app_context():
                    assert "events" not in inspect(db.engine).get_table_names()
            finally:
                close(target)


def test_a_backup_that_lost_an_evidence_file_restores_when_the_loss_is_accepted(backed_up, tmp_path):
    source, lost = backed_up["source"], backed_up["shas"][0]
    store = backed_up["folder"] / "src-evidence"
    kept = tmp_path / "kept-file"
    shutil.move(store / key_of(lost), kept)  # lost from the store: content-addressed, it cannot be made again
    try:
        made = run_cli(source, "backup", str(tmp_path / "lossy"))
    finally:
        shutil.move(kept, store / key_of(lost))
    assert made.exit_code == 1 and f"evidence file {lost} is missing from the store" in made.output, made.output
    with database(backed_up["kind"], tmp_path, "bk_lossy") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "lossy-evidence"))
        try:
            refused = run_cli(target, "restore", str(tmp_path / "lossy"))
            assert refused.exit_code != 0 and "--accept-missing-evidence" in refused.output, refused.output
            with target.app_context():
                assert inspect(db.engine).get_table_names() == []
            restored = run_cli(target, "restore", "--accept-missing-evidence", str(tmp_path / "lossy"))
            assert restored.exit_code == 0, restored.output
            assert lost in restored.output and "accepted" in restored.output, restored.output
            for sha in backed_up["shas"][1:]:
                assert (tmp_path / "lossy-evidence" / key_of(sha)).is_file()
            verify = run_cli(target, "audit", "verify", "--all")
            assert verify.exit_code == 1, verify.output  # the case that lacks the file is named, not passed
            assert f"instance {backed_up['iid']}: FAILED" in verify.output, verify.output
        finally:
            close(target)


def test_accepting_missing_evidence_accepts_nothing_else(backed_up, tmp_path):
    folder = _unsigned_copy(backed_up, tmp_path / "other-problem",
                            lambda m: m.update(problems=["the dump was cut short"]))
    with database(backed_up["kind"], tmp_path, "bk_other") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "other-evidence"))
        try:
            result = run_cli(target, "restore", "--accept-missing-evidence", str(folder))
            assert result.exit_code != 0 and "the dump was cut short" in result.output, result.output
            with target.app_context():
                assert inspect(db.engine).get_table_names() == []
        finally:
            close(target)


@pytest.mark.parametrize("existed", [False, True])
def test_a_failed_dump_leaves_no_half_backup_and_the_retry_works(backed_up, tmp_path, monkeypatch, existed):
    from engine.errors import StateConflict

    folder = tmp_path / "retry"
    if existed:
        folder.mkdir()

    def broken(out: Path):
        out.write_bytes(b"half a dump")
        raise StateConflict("pg_dump failed (1): disk full")

    name = "_dump_postgres" if backed_up["kind"] == "postgresql" else "_dump_sqlite"
    with monkeypatch.context() as patched:
        patched.setattr(f"api.services.backup.{name}", broken)
        failed = run_cli(backed_up["source"], "backup", str(folder))
    assert failed.exit_code != 0 and "disk full" in failed.output, failed.output
    assert (list(folder.iterdir()) == []) if existed else not folder.exists()
    again = run_cli(backed_up["source"], "backup", str(folder))
    assert again.exit_code == 0, again.output
    assert (folder / "manifest.json").is_file()


def test_a_named_pipe_for_the_manifest_is_refused_at_once(backed_up, tmp_path):
    """Found by a second attack: a FIFO named manifest.json held the restore for ever."""
    import os
    import threading

    folder = _copy(backed_up, tmp_path / "fifo")
    (folder / "manifest.json").unlink()
    os.mkfifo(folder / "manifest.json")
    with database(backed_up["kind"], tmp_path, "bk_fifo") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "fifo-evidence"))
        try:
            results: list = []
            worker = threading.Thread(target=lambda: results.append(run_cli(target, "restore", str(folder))),
                                      daemon=True)
            worker.start()
            worker.join(60)
            assert results, "the restore was still waiting on the pipe after 60 s"
            assert results[0].exit_code != 0 and "not a regular file" in results[0].output, results[0].output
        finally:
            close(target)


def test_a_file_swapped_for_a_link_after_the_checks_is_never_copied(backed_up, tmp_path, monkeypatch):
    """Found by a second attack: an evidence file replaced by a link to /dev/zero between the checks and the copy
    made the restore copy without end (the store's disk filled)."""
    folder = _copy(backed_up, tmp_path / "swapped")
    victim = folder / "evidence" / key_of(backed_up["shas"][-1])
    victim.unlink()
    victim.symlink_to("/dev/zero")
    monkeypatch.setattr("api.services.backup._check_files", lambda *_: [])  # the swap came after the checks
    with database(backed_up["kind"], tmp_path, "bk_swapped") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "swapped-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code != 0 and "is a link" in result.output, result.output
            with target.app_context():
                assert "events" not in inspect(db.engine).get_table_names()
            staged = [p for p in (tmp_path / "swapped-evidence").rglob("*") if p.is_file()]
            assert all(p.stat().st_size < 1 << 20 for p in staged), staged
        finally:
            close(target)
