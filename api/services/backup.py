"""Backup and restore of the database and the evidence store, consistent with each other.

A backup is a folder::

    manifest.json          what is in it (written last: a folder without it is no backup)
    database.pgdump        PostgreSQL: ``pg_dump --format=custom`` of one exported snapshot
    database.sqlite3       SQLite: a copy made by SQLite's online backup API
    evidence/ab/cd/<sha>   every evidence file the dumped database refers to

Consistency: the dump is one transaction snapshot (PostgreSQL: ``pg_export_snapshot()`` in a REPEATABLE READ
transaction, handed to ``pg_dump --snapshot``; SQLite: the backup API copies one consistent state). The evidence
files copied are exactly those the dump's ``evidence_items`` name (read in the same snapshot, or from the copy).
Evidence files are content-addressed and never change, so copying them after the dump is consistent: whatever
was committed is in both; an upload committed after the snapshot is in neither. Each file is re-hashed while it is
copied; a file missing or altered in the store is reported and the backup fails (exit 1), so a damaged store is
noticed when it is backed up, not when it is restored.

A restore refuses a database that has any table, then a manifest that is not valid (unreadable, of another
format, malformed, or recording problems of the backup itself) and a backup whose files differ from the manifest (a
listed file missing or of another size or sha256, an unlisted file in ``evidence/``) — all before anything is
installed or loaded; then it installs the evidence files into the configured store (either backend, each re-hashed
again as it is copied), then loads the database (PostgreSQL: ``pg_restore --single-transaction``). Run ``flask --app api audit verify --all`` afterwards.

Signed manifests: where the checkpoint signing key is configured (``CHECKPOINT_KEY``, api/services/signing.py), the
backup signs the manifest (``signature``, ``signer``: Ed25519 over the sha256 of its canonical JSON without those two
fields, in its own domain, so a checkpoint signature can never pass for a manifest's). Where a key is configured for
the restore (``CHECKPOINT_PUBLIC_KEY``, or the private key), a manifest that is unsigned, signed by another key or
whose signature does not verify is refused before anything is read: whoever rewrites a dump and re-hashes the
manifest cannot sign it. Without any key configured the manifest is checked as before, unsigned.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import StateConflict

from ..extensions import db
from ..models.types import utc_iso, utcnow
from ..schema import VERSION_TABLE
from . import restore_target
from .evidence_store import CHUNK, ObjectChanged, key_of, staging_dir, store
from .plain_files import NotPlainFile, open_plain_file
from .signing import SigningKeyError, public_key, sign, signature_problem

FORMAT = "sanxiang-backup/1"
#: what a manifest signature signs: this prefix and the manifest's digest (never a checkpoint's, see signing.DOMAIN)
SIGNING_DOMAIN = "sanxiang-backup-manifest-v1:"
_SIGNATURE_FIELDS = ("signature", "signer")
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: the largest manifest read (about 2 million evidence entries)
MANIFEST_MAX_BYTES = 256 << 20


@dataclass
class Report:
    folder: Path
    database: str
    revision: str | None
    evidence_files: int = 0
    evidence_bytes: int = 0
    problems: list[str] = field(default_factory=list)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with _open_backup_file(path) as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class NotRegular(StateConflict):
    """A file of a backup that is a link, a pipe or a device, not a regular file."""


def _open_backup_file(path: Path) -> Any:
    """A file of a backup opened for reading without following a link, that must be a regular file (a link put in
    its place after the checks would have the restore copy what it points to — a key, /dev/zero without end — and
    a named pipe in place of the manifest held the restore for ever).

    Raises:
        NotRegular: naming the file. FileNotFoundError: it is missing.
    """
    try:
        return open_plain_file(path)
    except NotPlainFile as exc:
        what = "a link, not a file of the backup" if exc.link else "not a regular file of the backup"
        raise NotRegular(f"{path.name} is {what}; nothing was restored") from None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI for the pg_* tools (without the password) and the environment carrying the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StateConflict(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _dump_postgres(out: Path) -> tuple[set[str], str | None]:
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            shas = set(conn.exec_driver_sql("SELECT DISTINCT sha256 FROM evidence_items").scalars())
            revision = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={out}", f"--dbname={uri}"], env)
    return shas, revision


def _dump_sqlite(out: Path) -> tuple[set[str], str | None]:
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(out)
        try:
            raw.driver_connection.backup(target)  # one consistent copy, whatever writers do meanwhile
            shas = {row[0] for row in target.execute("SELECT DISTINCT sha256 FROM evidence_items")}
            revision = target.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        finally:
            target.close()
    finally:
        raw.close()
    return shas, revision[0] if revision else None


def _copy_verified(source: Any, target: Path, sha256: str, limit: int | None = None) -> tuple[int, bool]:
    """Copy a reader to ``target`` (fsynced), hashing as it goes; returns (size, matches). With ``limit``, at most
    one byte more than it is read: a source that grew is a mismatch, never a copy without end."""
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK if limit is None else min(CHUNK, limit + 1 - size)):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
            if limit is not None and size > limit:
                break
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest() == sha256


def backup(folder: Path) -> Report:
    """Back up the database and the evidence it refers to into ``folder`` (new or empty); every file and folder
    of it is the owner's only (it holds the case records' personal data), whatever the umask.

    Raises:
        StateConflict: the folder is not empty, the database kind has no dump, or the dump tool failed.
    """
    previous = os.umask(0o077)  # the dump tool inherits it too
    existed = folder.exists()
    try:
        kind = _prepare(folder)
        try:
            return _backup(folder, kind)
        except BaseException:
            # the dump tool failed, the evidence store could not be read, the command was interrupted: what was
            # written is no backup, and a folder without its manifest would only be mistaken for one (or refuse
            # the retry as "not empty")
            if not (folder / MANIFEST).exists():
                if existed:
                    for child in folder.iterdir():
                        shutil.rmtree(child) if child.is_dir() else child.unlink()
                else:
                    shutil.rmtree(folder, ignore_errors=True)
            raise
    finally:
        os.umask(previous)


def _check_schema(kind: str) -> None:
    """Refuse a database that holds no Sanxiang schema (a mistyped URL, a database never upgraded), before any
    file is made: on SQLite, before connecting makes an empty database file at that path.

    Raises:
        StateConflict: saying so.
    """
    where = db.engine.url.render_as_string(hide_password=True)
    if kind == "sqlite":
        path = make_url(str(db.engine.url)).database
        if not path or path == ":memory:" or not Path(path).is_file():
            raise StateConflict(f"the database {where} does not exist, so it holds no Sanxiang schema: nothing "
                                "was backed up (check SANXIANG_DATABASE_URL)")
    try:
        tables = set(inspect(db.engine).get_table_names())
    except SQLAlchemyError as exc:  # no such database, not a database file, the server down
        raise StateConflict(f"the database {where} cannot be read ({type(exc.orig or exc).__name__}): nothing was "
                            "backed up (check SANXIANG_DATABASE_URL)") from None
    if not {"evidence_items", VERSION_TABLE} <= tables:
        raise StateConflict(f"the database {where} holds no Sanxiang schema (no {VERSION_TABLE} or evidence_items "
                            "table): nothing was backed up (check SANXIANG_DATABASE_URL; a new database is made "
                            "with `flask --app api db upgrade`)")


def _prepare(folder: Path) -> str:
    """Check the database and make the (new or empty) backup folder, the owner's only; the database's kind.

    Raises:
        StateConflict: the database kind has no dump, holds no Sanxiang schema, or the folder is not empty.
    """
    kind = db.engine.dialect.name
    if kind not in DUMPS:
        raise StateConflict(f"no backup for a {kind} database (PostgreSQL and SQLite are supported)")
    _check_schema(kind)
    if folder.exists() and any(folder.iterdir()):
        raise StateConflict(f"{folder} is not empty; back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # it holds the case records' personal data: the owner only
    return kind


def _backup(folder: Path, kind: str) -> Report:
    (folder / "evidence").mkdir(exist_ok=True)
    dump = folder / DUMPS[kind]
    db.session.remove()  # no session transaction of ours stands in the dump's way
    shas, revision = _dump_postgres(dump) if kind == "postgresql" else _dump_sqlite(dump)
    report = Report(folder, kind, revision)
    entries = []
    evidence = store()
    for sha256 in sorted(shas):
        target = folder / "evidence" / key_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with evidence.open(sha256) as source:
                size, ok = _copy_verified(source, target, sha256)
        except FileNotFoundError:
            target.unlink(missing_ok=True)
            report.problems.append(f"evidence file {sha256} is missing from the store")
            continue
        except ObjectChanged:
            target.unlink(missing_ok=True)
            report.problems.append(f"evidence file {sha256} was replaced in the store while it was copied")
            continue
        if not ok:
            target.unlink()
            report.problems.append(f"evidence file {sha256} no longer matches its sha256 in the store")
            continue
        entries.append({"sha256": sha256, "size": size})
        report.evidence_files += 1
        report.evidence_bytes += size
    manifest = {"format": FORMAT, "created_at": utc_iso(utcnow()),
                "database": {"kind": kind, "file": dump.name, "sha256": _file_sha256(dump), "revision": revision},
                "evidence": entries, "problems": report.problems}
    signed = sign(manifest_digest(manifest), SIGNING_DOMAIN)
    if signed is not None:
        manifest["signature"], manifest["signer"] = signed
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1))
    os.replace(partial, folder / MANIFEST)
    return report


def _read_manifest(folder: Path, accept_missing_evidence: bool = False) -> dict[str, Any]:
    """The backup's manifest, if it is one this release writes and every field of it is well formed.

    Raises:
        StateConflict: naming ``manifest.json``: unreadable, not JSON, of another format, malformed, or recording
            problems of the backup itself (a backup that exited 1 is incomplete).
    """
    path = folder / MANIFEST
    try:
        with _open_backup_file(path) as fh:
            text = fh.read(MANIFEST_MAX_BYTES + 1)
        if len(text) > MANIFEST_MAX_BYTES:
            raise ValueError(f"it is larger than {MANIFEST_MAX_BYTES} bytes")
        manifest = json.loads(text)
    except NotRegular:
        raise
    except (OSError, ValueError) as exc:
        raise StateConflict(f"{path} is missing or not readable JSON ({exc}); it is not a complete backup") from exc
    problems = _manifest_problems(manifest, accept_missing_evidence)
    if problems:
        raise StateConflict(f"{path} is not a valid backup manifest: " + "; ".join(problems[:10]))
    try:
        key = public_key()
    except SigningKeyError as exc:
        raise StateConflict(f"{path} cannot be checked: {exc}") from exc
    if key is not None:
        problem = signature_problem(key, manifest_digest(manifest), manifest.get("signature"),
                                    manifest.get("signer"), SIGNING_DOMAIN)
        if problem:
            raise StateConflict(f"{path} {problem}: the backup is not one this platform's key signed; nothing was "
                                "restored")
    return manifest


def manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 (hex) of the manifest's canonical JSON, without its signature fields: what the signature signs."""
    body = {k: v for k, v in manifest.items() if k not in _SIGNATURE_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and SHA256.match(value) is not None


def _manifest_problems(manifest: Any, accept_missing_evidence: bool = False) -> list[str]:
    if not isinstance(manifest, dict):
        return ["it is not a JSON object"]
    if manifest.get("format") != FORMAT:
        # the only format there is; an older or newer one is refused, not guessed at
        return [f"its format is {manifest.get('format')!r}, not {FORMAT!r} (restore it with the release that made it)"]
    problems = []
    database = manifest.get("database")
    if not isinstance(database, dict):
        problems.append("database: an object is required")
    else:
        kind = database.get("kind")
        if kind not in DUMPS:
            problems.append(f"database.kind: {str(kind)[:40]!r} is not one of {', '.join(DUMPS)}")
        elif database.get("file") != DUMPS[kind]:
            problems.append(f"database.file: {str(database.get('file'))[:80]!r} is not {DUMPS[kind]!r}")
        if not _is_sha256(database.get("sha256")):
            problems.append("database.sha256: the dump's sha256 (64 lower-case hex digits) is required")
    evidence = manifest.get("evidence")
    if not isinstance(evidence, list):
        problems.append("evidence: a list is required")
    else:
        seen: set[str] = set()
        for index, entry in enumerate(evidence):
            size = entry.get("size") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or not _is_sha256(entry.get("sha256")) or type(size) is not int \
                    or size < 0:
                problems.append(f"evidence[{index}]: sha256 (64 lower-case hex digits) and size (bytes) are required")
            elif entry["sha256"] in seen:
                problems.append(f"evidence[{index}]: {entry['sha256']} is listed twice")
            else:
                seen.add(entry["sha256"])
    for name in _SIGNATURE_FIELDS:
        if name in manifest and not isinstance(manifest[name], str):
            problems.append(f"{name}: a string is required")
    recorded = manifest.get("problems", [])
    if not isinstance(recorded, list):
        problems.append("problems: a list is required")
    elif recorded and not (accept_missing_evidence and all(_is_evidence_problem(p) for p in recorded)):
        problems.append("the backup recorded problems when it was made, so it is incomplete: "
                        + "; ".join(str(p)[:200] for p in recorded[:5])
                        + (" (`restore --accept-missing-evidence` restores a backup whose only problems are evidence "
                           "files the store could not give; verify then names the cases that lack them)"
                           if all(_is_evidence_problem(p) for p in recorded) else ""))
    return problems


#: the problems a backup records of the evidence store (missing, altered, replaced while copied): the database
#: dump is whole, only those files are not in the backup
_EVIDENCE_PROBLEM = re.compile(r"^evidence file [0-9a-f]{64} (is missing from the store|was replaced in the store "
                               r"while it was copied|no longer matches its sha256 in the store)$")


def _is_evidence_problem(problem: Any) -> bool:
    return isinstance(problem, str) and _EVIDENCE_PROBLEM.match(problem) is not None


def _check_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Every file of the backup against the manifest (re-hashed, streaming): a listed file missing, not a
    regular file, of another size or hash, or a file in the evidence part that the manifest does not list."""
    problems = []
    dump = folder / manifest["database"]["file"]
    for child in sorted(folder.iterdir()):
        # nothing but what the manifest lists: a file beside the dump is read by its tool (SQLite plays a
        # ``database.sqlite3-journal`` back into the dump when it opens it, whatever the dump's sha256 was)
        if child.name not in (MANIFEST, dump.name, "evidence"):
            problems.append(f"{child.name} is not listed in the manifest")
    if dump.is_symlink() or not dump.is_file():
        problems.append(f"{dump.name} is missing from the backup")
    elif _file_sha256(dump) != manifest["database"]["sha256"]:
        problems.append(f"{dump.name} does not match its sha256 in the manifest")
    evidence = folder / "evidence"
    listed = {key_of(entry["sha256"]) for entry in manifest["evidence"]}
    for entry in manifest["evidence"]:
        path = evidence / key_of(entry["sha256"])
        if path.is_symlink() or not path.is_file():
            problems.append(f"evidence file {entry['sha256']} is missing from the backup")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"evidence file {entry['sha256']} is of another size ({path.stat().st_size} bytes) "
                            f"than the manifest's {entry['size']}")
        elif _file_sha256(path) != entry["sha256"]:
            problems.append(f"evidence file {entry['sha256']} does not match its sha256")
    if evidence.is_symlink():
        problems.append("evidence/ is a symbolic link, not a folder of the backup")
    elif evidence.is_dir():
        for path in sorted(evidence.rglob("*")):
            relative = path.relative_to(evidence).as_posix()
            if (path.is_symlink() or not path.is_dir()) and relative not in listed:
                problems.append(f"evidence/{relative} is not listed in the manifest")
    return problems


def check_backup(folder: Path) -> list[str]:
    """The problems of a backup folder: its files against its manifest (empty: it may be restored).

    Raises:
        StateConflict: the manifest is not valid (see :func:`_read_manifest`).
    """
    return _check_files(folder, _read_manifest(folder))


def _restore_evidence(folder: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    evidence, files, size = store(), 0, 0
    tmpdir = staging_dir("tmp")
    for entry in manifest["evidence"]:
        sha256 = entry["sha256"]
        fd, name = tempfile.mkstemp(dir=tmpdir, prefix="restore-")
        os.close(fd)
        staged = Path(name)
        try:
            with _open_backup_file(folder / "evidence" / key_of(sha256)) as source:
                copied, ok = _copy_verified(source, staged, sha256, limit=entry["size"])
            if not ok:
                raise StateConflict(f"evidence file {sha256} in the backup does not match its sha256; nothing "
                                    "was loaded into the database")
            evidence.install(staged, sha256)
        finally:
            staged.unlink(missing_ok=True)
        files, size = files + 1, size + copied
    return files, size


def restore(folder: Path, accept_missing_evidence: bool = False) -> Report:
    """Restore a backup made by :func:`backup` onto an empty database and the configured evidence store.

    ``accept_missing_evidence``: restore a backup that recorded, when it was made, evidence files the store could
    not give (missing or altered there: content-addressed, they cannot be made again); its database dump is whole,
    and verify names the cases that lack those files. The report's ``problems`` lists them. Any other recorded
    problem, and every check of the files against the manifest, still refuses.

    Raises:
        StateConflict: the database has tables, the backup is incomplete or damaged, it is of another database
            kind or a newer release's, or the restore tool failed.
    """
    manifest = _read_manifest(folder, accept_missing_evidence)
    kind = db.engine.dialect.name
    if manifest["database"]["kind"] != kind:
        raise StateConflict(f"the backup is of a {manifest['database']['kind']} database; this one is {kind}")
    restore_target.check(manifest["database"].get("revision"))
    # every file is checked (and re-hashed) before anything is installed or loaded: a damaged or tampered backup
    # leaves the target database and evidence store as they were
    problems = _check_files(folder, manifest)
    if problems:
        raise StateConflict(f"the backup {folder} is damaged or was altered, nothing was restored: "
                            + "; ".join(problems[:10]))
    report = Report(folder, kind, manifest["database"]["revision"], problems=list(manifest.get("problems", [])))
    with tempfile.TemporaryDirectory(prefix="sanxiang-restore-") as private:
        # the dump is loaded from a private copy hashed as it was made: never from the backup folder, which
        # someone may change between the check and the load, and which a restore never writes to
        dump = _staged_dump(folder, manifest, Path(private))
        report.evidence_files, report.evidence_bytes = _restore_evidence(folder, manifest)
        db.session.remove()
        try:
            if kind == "postgresql":
                uri, env = _libpq(db.engine.url)
                _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                      f"--dbname={uri}", str(dump)], env)
            else:
                _load_sqlite(dump)
        except StateConflict as exc:
            loaded = "the database was not loaded (one transaction: it is still empty)" if kind == "postgresql" \
                else "the database file may be incomplete: remove it before restoring again"
            raise StateConflict(f"{exc.message}; {loaded}. The {report.evidence_files} evidence file(s) already "
                                "installed are the backup's own, each checked against its sha256, and a later "
                                "restore reuses them") from None
    db.engine.dispose()
    return report


def _staged_dump(folder: Path, manifest: dict[str, Any], private: Path) -> Path:
    """A copy of the backup's dump in ``private`` (the owner's only), hashed as it is copied.

    Raises:
        StateConflict: the copy does not match the manifest's sha256 (the dump changed after it was checked).
    """
    name = manifest["database"]["file"]
    staged = private / name
    with _open_backup_file(folder / name) as source:
        _, ok = _copy_verified(source, staged, manifest["database"]["sha256"], limit=os.fstat(source.fileno()).st_size)
    if not ok:
        raise StateConflict(f"{name} changed while the backup was being restored (it no longer matches its sha256 "
                            "in the manifest); nothing was restored")
    return staged


def _load_sqlite(dump: Path) -> None:
    database = make_url(str(db.engine.url)).database
    if not database or database == ":memory:":
        raise StateConflict("restore needs a SQLite database file, not an in-memory database")
    db.engine.dispose()
    # read-only and immutable: nothing beside the file (a journal, a WAL) is read or played back into it
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        target = sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as exc:  # a damaged dump (one whose manifest was rewritten to match it: unsigned backups)
        raise StateConflict(f"the database file of the backup does not load: {exc}") from None
    finally:
        source.close()

