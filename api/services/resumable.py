"""Resumable evidence uploads (tus 1.0: core, creation, expiration, checksum, termination).

An upload is two files in ``EVIDENCE_DIR/uploads``: ``<id>.json`` (who, which case, the declared length and the
evidence metadata as sent) and ``<id>.part`` (the bytes received so far; its size is the upload's offset). A
``<id>.lock`` file is locked (``flock``) by the one request that may write the upload at a time, so several server
processes on one machine share uploads safely (the folder must be shared by every server of a deployment).

Every chunk is streamed from the request to the part file in pieces of at most 1 MiB: no chunk and no file is held
in memory, whatever its size. The sha256 is computed as the bytes arrive while the same process receives
consecutive chunks; when a chunk went to another process (or after a restart), the part file is re-hashed by
streaming when the upload completes.

When the last byte arrives the upload completes in the same request: the same checks as a one-request upload
(api/services/evidence.py) are applied then — who may upload to the case, the case still open, the metadata, the
named officers and task, recusal, the equipment ledger, the content against its declared type and extension — then
the file is installed in the evidence store and recorded (row and ``evidence_uploaded`` event with its sha256).
A completion refused by a rule keeps the bytes: an empty PATCH at the final offset tries again.

Every later request on an upload re-applies the checks of its creation (:func:`recheck`, after the case access that
api/evidence/uploads.py checks), so an upload is no key to a case its uploader may no longer work. A user holds at
most ``EVIDENCE_UPLOAD_MAX_OPEN`` open (unfinished, unexpired) uploads declaring at most
``EVIDENCE_UPLOAD_MAX_OPEN_BYTES`` together, so nobody reserves unbounded disk.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app
from werkzeug.exceptions import RequestEntityTooLarge

from engine.errors import FormDataInvalid, NotFound, SanxiangError, StateConflict

from ..errors import BadRequest
from ..extensions import db
from ..inputs import filename_problem, text_problem
from ..models import EvidenceItem, User
from ..models.types import utc_iso, utcnow
from . import evidence, plain_files
from .evidence_store import CHUNK, staging_dir

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,checksum,termination"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
#: Upload-Metadata keys that tus clients send for the file itself
FILENAME_KEYS = ("filename", "name")
FILETYPE_KEYS = ("filetype", "type")
CLIENT_KEYS = frozenset({*FILENAME_KEYS, *FILETYPE_KEYS, "relativePath"})
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
METADATA_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
#: a byte count in a tus header: ASCII digits only (str.isdigit also takes '²' and other scripts' digits, which
#: int() then refuses or reads as a number the client did not write)
BYTE_COUNT = re.compile(r"[0-9]{1,19}")


class TusError(SanxiangError):
    """A request the tus protocol answers with its own status: 412 (version), 413 (length), 415 (content type),
    460 (checksum mismatch)."""

    def __init__(self, status: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.errors = status, errors or {}


@dataclass
class Upload:
    id: str
    instance_id: int
    owner: str
    length: int
    metadata: dict[str, str]
    created_at: str
    evidence_id: int | None = None
    sha256: str | None = None
    #: the sha256 its completion installed into the store before recording it (a completion that failed after
    #: that leaves the part sharing its file with the store: only that very file is taken for it on a retry)
    installing: str | None = None

    @property
    def folder(self) -> Path:
        return staging_dir("uploads")

    @property
    def part(self) -> Path:
        return self.folder / f"{self.id}.part"

    @property
    def info(self) -> Path:
        return self.folder / f"{self.id}.json"

    @property
    def offset(self) -> int:
        if self.evidence_id is not None:
            return self.length
        try:
            st = os.lstat(self.part)
        except FileNotFoundError:
            return 0
        # a second name only once installed into the store (a completion that failed after it): checked there
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 2:
            raise _replaced(self.part)
        return st.st_size

    @property
    def filename(self) -> str | None:
        return next((self.metadata[k] for k in FILENAME_KEYS if self.metadata.get(k)), None)

    @property
    def filetype(self) -> str | None:
        return next((self.metadata[k] for k in FILETYPE_KEYS if self.metadata.get(k)), None)

    def expires_at(self) -> datetime:
        hours = int(current_app.config["EVIDENCE_UPLOAD_EXPIRY_HOURS"])
        touched = max((p.stat().st_mtime for p in (self.info, self.part) if p.exists()), default=time.time())
        return datetime.fromtimestamp(touched, UTC) + timedelta(hours=hours)

    def save(self) -> None:
        data = {"id": self.id, "instance_id": self.instance_id, "owner": self.owner, "length": self.length,
                "metadata": self.metadata, "created_at": self.created_at, "evidence_id": self.evidence_id,
                "sha256": self.sha256, "installing": self.installing}
        partial = self.folder / f"{self.id}.json.partial"
        plain_files.write_private(partial, json.dumps(data, ensure_ascii=False).encode())
        os.replace(partial, self.info)


def _replaced(path: Path) -> StateConflict:
    return StateConflict(f"{path.name} of the upload is not a regular file (it was replaced behind the service's "
                         "back); terminate the upload (DELETE) and start again")


def _open_regular(path: Path, flags: int, names: int = 1) -> int:
    """A descriptor of an upload's own file (:func:`plain_files.open_plain`: no link followed, a regular file with
    at most ``names`` names).

    Raises:
        StateConflict: the file was replaced (a link, a hard link, a device). FileNotFoundError: it does not exist.
    """
    try:
        return plain_files.open_plain(path, flags, names=names)
    except plain_files.NotPlainFile:
        raise _replaced(path) from None


def _open_file(path: Path, mode: str, names: int = 1) -> IO[bytes]:
    """:func:`_open_regular` as a file object (``"rb"`` or ``"r+b"``)."""
    flags = os.O_RDWR if "+" in mode else os.O_RDONLY
    return open(_open_regular(path, flags, names=names), mode)  # noqa: SIM115 - returned


# --- the running hash of uploads this process is receiving ------------------------------------------------------

_hashers: dict[str, tuple[int, Any]] = {}


def _hasher_at(upload_id: str, offset: int) -> Any:
    """This process's sha256 of the upload's first ``offset`` bytes, or None when it did not see them all."""
    if offset == 0:
        return hashlib.sha256()
    known = _hashers.get(upload_id)
    return known[1].copy() if known and known[0] == offset else None


def _remember(upload_id: str, offset: int, hasher: Any) -> None:
    if hasher is None:
        _hashers.pop(upload_id, None)
        return
    if len(_hashers) > 1000:
        _hashers.clear()
    _hashers[upload_id] = (offset, hasher)


# --- parsing the tus headers -------------------------------------------------------------------------------------

def check_version(value: str | None) -> None:
    if value != TUS_VERSION:
        got = "none" if value is None else "another value"  # a header's value is never echoed nor logged
        raise TusError(412, f"Tus-Resumable must be {TUS_VERSION} (got {got})",
                       {"Tus-Resumable": [f"must be {TUS_VERSION}"]})


def parse_length(value: str | None) -> int:
    if value is None or not BYTE_COUNT.fullmatch(value):
        raise BadRequest("Upload-Length: a non-negative integer is required (Upload-Defer-Length is not supported)",
                         {"Upload-Length": ["a non-negative integer is required"]})
    length, limit = int(value), int(current_app.config["EVIDENCE_UPLOAD_MAX_BYTES"])
    if length == 0:
        raise BadRequest("file: the file is empty", {"file": ["the file is empty"]})
    if length > limit:
        raise TusError(413, f"file: the file is larger than the limit of {limit} bytes",
                       {"file": [f"larger than the limit of {limit} bytes"]})
    return length


def parse_offset(value: str | None) -> int:
    if value is None or not BYTE_COUNT.fullmatch(value):
        raise BadRequest("Upload-Offset: a non-negative integer is required",
                         {"Upload-Offset": ["a non-negative integer is required"]})
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (a key alone is an empty value)."""
    out: dict[str, str] = {}
    for pair in (value or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not METADATA_KEY.match(key) or key in out:
            raise BadRequest(f"Upload-Metadata: {key[:64]!r} is not a valid or unique key",
                             {"Upload-Metadata": [f"{key[:64]!r} is not a valid or unique key"]})
        try:
            text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):  # binascii.Error, and a value with non-ASCII characters
            raise BadRequest(f"Upload-Metadata: the value of {key} is not base64 of UTF-8 text",
                             {key: ["not base64 of UTF-8 text"]}) from None
        problem = text_problem(text)
        if problem:
            raise FormDataInvalid({key: [problem]}, f"the request is invalid: {key}")
        out[key] = text
    return out


def parse_checksum(value: str | None) -> tuple[str, bytes] | None:
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise BadRequest(f"Upload-Checksum: {algorithm[:20]!r} is not one of {', '.join(CHECKSUMS)}",
                         {"Upload-Checksum": [f"the algorithm must be one of {', '.join(CHECKSUMS)}"]})
    try:
        return algorithm, base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise BadRequest("Upload-Checksum: the checksum is not base64",
                         {"Upload-Checksum": ["the checksum is not base64"]}) from None


def evidence_meta(metadata: dict[str, str]) -> dict[str, Any]:
    """The evidence metadata of an upload, loaded by the same schema as a one-request upload.

    Raises:
        FormDataInvalid: (422) naming the field.
    """
    from marshmallow import ValidationError

    from ..evidence.schemas import EvidenceMetadataSchema

    name = next((metadata[k] for k in FILENAME_KEYS if metadata.get(k)), "")
    problem = filename_problem(name) if name else None
    if problem:
        raise FormDataInvalid({"file": [f"file name {problem}"]}, "the request is invalid: file")
    fields = {k: ([v] if k == "officers" else v) for k, v in metadata.items() if k not in CLIENT_KEYS}
    try:
        return EvidenceMetadataSchema().load(fields)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"metadata": exc.messages}
        raise FormDataInvalid({str(k): v for k, v in messages.items()},
                              "the request is invalid: " + ", ".join(map(str, messages))) from None


# --- the uploads ---------------------------------------------------------------------------------------------------

def create(instance_id: int, length: int, metadata: dict[str, str], user: User) -> Upload:
    """Start an upload after the rules an upload must pass (applied again on every later request and when it
    completes), within the user's cap of open uploads.

    Raises:
        see :func:`evidence.admit`; TusError: 429 the user has EVIDENCE_UPLOAD_MAX_OPEN open uploads, 413 this
        one would take their open uploads' declared bytes past EVIDENCE_UPLOAD_MAX_OPEN_BYTES.
    """
    meta = evidence_meta(metadata)
    evidence.admit(instance_id, meta, user)
    sweep()
    with _creating():  # the count and the new upload are one step: concurrent creations cannot both pass the cap
        _check_cap(user, length)
        upload = Upload(secrets.token_hex(16), instance_id, user.username, length, metadata, utc_iso(utcnow()))
        plain_files.write_private(upload.part, exclusive=True)
        upload.save()
    return upload


@contextlib.contextmanager
def _creating() -> Iterator[None]:
    """Hold the uploads folder's creation lock (blocking: a creation is a moment's work)."""
    fd = _open_regular(staging_dir("uploads") / "creation.lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def open_uploads(username: str) -> list[Upload]:
    """The user's uploads still receiving bytes: not finished into evidence and not expired."""
    now, found = datetime.now(UTC), []
    for info in staging_dir("uploads").glob("*.json"):
        upload = _load(info.stem)
        if (upload is not None and upload.owner == username and upload.evidence_id is None
                and upload.expires_at() >= now):
            found.append(upload)
    return found


def upload_path(upload: Upload) -> str:
    """An upload's address (the ``Location`` its creation answered)."""
    return f"/api/v1/evidence/uploads/{upload.id}"


def _check_cap(user: User, length: int) -> None:
    config = current_app.config
    max_open, max_bytes = config.get("EVIDENCE_UPLOAD_MAX_OPEN"), config.get("EVIDENCE_UPLOAD_MAX_OPEN_BYTES")
    held = open_uploads(user.username)
    if max_open and len(held) >= int(max_open):
        message = (f"{user.username} has {len(held)} open uploads, the most allowed ({max_open}): finish or "
                   "terminate (DELETE) one first")
        # the user's own uploads, so that a client that lost their addresses can end them
        raise TusError(429, message, {"uploads": [message], "open": [upload_path(u) for u in held]})
    declared = sum(u.length for u in held)
    if max_bytes and declared + length > int(max_bytes):
        message = (f"the open uploads of {user.username} would declare {declared + length} bytes, more than the "
                   f"{max_bytes} allowed: finish or terminate (DELETE) one first")
        raise TusError(413, message, {"Upload-Length": [message]})


def get(upload_id: str, user: User) -> Upload:
    """The user's own upload (another's answers as a missing one). The caller then applies :func:`recheck`
    (api/evidence/uploads.py does, after the case access of ``permissions.open_case``).

    Raises:
        NotFound: no such upload, another's, or expired.
    """
    upload = _load(upload_id)
    if upload is None or upload.owner != user.username:
        raise NotFound(f"no upload {upload_id[:64]}")
    if upload.expires_at() < datetime.now(UTC):
        _remove(upload)
        raise NotFound(f"no upload {upload_id[:64]} (it expired)")
    return upload


def recheck(upload: Upload, user: User) -> None:
    """The rules the upload's creation passed, applied again while it is unfinished (:func:`evidence.admit`):
    an uploader taken off the case, recused, or whose case ended is refused. A finished upload needs only the case
    access checked by the caller.

    Raises:
        RuleViolation: 403 (role, recusal, equipment ledger, an officer not of the case). StateConflict: the case is
        closed to new evidence. FormDataInvalid: the metadata no longer holds (an officer or task gone).
    """
    if upload.evidence_id is None:
        evidence.admit(upload.instance_id, evidence_meta(upload.metadata), user)


def _load(upload_id: str) -> Upload | None:
    if not UPLOAD_ID.match(upload_id):
        return None
    try:
        with _open_file(staging_dir("uploads") / f"{upload_id}.json", "rb") as fh:
            data = json.loads(fh.read(1 << 20))
    except (OSError, ValueError, StateConflict):  # none, unreadable, or not the service's own file
        return None
    return Upload(**data)


@contextlib.contextmanager
def writing(upload: Upload) -> Iterator[None]:
    """Hold the upload's write lock (one request at a time; a second gets 409 at once)."""
    fd = _open_regular(upload.folder / f"{upload.id}.lock", os.O_CREAT | os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateConflict(f"another request is writing upload {upload.id}; retry after it ends") from None
        yield
    finally:
        os.close(fd)


def past_length(upload: Upload, at: int | None = None) -> TusError:
    """413 for a chunk longer than what the upload still lacks (nothing of it is kept); ``at``: the offset the
    chunk started at (the part file may hold some of it until it is cut back)."""
    at = upload.offset if at is None else at
    return TusError(413, f"the chunk goes past the declared Upload-Length {upload.length} (the upload is at "
                         f"{at})", {"Upload-Length": [f"{upload.length} bytes were declared"]})


def append(upload: Upload, offset: int, stream: IO[bytes], checksum: tuple[str, bytes] | None) -> int:
    """Write a chunk at ``offset`` (which must be the upload's offset); returns the new offset. Call inside
    :func:`writing`. A chunk cut short (the client went away) keeps what arrived, unless it came with a
    checksum: such a chunk is received into a side file and joins the upload only once it matched, so not even a
    server killed mid-chunk keeps unchecked bytes of it.

    Raises:
        StateConflict: ``offset`` is not the upload's offset, or it is complete. TusError: the chunk does not
        match its Upload-Checksum (460), goes past the declared length (413), or could not be stored (507: the
        disk full, a size limit; nothing of the chunk is kept).
    """
    current = upload.offset
    if offset != current:
        raise StateConflict(f"Upload-Offset is {offset} but the upload is at {current}; send HEAD and resume there")
    hasher = _hasher_at(upload.id, current)
    if checksum is None:
        written, hasher, error = _receive(upload, upload.part, current, stream, hasher, None)
        _remember(upload.id, current + written, hasher)
        if error is not None:
            raise error
        return current + written
    side = upload.folder / f"{upload.id}.chunk"  # a crashed request's is stale: this request holds the upload
    plain_files.write_private(side)
    try:
        check = CHECKSUMS[checksum[0]]()
        written, _, error = _receive(upload, side, 0, stream, None, check, at=current)
        if error is None and check.digest() != checksum[1]:
            error = TusError(460, f"the chunk does not match its Upload-Checksum ({checksum[0]}); it was not kept",
                             {"Upload-Checksum": ["does not match the chunk"]})
        if error is not None:
            _remember(upload.id, current, hasher)
            raise error
        with _open_file(side, "rb") as checked:
            written, hasher, error = _receive(upload, upload.part, current, checked, hasher, None, whole=True)
        _remember(upload.id, current + written, hasher)
        if error is not None:
            raise error
        return current + written
    finally:
        side.unlink(missing_ok=True)


class _StoreFailed(Exception):
    """Writing a chunk to the disk failed (full, a file size limit, an I/O error)."""


def _receive(upload: Upload, target: Path, start: int, stream: IO[bytes], hasher: Any, check: Any,
             at: int | None = None, whole: bool = False) -> tuple[int, Any, BaseException | None]:
    """Stream ``stream`` into ``target`` from ``start``, updating ``hasher`` and ``check``, within what the upload
    still lacks; returns (bytes kept, the hasher, the error that ended it). A chunk cut short keeps what arrived,
    unless ``whole`` or the error is the protocol's or the disk's: then nothing of it is kept (``target`` is cut
    back to ``start`` and the hasher is the one given)."""
    at = start if at is None else at
    remaining = upload.length - at
    base = hasher.copy() if hasher is not None else None
    written, error = 0, None
    with _open_file(target, "r+b") as out:
        out.seek(start)
        try:
            while chunk := stream.read(CHUNK):
                if written + len(chunk) > remaining:
                    raise past_length(upload, at)
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise _StoreFailed(str(exc)) from exc
                written += len(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                if check is not None:
                    check.update(chunk)
        except RequestEntityTooLarge:  # a body without Content-Length ran past what the upload lacks
            error = past_length(upload, at)
        except _StoreFailed as exc:
            error = TusError(507, f"the server could not store the chunk ({exc}); nothing of it was kept: resume "
                                  f"at offset {at} later", {"Upload-Offset": [f"the upload is at {at}"]})
        except BaseException as exc:  # noqa: BLE001 - returned, after the file is made whole
            error = exc
        if error is not None and (whole or check is not None or isinstance(error, TusError)):
            written, hasher = 0, base  # nothing of this chunk is kept
        try:
            out.truncate(start + written)
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:  # the disk refused even this: what the file holds past the offset is cut on resume
            written, hasher = 0, base
            error = error or TusError(507, f"the server could not store the chunk ({exc}); resume at offset {at}",
                                      {"Upload-Offset": [f"the upload is at {at}"]})
    return written, hasher, error


def complete(upload: Upload, user: User, client_addr: str | None) -> tuple[EvidenceItem, bool]:
    """Check and record a fully received upload; returns (item, created). Commits. Call inside :func:`writing`."""
    if upload.evidence_id is not None:
        item = db.session.get(EvidenceItem, upload.evidence_id)
        if item is not None:
            return item, False
    meta = evidence_meta(upload.metadata)
    admitted = evidence.admit(upload.instance_id, meta, user)
    hasher = _hasher_at(upload.id, upload.length)
    # two names only when a completion failed after installing it (its other name is then its place in the store)
    with _open_file(upload.part, "rb", names=2) as fh:
        head = fh.read(evidence.HEAD)
        st = os.fstat(fh.fileno())
        if hasher is None or st.st_nlink > 1:
            fh.seek(0)
            hasher = hashlib.sha256()
            while chunk := fh.read(CHUNK):
                hasher.update(chunk)
        if st.st_nlink > 1 and (upload.installing != hasher.hexdigest() or not _installed_as(st, upload.installing)):
            # a hard link to a file of someone else's (a key, another case's evidence), not this upload's own
            # installed copy
            raise _replaced(upload.part)
    upload.installing = hasher.hexdigest()
    upload.save()
    stored = evidence.install_staged(upload.part, hasher.hexdigest(), upload.length, head, upload.filetype,
                                     upload.filename, meta["kind"])
    item, created = evidence.record(upload.instance_id, stored, upload.filename, meta, admitted, user,
                                    client_addr)
    db.session.commit()
    upload.evidence_id, upload.sha256 = item.id, item.sha256
    upload.save()
    upload.part.unlink(missing_ok=True)
    _hashers.pop(upload.id, None)
    return item, created


def _installed_as(st: os.stat_result, sha256: str) -> bool:
    """Whether the file ``st`` describes is the one the file store holds under ``sha256``."""
    from .evidence_store import store

    place = store().local_path(sha256)
    try:
        held = os.lstat(place) if place is not None else None
    except OSError:
        return False
    return held is not None and (held.st_dev, held.st_ino) == (st.st_dev, st.st_ino)


def terminate(upload: Upload) -> None:
    """Forget an upload and its bytes (a recorded item stays: it is history)."""
    _remove(upload)


def _remove(upload: Upload) -> None:
    _hashers.pop(upload.id, None)
    folder = upload.folder
    for path in (upload.part, upload.info, folder / f"{upload.id}.lock", folder / f"{upload.id}.chunk"):
        path.unlink(missing_ok=True)


def sweep() -> int:
    """Remove uploads untouched for EVIDENCE_UPLOAD_EXPIRY_HOURS (not one being written); returns how many."""
    removed, now = 0, datetime.now(UTC)
    for info in staging_dir("uploads").glob("*.json"):
        upload = _load(info.stem)
        if upload is None or upload.expires_at() >= now:
            continue
        with contextlib.suppress(StateConflict), writing(upload):
            if upload.expires_at() >= datetime.now(UTC):  # a chunk arrived while this waited for the lock
                continue
            _remove(upload)
            removed += 1
    return removed
