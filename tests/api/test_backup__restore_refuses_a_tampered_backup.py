"""A restore checks the backup against its manifest before it changes anything: a file the manifest lists that is
missing or of another size or hash, a file in the evidence part the manifest does not list, or a manifest that is
not valid (unreadable, of an unknown format, malformed, naming a file outside the backup, or recording problems
of the backup itself) is refused with a non-zero exit and a message naming the file, and the target database and
evidence store stay empty. On SQLite and on PostgreSQL.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api.extensions import db
from api.services.evidence_store import key_of
from tests.api.backup_support import database, made_backup, run_cli
from tests.api.migration_support import app_on, close

STRAY = "ab" * 32


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backed_up(request, tmp_path_factory) -> Iterator[dict]:
    with made_backup(request.param, tmp_path_factory.mktemp(f"tamper-{request.param}"), "bk_tamper") as system:
        yield system


def _writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _write_manifest(folder: Path, manifest: dict) -> None:
    _writable(folder / "manifest.json").write_text(json.dumps(manifest))


def _edit(change: Callable[[dict], None]) -> Callable[[Path, dict], str]:
    def tamper(folder: Path, system: dict) -> str:  # noqa: ARG001
        manifest = _manifest(folder)
        change(manifest)
        _write_manifest(folder, manifest)
        return "manifest.json"
    return tamper


def _evidence(folder: Path, sha: str) -> Path:
    return folder / "evidence" / key_of(sha)


def missing_evidence(folder: Path, system: dict) -> str:
    _evidence(folder, system["shas"][0]).unlink()
    return system["shas"][0]


def evidence_of_another_size(folder: Path, system: dict) -> str:
    victim = _writable(_evidence(folder, system["shas"][1]))
    victim.write_bytes(victim.read_bytes() + b"\x00")
    return system["shas"][1]


def evidence_of_another_hash(folder: Path, system: dict) -> str:
    victim = _writable(_evidence(folder, system["shas"][-1]))  # the last: earlier ones would be installed first
    data = victim.read_bytes()
    victim.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    return system["shas"][-1]


def unlisted_evidence(folder: Path, system: dict) -> str:  # noqa: ARG001
    stray = _evidence(folder, STRAY)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"not in the manifest")
    return STRAY


def unlisted_other_file(folder: Path, system: dict) -> str:  # noqa: ARG001
    (folder / "evidence" / "notes.txt").write_text("slipped in")
    return "notes.txt"


def unlisted_file_beside_the_dump(folder: Path, system: dict) -> str:  # noqa: ARG001
    name = _manifest(folder)["database"]["file"] + "-journal"  # what SQLite would play back into its dump
    (folder / name).write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))
    return name


def listed_evidence_dropped_from_manifest(folder: Path, system: dict) -> str:
    manifest = _manifest(folder)
    manifest["evidence"] = [e for e in manifest["evidence"] if e["sha256"] != system["shas"][0]]
    _write_manifest(folder, manifest)
    return system["shas"][0]  # its file is now unlisted


def dump_altered(folder: Path, system: dict) -> str:
    name = _manifest(folder)["database"]["file"]
    dump = _writable(folder / name)
    with open(dump, "ab") as fh:
        fh.write(b"\x00")
    return name


def dump_missing(folder: Path, system: dict) -> str:  # noqa: ARG001
    name = _manifest(folder)["database"]["file"]
    (folder / name).unlink()
    return name


def manifest_not_json(folder: Path, system: dict) -> str:  # noqa: ARG001
    _writable(folder / "manifest.json").write_text('{"format": "sanxiang-backup/1", ')
    return "manifest.json"


def manifest_missing(folder: Path, system: dict) -> str:  # noqa: ARG001
    (folder / "manifest.json").unlink()
    return "manifest.json"


TAMPERS = {
    "missing_evidence": missing_evidence,
    "evidence_of_another_size": evidence_of_another_size,
    "evidence_of_another_hash": evidence_of_another_hash,
    "unlisted_evidence": unlisted_evidence,
    "unlisted_other_file": unlisted_other_file,
    "unlisted_file_beside_the_dump": unlisted_file_beside_the_dump,
    "listed_evidence_dropped_from_manifest": listed_evidence_dropped_from_manifest,
    "dump_altered": dump_altered,
    "dump_missing": dump_missing,
    "manifest_not_json": manifest_not_json,
    "manifest_missing": manifest_missing,
    "manifest_unknown_format": _edit(lambda m: m.update(format="sanxiang-backup/0")),
    "manifest_without_evidence_list": _edit(lambda m: m.pop("evidence")),
    "manifest_size_not_a_number": _edit(lambda m: m["evidence"][0].update(size="12")),
    "manifest_sha_not_hex": _edit(lambda m: m["evidence"][0].update(sha256="../../x")),
    "manifest_entry_twice": _edit(lambda m: m["evidence"].append(dict(m["evidence"][0]))),
    "manifest_dump_outside": _edit(lambda m: m["database"].update(file="../database.sqlite3")),
    "manifest_dump_sha_missing": _edit(lambda m: m["database"].pop("sha256")),
    "manifest_records_problems": _edit(lambda m: m.update(problems=["evidence file x is missing from the store"])),
}


@pytest.mark.parametrize("how", list(TAMPERS))
def test_a_tampered_backup_is_refused_and_changes_nothing(backed_up, tmp_path, how):
    folder = tmp_path / "tampered"
    shutil.copytree(backed_up["backup"], folder)
    _writable(folder / "evidence")
    for sub in (folder / "evidence").rglob("*"):
        if sub.is_dir():
            _writable(sub).chmod(0o755)
    named = TAMPERS[how](folder, backed_up)
    with database(backed_up["kind"], tmp_path, "bk_tampered") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "target-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code != 0, result.output
            assert named in result.output, result.output
            assert isinstance(result.exception, SystemExit), result.exception  # a refusal, not a crash
            with target.app_context():
                assert inspect(db.engine).get_table_names() == []
            store = Path(target.config["EVIDENCE_DIR"])
            installed = [p for p in store.rglob("*") if p.is_file() and p.relative_to(store).parts[0] != "tmp"]
            assert installed == []  # not one evidence file installed either
        finally:
            close(target)


def test_an_intact_copy_passes_the_checks(backed_up, tmp_path):
    """The tampering cases above are refused for what was changed, not for the copy itself: an intact copy of
    the backup passes every check."""
    from api.services.backup import check_backup

    folder = tmp_path / "copy"
    shutil.copytree(backed_up["backup"], folder)
    with backed_up["target"].app_context():
        assert check_backup(folder) == []


def test_a_truncated_dump_under_a_rewritten_manifest_is_refused_without_loading(backed_up, tmp_path):
    """Without a signing key, whoever truncates the dump can write its new sha256 into the manifest: the checks
    pass, and the database tool refuses the file. Found from outside: the answer was the tool's bare error; it now
    says what was and was not restored, and nothing of the database is loaded."""
    import hashlib

    folder = tmp_path / "truncated"
    shutil.copytree(backed_up["backup"], folder)
    manifest = _manifest(folder)
    dump = _writable(folder / manifest["database"]["file"])
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) // 2])
    manifest["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    manifest.pop("signature", None)
    _write_manifest(folder, manifest)
    with database(backed_up["kind"], tmp_path, "bk_truncated") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "target-evidence"))
        try:
            result = run_cli(target, "restore", str(folder))
            assert result.exit_code != 0, result.output
            assert isinstance(result.exception, SystemExit), result.exception  # a refusal, not a crash
            if backed_up["kind"] == "postgresql":
                assert "the database was not loaded" in result.output, result.output
                with target.app_context():
                    assert inspect(db.engine).get_table_names() == []
            else:
                assert "may be incomplete" in result.output, result.output
        finally:
            close(target)
