"""Evidence: files by sha256, one append-only row per record, every read logged.

Files live in the configured store (api/services/evidence_store.py): ``EVIDENCE_DIR/ab/cd/<sha256>`` or an
S3-compatible bucket. An upload is streamed into ``EVIDENCE_DIR/tmp`` while it is hashed and counted,
fsynced, checked (size, magic bytes against the declared type and extension, kind),
and installed into the store only if no file is there yet; an existing
file is never overwritten, only re-hashed to confirm it holds the same bytes. A resumable
upload (api/services/resumable.py) goes through the same :func:`admit`, :func:`install_staged`
and :func:`record`.

Decisions:
* The same bytes uploaded again to the same instance with the same metadata is a
  retry: the existing item is returned (200) and nothing new is recorded. With
  different metadata it is a new record (a new row and event, 201) that shares the
  stored file; the same file on several instances is stored once.
* Times: ``captured_at`` and pause times without an offset are taken as UTC; all
  are stored and returned in UTC.
* Reads are logged on ``access:<instance_id>`` (one event per instance holding the
  file), never on the instance stream, so a read cannot collide with a task
  completion. A file found missing or altered is logged too, then refused (409).
* A file written whose row then fails to commit stays on disk unreferenced: it is
  content-addressed and harmless, and a re-upload reuses it.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import select

from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict, Unavailable

from ..errors import BadRequest
from ..extensions import db
from ..models import EvidenceItem, Instance, TaskRow, User
from ..models.types import as_utc, utc_iso, utcnow
from . import case_rules, legality, locks, org_scope
from .access import record_read
from .equipment import check_recording_device
from .evidence_store import key_of, staging_dir, store
from .history import append_event, instance_stream
from .instances import get_instance

CLOSED = ("completed", "cancelled")
CHUNK = 1 << 20
HEAD = 8192
SHA256 = re.compile(r"^[0-9a-f]{64}$")

ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav", "audio/mp3": "audio/mpeg", "audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4",
    "application/x-pdf": "application/pdf", "text/csv": "text/plain", "text/markdown": "text/plain",
}
EXTENSIONS = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".png": "image/png", ".mp4": "video/mp4",
    ".m4v": "video/mp4", ".mov": "video/quicktime", ".qt": "video/quicktime", ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4", ".wav": "audio/wav", ".pdf": "application/pdf", ".txt": "text/plain",
    ".text": "text/plain", ".log": "text/plain", ".csv": "text/plain", ".md": "text/plain",
}
KIND_MEDIA = {"photo": ("image/",), "audio_video": ("video/", "audio/"), "document": ()}
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_NOT_MP4_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"crx ")
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")


class EvidenceTooLarge(BadRequest):
    """The uploaded file is over ``EVIDENCE_MAX_BYTES`` (rendered as 413 by the evidence blueprint)."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    media_type: str


def evidence_dir() -> Path:
    return Path(current_app.config["EVIDENCE_DIR"])


def evidence_path(sha256: str) -> Path:
    """Where the file with this sha256 is (or would be) stored by the file store (``EVIDENCE_STORE=file``)."""
    return evidence_dir() / key_of(sha256)


def file_problem(sha256: str) -> str | None:
    """``"missing"`` or ``"altered"`` if the stored file is not the one recorded, else None (always re-hashes)."""
    return store().problem(sha256)


def file_problem_cached(sha256: str) -> str | None:
    """Like :func:`file_problem`, but skips the re-hash while the stored object is unchanged since its last
    successful check (file: inode, size, mtime and ctime; object: ETag, size and modification time)."""
    return store().problem_cached(sha256)


def normalise_type(media_type: str | None) -> str | None:
    """The bare, lower-case media type with aliases resolved; None for none or octet-stream."""
    if not media_type:
        return None
    bare = media_type.split(";", 1)[0].strip().lower()
    if bare in ("", "application/octet-stream"):
        return None
    return ALIASES.get(bare, bare)


def _looks_like_text(head: bytes, complete: bool) -> bool:
    if not head or any(b < 0x20 and b not in _TEXT_CONTROLS for b in head) or b"\x7f" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return True
    except UnicodeDecodeError:
        pass
    for cut in range(1 if complete else 4):  # a multi-byte character may straddle the end of the head
        try:
            head[:len(head) - cut].decode("gb18030")
            return True
        except UnicodeDecodeError:
            continue
    return False


def sniff(head: bytes, complete: bool) -> tuple[str, ...]:
    """The media types the content's first bytes allow, most likely first; empty if none we know.

    ``complete`` says ``head`` is the whole file (matters only for text).
    """
    if head.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg",)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ("image/png",)
    if head.startswith(b"%PDF-"):
        return ("application/pdf",)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ("audio/wav",)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return ("video/quicktime",)
        if brand.startswith(b"3g") or brand in _NOT_MP4_BRANDS:
            return ()
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return ("audio/mp4", "video/mp4")
        return ("video/mp4", "audio/mp4")  # an MP4 container may hold sound only
    if head[4:8] in _QUICKTIME_ATOMS:
        return ("video/quicktime",)
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and (head[1] >> 1) & 0x3 != 0):
        return ("audio/mpeg",)
    if _looks_like_text(head, complete):
        return ("text/plain",)
    return ()


def decide_media_type(head: bytes, complete: bool, declared: str | None, filename: str | None,
                      kind: str, allowed: Iterable[str]) -> str:
    """The media type to store: detected from the content, agreeing with the declared type and extension.

    Raises:
        BadRequest: (naming ``file``) unknown or refused content, a declared type or extension that
        disagrees with the content, or a type that does not fit ``kind``.
    """
    def refuse(message: str) -> BadRequest:
        return BadRequest(f"file: {message}", {"file": [message]})

    candidates = sniff(head, complete)
    if not candidates:
        raise refuse("the content is not a recognised evidence format (JPEG, PNG, MP4, QuickTime, MP3, "
                     "MP4 audio, WAV, PDF or plain text)")
    declared_type = normalise_type(declared)
    ext = os.path.splitext(filename or "")[1].lower()
    ext_type = EXTENSIONS.get(ext) if ext else None
    if ext and ext_type is None:
        raise refuse(f"the extension '{ext}' is not one of {', '.join(sorted(EXTENSIONS))}")
    for source, value in (("declared type", declared_type), ("extension", ext_type)):
        if value is not None and value not in candidates:
            raise refuse(f"the {source} says {value} but the content is {candidates[0]}")
    chosen = next(t for t in (declared_type, ext_type, candidates[0]) if t in candidates)
    if chosen not in set(allowed):
        raise refuse(f"{chosen} is not an accepted evidence type")
    prefixes = KIND_MEDIA.get(kind, ())
    if prefixes and not chosen.startswith(prefixes):
        raise refuse(f"a {kind} item must be {' or '.join(p + '*' for p in prefixes)}, not {chosen}")
    return chosen


def store_upload(stream: IO[bytes], declared: str | None, filename: str | None, kind: str) -> Stored:
    """Stream an upload into the store, hashing and counting it; no database access.

    Raises:
        EvidenceTooLarge: over ``EVIDENCE_MAX_BYTES``. BadRequest: empty file or refused media type.
        StateConflict: a different file is stored under the same hash (the store was tampered with).
    """
    limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
    fd, name = tempfile.mkstemp(dir=staging_dir("tmp"), prefix="upload-")
    tmp = Path(name)
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    message = f"the file is larger than the limit of {limit} bytes"
                    raise EvidenceTooLarge(f"file: {message}", {"file": [message]})
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return install_staged(tmp, digest.hexdigest(), size, head, declared, filename, kind)
    finally:
        tmp.unlink(missing_ok=True)


def install_staged(staged: Path, sha256: str, size: int, head: bytes, declared: str | None, filename: str | None,
                   kind: str) -> Stored:
    """Check a complete staged file (``head``: its first bytes, ``sha256`` and ``size`` counted while it was
    written) and install it into the configured store; no database access. The staged file may be linked
    into place: the caller removes its own name afterwards.

    Raises:
        BadRequest: empty file or refused media type. StateConflict: a different file is stored under the
        same hash (the store was tampered with).
    """
    if size == 0:
        raise BadRequest("file: the file is empty", {"file": ["the file is empty"]})
    media_type = decide_media_type(head, size <= HEAD, declared, filename, kind,
                                   current_app.config["EVIDENCE_MEDIA_TYPES"])
    store().install(staged, sha256)
    return Stored(sha256, size, media_type)


def _permissions():
    from .. import permissions  # permissions -> services: import late

    return permissions


def _check_references(instance: Instance, meta: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    officers = meta["officers"]
    # officers of the case's own bureau (active, holding the officer role); an unknown name and another bureau's
    # user get the same answer, so the field tells nobody which usernames exist elsewhere
    users = db.session.scalars(select(User).where(User.username.in_(officers))) if officers else []
    fit = {u.username for u in users if u.active and u.has_role("officer") and org_scope.in_bureau(u, instance.org_id)}
    unfit = [o for o in officers if o not in fit]
    if unfit:
        errors["officers"] = [f"not officers of this case's bureau: {', '.join(unfit)}"]
    task_id = meta.get("task_id")
    if task_id and db.session.scalar(select(TaskRow.instance_id).where(TaskRow.id == task_id)) != instance.id:
        errors["task_id"] = [f"task {task_id} is not a task of instance {instance.id}"]
    if errors:
        raise FormDataInvalid(errors, "evidence metadata is invalid")


def _check_open(instance: Instance) -> None:
    if instance.status in CLOSED:
        raise StateConflict(f"instance {instance.id} is {instance.status}; its record is closed to new evidence")


@dataclass(frozen=True)
class Admitted:
    """What the upload rules found before the file is stored: the role the uploader acts in, and the capture
    time in UTC."""

    role: str
    captured_at: Any


def admit(instance_id: int, meta: dict[str, Any], user: User) -> Admitted:
    """Apply every rule an evidence upload must pass before its file is stored (no writes).

    Raises:
        RuleViolation: not officer/admin (``role``), recused, an officer not of the case, or the A/V device was
        not checked out to an officer of the case at capture time (``equipment_ledger``). NotFound: no such
        instance. StateConflict: the case is closed. FormDataInvalid: unknown officers or a foreign task.
    """
    role = _permissions().acting_role(user, "evidence.upload")
    if role is None:
        raise RuleViolation("role", "uploading evidence needs one of the roles: "
                            + ", ".join(sorted(_permissions().roles_for("evidence.upload"))))
    instance = get_instance(instance_id)
    _check_open(instance)
    _check_references(instance, meta)
    case_rules.check_not_recused(user, instance, "add evidence to")
    case_rules.check_named_officers(list(meta["officers"]), instance)
    captured_at = as_utc(meta["captured_at"]) if meta.get("captured_at") else None
    if meta["kind"] == "audio_video":
        check_recording_device(instance, meta["device_id"], captured_at)
        legality.check_av_upload(instance, meta)  # an act off the recording list: after a legality argument
    return Admitted(role, captured_at)


def record(instance_id: int, stored: Stored, filename: str | None, meta: dict[str, Any], admitted: Admitted,
           user: User, client_addr: str | None) -> tuple[EvidenceItem, bool]:
    """Record a stored file on the instance (row and ``evidence_uploaded`` event); returns (item, created).
    No commit."""
    # the file is in the store; now concurrent uploads (and completions) of one case take turns, each appending
    # to the chain the one before left (held for the row and event only, not while the file is read)
    instance = locks.instance_for_update(instance_id)
    _check_open(instance)
    item = EvidenceItem(
        instance_id=instance.id, sha256=stored.sha256, size=stored.size, media_type=stored.media_type,
        filename=(filename or None) and filename[:255], kind=meta["kind"], title=meta.get("title"),
        captured_at=admitted.captured_at, place=meta.get("place"), device_id=meta.get("device_id"),
        officers=list(meta["officers"]), opening_statement=meta.get("opening_statement"),
        pauses=[_pause(p) for p in meta.get("pauses") or []], duration_seconds=meta.get("duration_seconds"),
        task_id=meta.get("task_id"), uploaded_by=user.username, uploaded_at=utcnow())
    for earlier in db.session.scalars(select(EvidenceItem).where(EvidenceItem.instance_id == instance.id,
                                                                 EvidenceItem.sha256 == stored.sha256)):
        if earlier.metadata_dict() == item.metadata_dict():
            return earlier, False
    db.session.add(item)
    db.session.flush()
    append_event(instance_stream(instance.id), instance, "evidence_uploaded", actor=user.username,
                 role=admitted.role, task_id=item.task_id, client_addr=client_addr,
                 data={"evidence_id": item.id, "sha256": item.sha256, "size": item.size,
                       "media_type": item.media_type, **item.metadata_dict()})
    return item, True


def _pause(pause: dict[str, Any]) -> dict[str, Any]:
    """A pause as stored: its times in UTC ISO 8601; ``resumed_at`` only when it was given."""
    out = {"at": utc_iso(pause["at"]), "reason": pause["reason"]}
    if pause.get("resumed_at") is not None:
        out["resumed_at"] = utc_iso(pause["resumed_at"])
    return out


def upload(instance_id: int, stream: IO[bytes], filename: str | None, declared: str | None,
           meta: dict[str, Any], user: User, client_addr: str | None) -> tuple[EvidenceItem, bool]:
    """Record an evidence file on an instance; returns (item, created). No commit.

    ``meta`` is the loaded metadata (see ``api/evidence/schemas.py``). ``created`` is False
    when the same file with the same metadata is already recorded on the instance (a retry).

    Raises:
        see :func:`admit`; BadRequest / EvidenceTooLarge: see :func:`store_upload`.
    """
    admitted = admit(instance_id, meta, user)
    stored = store_upload(stream, declared, filename, meta["kind"])
    return record(instance_id, stored, filename, meta, admitted, user, client_addr)


def items_of(instance_id: int) -> list[EvidenceItem]:
    """The instance's evidence items, oldest first."""
    return list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.instance_id == instance_id)
                                   .order_by(EvidenceItem.id)))


def check_read_role(user: User) -> str:
    """The role that lets ``user`` read evidence.

    Raises:
        RuleViolation: no role for ``evidence.read`` (api/permissions.py).
    """
    role = _permissions().acting_role(user, "evidence.read")
    if role is None:
        raise RuleViolation("role", "reading evidence needs one of the roles: "
                            + ", ".join(sorted(_permissions().roles_for("evidence.read"))))
    return role


def _readable(user: User, items: list[EvidenceItem]) -> list[EvidenceItem]:
    """The items on cases the user may read (api/permissions.py); 403 when none, 404 when all are another
    bureau's."""
    from ..permissions import case_view  # permissions -> services: import late

    allowed: list[EvidenceItem] = []
    hidden = True
    for iid in sorted({i.instance_id for i in items}):
        try:
            view = case_view(user, db.session.get(Instance, iid))
        except NotFound:
            continue
        hidden = False
        if view == "full":
            allowed += [i for i in items if i.instance_id == iid]
    if hidden:
        raise NotFound(f"no evidence {items[0].sha256}")
    if not allowed:
        raise RuleViolation("case_access", f"{user.username} does not work on the case holding this file")
    return allowed


def read_evidence(sha256: str, user: User, range_header: str | None, instance_id: int | None,
                  client_addr: str | None) -> tuple[IO[bytes] | None, EvidenceItem, str | None]:
    """Log a read of the file on ``access:<instance_id>`` of every instance holding it (or only
    ``instance_id``); returns (source, an item, problem) where problem is None, "missing" or "altered" and source
    is a reader of exactly the bytes whose hash was checked: the file opened before its check (file store), or the
    object pinned to its ETag/version (object store) — a file or object put in its place afterwards is never read
    through it; None with a problem. No commit: the caller commits the log, then refuses a file with a problem.

    Raises:
        RuleViolation: the user may not read evidence. NotFound: no such item (on that instance).
    """
    role = check_read_role(user)
    stmt = select(EvidenceItem).where(EvidenceItem.sha256 == sha256)
    if instance_id is not None:
        stmt = stmt.where(EvidenceItem.instance_id == instance_id)
    items = list(db.session.scalars(stmt.order_by(EvidenceItem.id))) if SHA256.match(sha256) else []
    if not items:
        raise NotFound(f"no evidence {sha256}" + (f" on instance {instance_id}" if instance_id else ""))
    items = _readable(user, items)
    problem, source = store().open_checked(sha256)  # the reader of the very bytes that were checked
    for iid in sorted({i.instance_id for i in items}):
        data: dict[str, Any] = {"sha256": sha256, "range": range_header,
                                "evidence_ids": [i.id for i in items if i.instance_id == iid]}
        if problem:
            data["problem"] = problem
        record_read(user, iid, "evidence", role=role, client_addr=client_addr, detail=data)
    return source, items[0], problem


def check_evidence(instance_id: int) -> list[dict[str, Any]]:
    """One problem per evidence item of the instance whose stored file is missing or altered
    (re-hashed now, streaming): ``{"kind": "evidence", "sha256", "problem", "evidence_id"}``."""
    problems: list[dict[str, Any]] = []
    seen: dict[str, str | None] = {}
    for item in items_of(instance_id):
        if item.sha256 not in seen:
            try:
                seen[item.sha256] = file_problem(item.sha256)
            except Unavailable as exc:  # nothing is known of the files: one finding, and the rest of verify goes on
                return [{"kind": "evidence", "problem": "unavailable", "message": exc.message}]
        if seen[item.sha256]:
            problems.append({"kind": "evidence", "sha256": item.sha256, "problem": seen[item.sha256],
                             "evidence_id": item.id})
    return problems
