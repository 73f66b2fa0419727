"""Where the platform's signing key is configured, a backup's manifest is signed, and a restore with the public
key refuses a manifest that is unsigned, re-signed by another key, or whose content changed after signing — the
forgery the plain manifest checks cannot see: a dump rewritten and its sha256 put into the manifest again. The
target stays empty. An intact signed backup restores and verifies. (SQLite; the signature does not depend on the
database kind.)"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api.extensions import db
from api.services.signing import generate_key
from tests.api.backup_support import backed_up_system, database, run_cli
from tests.api.migration_support import app_on, close


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("signed")
    private, public, _ = generate_key(folder / "keys" / "platform.pem")
    with backed_up_system("sqlite", folder, "bk_signed", source_config={"CHECKPOINT_KEY": str(private)},
                          target_config={"CHECKPOINT_PUBLIC_KEY": str(public)}) as system:
        assert system["result"].exit_code == 0, system["result"].output
        yield {**system, "public": public, "folder": folder}


def _copy(system: dict, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(system["backup"], folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _restore(system: dict, folder: Path, tmp_path: Path, **config) -> tuple:
    with database("sqlite", tmp_path, "bk_signed_target") as url:
        target = app_on(url, EVIDENCE_DIR=str(tmp_path / "target-evidence"),
                        CHECKPOINT_PUBLIC_KEY=str(system["public"]), **config)
        try:
            result = run_cli(target, "restore", str(folder))
            with target.app_context():
                tables = inspect(db.engine).get_table_names()
            if result.exit_code == 0:
                verify = run_cli(target, "audit", "verify", "--all")
            else:
                verify = None
        finally:
            close(target)
    return result, tables, verify


def test_the_backup_signs_its_manifest(signed):
    manifest = _manifest(signed["backup"])
    assert len(manifest["signature"]) == 128 and len(manifest["signer"]) == 64


def test_an_intact_signed_backup_restores_and_verifies(signed, tmp_path):
    result, tables, verify = _restore(signed, _copy(signed, tmp_path), tmp_path)
    assert result.exit_code == 0, result.output
    assert tables
    assert verify.exit_code == 0, verify.output


def _rehashed_dump(folder: Path) -> None:
    """The forgery: the dump changed and its new sha256 written into the manifest (every plain check passes)."""
    manifest = _manifest(folder)
    dump = folder / manifest["database"]["file"]
    with open(dump, "ab") as fh:
        fh.write(b"\x00")
    manifest["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _unsigned(folder: Path) -> None:
    manifest = _manifest(folder)
    del manifest["signature"], manifest["signer"]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _signed_by_another_key(folder: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from api.services.backup import SIGNING_DOMAIN, manifest_digest
    from api.services.signing import key_id

    _rehashed_dump(folder)
    manifest = _manifest(folder)
    other = Ed25519PrivateKey.generate()
    manifest["signature"] = other.sign((SIGNING_DOMAIN + manifest_digest(manifest)).encode()).hex()
    manifest["signer"] = key_id(other.public_key())
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _signer_claimed(folder: Path) -> None:
    """Another key's signature under the platform key's id."""
    signer = _manifest(folder)["signer"]
    _signed_by_another_key(folder)
    manifest = _manifest(folder)
    manifest["signer"] = signer
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _evidence_dropped(folder: Path) -> None:
    manifest = _manifest(folder)
    dropped = manifest["evidence"].pop()
    from api.services.evidence_store import key_of

    (folder / "evidence" / key_of(dropped["sha256"])).unlink()
    (folder / "manifest.json").write_text(json.dumps(manifest))


FORGERIES = {"rehashed_dump": _rehashed_dump, "unsigned": _unsigned, "signed_by_another_key": _signed_by_another_key,
             "signer_claimed": _signer_claimed, "evidence_dropped": _evidence_dropped}


@pytest.mark.parametrize("how", list(FORGERIES))
def test_a_forged_manifest_is_refused_and_changes_nothing(signed, tmp_path, how):
    folder = _copy(signed, tmp_path)
    FORGERIES[how](folder)
    result, tables, _ = _restore(signed, folder, tmp_path)
    assert result.exit_code != 0, result.output
    assert "manifest.json" in result.output and "sign" in result.output, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert tables == []
    store = tmp_path / "target-evidence"
    assert not [p for p in store.rglob("*") if p.is_file() and p.relative_to(store).parts[0] != "tmp"]


def test_without_a_key_the_forgery_is_what_the_signature_is_for(signed, tmp_path):
    """The same re-hashed dump passes the plain checks: only the signature tells (why the key matters)."""
    from api.services.backup import check_backup

    folder = _copy(signed, tmp_path)
    _rehashed_dump(folder)
    with signed["source"].app_context():
        signed["source"].config.pop("CHECKPOINT_KEY")
        try:
            assert check_backup(folder) == []
        finally:
            signed["source"].config["CHECKPOINT_KEY"] = str(signed["folder"] / "keys" / "platform.pem")
