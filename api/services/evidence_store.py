"""Where evidence bytes live: a folder on disk (``EVIDENCE_STORE=file``, the default) or a bucket on
S3-compatible object storage (``EVIDENCE_STORE=s3``), chosen by configuration.

Both keep a file under its sha256 (``ab/cd/<sha256>``), never overwrite one, and re-hash by streaming. Uploads are
always staged on local disk first (``EVIDENCE_DIR/tmp``, ``EVIDENCE_DIR/uploads``): a file is hashed and checked
there, then installed into the store; for S3 that is a managed multipart upload from the staged file, so no
evidence file is ever held in memory.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import IO, Any, Protocol

from flask import current_app

from engine.errors import StateConflict, Unavailable

from .plain_files import NotPlainFile, open_plain_file

CHUNK = 1 << 20


class EvidenceStore(Protocol):
    def problem(self, sha256: str) -> str | None:
        """``"missing"`` or ``"altered"`` if the stored bytes are not the recorded ones (re-hashes), else None."""

    def problem_cached(self, sha256: str) -> str | None:
        """Like :meth:`problem`, but may skip the re-hash while the object is unchanged since its last check."""

    def install(self, staged: Path, sha256: str) -> None:
        """Put a verified staged file at its place unless one is there; never overwrite.

        Raises:
            StateConflict: a file is stored under this sha256 but its content differs.
        """

    def open(self, sha256: str) -> IO[bytes]:
        """A seekable binary reader of the stored bytes. Raises FileNotFoundError when absent."""

    def open_checked(self, sha256: str) -> tuple[str | None, IO[bytes] | None]:
        """(problem, reader): the stored object checked (as :meth:`problem_cached`) and, when it passed, a reader
        of that same object — never of one put in its place after the check. (``"missing"``/``"altered"``, None)
        otherwise.
        """

    def size(self, sha256: str) -> int:
        """The stored size in bytes. Raises FileNotFoundError when absent."""

    def local_path(self, sha256: str) -> Path | None:
        """A path on this machine holding the bytes (file store), or None (object store)."""


def _open_stored(path: Path) -> IO[bytes]:
    """A stored file opened without following a link and without blocking (a named pipe put in its place held
    a download and verify until someone opened it), that must be a regular file.

    Raises:
        NotPlainFile: a link or not a regular file. OSError: missing or unreadable.
    """
    return open_plain_file(path)


def _is_at(target: Path, st: os.stat_result) -> bool:
    try:
        held = os.lstat(target)
    except OSError:
        return False
    return st.st_nlink == 2 and (held.st_dev, held.st_ino) == (st.st_dev, st.st_ino)


def _not_staged(staged: Path) -> StateConflict:
    return StateConflict(f"{staged.name} is not a regular file of the service (it was replaced behind its back); "
                         "nothing was stored")


def private_dir(folder: Path) -> Path:
    """``folder``, with every missing folder on its path made the owner's only (0700, whatever the umask): the
    evidence store and its uploads hold the case records' personal data."""
    missing, above = [], folder
    while not above.exists() and above != above.parent:
        missing.append(above)
        above = above.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=0o700)
        except FileExistsError:
            continue
        made.chmod(0o700)
    return folder


def staging_dir(name: str) -> Path:
    """A local folder for uploads in progress (``EVIDENCE_DIR/<name>``), created if missing (the owner's only).

    Raises:
        StateConflict: it is a link (to somewhere else) or not a folder: the service writes only in its own.
    """
    folder = Path(current_app.config["EVIDENCE_DIR"]) / name
    private_dir(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise StateConflict(f"{folder} is not a folder of the evidence store (a link or another file): nothing "
                            "was written there")
    return folder


def key_of(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def hash_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _conflict(sha256: str) -> StateConflict:
    return StateConflict(f"the stored file for {sha256} no longer matches its hash; it is kept as found "
                         "for investigation and this upload is refused; tell the administrator")


class FileStore:
    """Files at ``<root>/ab/cd/<sha256>``, read-only, hard-linked into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / key_of(sha256)

    def problem(self, sha256: str) -> str | None:
        try:
            with _open_stored(self.path(sha256)) as fh:
                return None if hash_stream(fh) == sha256 else "altered"
        except NotPlainFile:
            return "altered"
        except OSError:  # gone, or no longer a readable file
            return "missing"

    def problem_cached(self, sha256: str) -> str | None:
        path = self.path(sha256)
        try:
            st = path.stat()
        except FileNotFoundError:
            _verified.pop(("file", sha256), None)
            return "missing"
        return _cached(("file", sha256), (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns),
                       lambda: self.problem(sha256))

    def install(self, staged: Path, sha256: str) -> None:
        target = self.path(sha256)
        private_dir(target.parent)
        # the staged file itself, never what a link planted in its place points to (a key, another case's file)
        try:
            fd = os.open(staged, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            raise _not_staged(staged) from exc
        try:
            st = os.fstat(fd)
            # no other name (not a hard link to a key), but its place in the store when an earlier attempt to
            # record it failed after installing it
            if not stat.S_ISREG(st.st_mode) or (st.st_nlink != 1 and not _is_at(target, st)):
                raise _not_staged(staged)
            os.fchmod(fd, 0o400)  # never written again; read by the owner (the service) only
        finally:
            os.close(fd)
        try:
            os.link(staged, target, follow_symlinks=False)
        except FileExistsError:
            pass
        except OSError:  # a filesystem without hard links: a small race, but still never over an existing file
            if not target.exists():
                os.replace(staged, target)
                self._check_placed(target, st)
                _fsync_dir(target.parent)
                return
        else:
            self._check_placed(target, st)
            _fsync_dir(target.parent)
            return
        if self.problem(sha256) is not None:
            raise _conflict(sha256)

    @staticmethod
    def _check_placed(target: Path, staged: os.stat_result) -> None:
        """What was linked into place is the staged file checked above, not something swapped in meanwhile (which
        is taken out again)."""
        placed = os.lstat(target)
        if (placed.st_dev, placed.st_ino) != (staged.st_dev, staged.st_ino):
            target.unlink()
            raise StateConflict(f"{target.name}: the staged file was replaced while it was installed; nothing was "
                                "stored")

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return _open_stored(self.path(sha256))
        except NotPlainFile:
            raise FileNotFoundError(self.path(sha256)) from None

    def open_checked(self, sha256: str) -> tuple[str | None, IO[bytes] | None]:
        """The file opened first, then checked through that same handle (its fstat for the cache, its bytes for
        the hash): a file renamed over the path after the check is never the one served."""
        key = ("file", sha256)
        try:
            fh = _open_stored(self.path(sha256))
        except NotPlainFile:
            _forget_memo(key)
            return "altered", None
        except OSError:
            _verified.pop(key, None)
            return "missing", None
        try:
            st = os.fstat(fh.fileno())

            def check() -> str | None:
                problem = None if hash_stream(fh) == sha256 else "altered"
                fh.seek(0)
                return problem

            problem = _cached(key, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns), check)
        except OSError:
            fh.close()
            return "missing", None
        if problem:
            fh.close()
            return problem, None
        return None, fh

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def local_path(self, sha256: str) -> Path | None:
        return self.path(sha256)


class S3Store:
    """Objects ``<prefix>ab/cd/<sha256>`` in one bucket of an S3-compatible service (boto3)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def key(self, sha256: str) -> str:
        return self.prefix + key_of(sha256)

    def _head(self, sha256: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                self._check_bucket()  # a HEAD says 404 for a missing bucket too: that is no missing object
                return None
            raise _unavailable(self.bucket, exc) from None
        except BotoCoreError as exc:  # no connection, a timeout
            raise _unavailable(self.bucket, exc) from None

    def _check_bucket(self) -> None:
        """Raise Unavailable if the bucket cannot be read (it does not exist, the credentials are refused); the
        answer is remembered for a minute."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = (id(self.client), self.bucket)
        if _buckets_seen.get(key, 0.0) > time.monotonic():
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(self.bucket, exc) from None
        _buckets_seen[key] = time.monotonic() + 60

    def _reader(self, sha256: str, head: dict[str, Any]) -> _RangedReader:
        """A reader of exactly the object ``head`` described: every GET carries its ETag (``IfMatch``) and, in a
        versioned bucket, its ``VersionId``, so an object put in its place later is never read."""
        pin = {"IfMatch": head["ETag"]}
        if head.get("VersionId") and head["VersionId"] != "null":
            pin["VersionId"] = head["VersionId"]
        return _RangedReader(self.client, self.bucket, self.key(sha256), int(head["ContentLength"]), pin)

    def _hash_problem(self, sha256: str, head: dict[str, Any]) -> str | None:
        """The object ``head`` described, re-hashed: None, ``"altered"``, or ``"missing"`` (it is gone, or was
        replaced since ``head``: then the recorded bytes are no longer what the key holds)."""
        try:
            with self._reader(sha256, head) as fh:
                return None if hash_stream(fh) == sha256 else "altered"
        except ObjectChanged:
            return "altered"
        except FileNotFoundError:
            return "missing"

    def problem(self, sha256: str) -> str | None:
        head = self._head(sha256)
        return "missing" if head is None else self._hash_problem(sha256, head)

    def problem_cached(self, sha256: str) -> str | None:
        return self._checked(sha256)[0]

    def _checked(self, sha256: str) -> tuple[str | None, dict[str, Any] | None]:
        head = self._head(sha256)
        if head is None:
            _verified.pop(("s3", sha256), None)
            return "missing", None
        # the signature cached is the one of the object hashed (the hash is pinned to this head's ETag): an
        # object swapped in between the HEAD and the hash cannot be remembered as verified
        signature = (head.get("ETag"), head.get("ContentLength"), str(head.get("LastModified")))
        return _cached(("s3", sha256), signature, lambda: self._hash_problem(sha256, head)), head

    def open_checked(self, sha256: str) -> tuple[str | None, IO[bytes] | None]:
        problem, head = self._checked(sha256)
        if problem or head is None:
            return problem or "missing", None
        return None, self._reader(sha256, head)

    def install(self, staged: Path, sha256: str) -> None:
        if self._head(sha256) is None:
            # a managed transfer: multipart from the staged file for large files; at most 4 parts of
            # 16 MiB in memory at once, never the whole file
            from boto3.exceptions import S3UploadFailedError
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.client.upload_file(str(staged), self.bucket, self.key(sha256), Config=_transfer_config())
            except (S3UploadFailedError, BotoCoreError, ClientError) as exc:
                raise _unavailable(self.bucket, exc) from None
            return
        if self.problem(sha256) is not None:
            raise _conflict(sha256)

    def open(self, sha256: str) -> IO[bytes]:
        head = self._head(sha256)
        if head is None:
            raise FileNotFoundError(self.key(sha256))
        return self._reader(sha256, head)

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise FileNotFoundError(self.key(sha256))
        return int(head["ContentLength"])

    def local_path(self, sha256: str) -> Path | None:  # noqa: ARG002
        return None


def _transfer_config() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=16 << 20, max_concurrency=4)


class ObjectChanged(OSError):
    """The object under a key is no longer the one a reader was pinned to (it was replaced or removed)."""


class _RangedReader(io.RawIOBase):
    """A seekable reader of one object: each read is a ranged GET of at most what was asked for, so serving
    a Range of a multi-GB recording fetches only that range. Every GET carries ``pin`` (``IfMatch`` the ETag
    seen, and ``VersionId`` in a versioned bucket): a replaced object fails the read (:class:`ObjectChanged`)
    instead of being read in place of the one pinned."""

    def __init__(self, client: Any, bucket: str, key: str, length: int, pin: dict[str, str] | None = None) -> None:
        super().__init__()
        self.client, self.bucket, self.key, self.length, self.pos = client, bucket, key, length, 0
        self.pin = pin or {}
        self._body: Any = None
        self._body_pos = -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.length}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def _stream_at(self, pos: int) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        if self._body is None or self._body_pos != pos:
            if self._body is not None:
                self._body.close()
                self._body = None
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={pos}-", **self.pin)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code"))
                if code in ("PreconditionFailed", "412"):
                    raise ObjectChanged(f"{self.key} was replaced since it was checked") from None
                if code in ("NoSuchKey", "404", "NotFound", "NoSuchVersion"):
                    raise FileNotFoundError(self.key) from None
                raise _unavailable(self.bucket, exc) from None
            except BotoCoreError as exc:
                raise _unavailable(self.bucket, exc) from None
            self._body, self._body_pos = answer["Body"], pos
        return self._body

    def start(self) -> None:
        """Send the GET at the current position now (before a response is committed): raises
        :class:`ObjectChanged` or FileNotFoundError while a clean refusal can still be answered."""
        if self.pos < self.length:
            self._stream_at(self.pos)

    def readinto(self, buffer: Any) -> int:
        if self.pos >= self.length:
            return 0
        want = min(len(buffer), self.length - self.pos)
        body = self._stream_at(self.pos)
        try:
            data = body.read(want)
        except Exception as exc:  # noqa: BLE001 - botocore's and urllib3's errors of a body cut off or timed out
            self._body = None
            raise _unavailable(self.bucket, exc) from None
        n = len(data)
        buffer[:n] = data
        self.pos += n
        self._body_pos += n
        return n

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
        super().close()


_verified: dict[tuple[str, str], tuple] = {}
#: (client, bucket) -> until when (monotonic) the bucket is known to be readable
_buckets_seen: dict[tuple[int, str], float] = {}


def _unavailable(bucket: str, exc: Exception) -> Unavailable:
    """The 503 for an S3 call that failed for another reason than the object's absence (a refused connection, a
    timeout, a missing bucket, refused credentials), naming the store but not its address or keys."""
    response = getattr(exc, "response", None)  # a ClientError's parsed answer (some timeouts carry None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    why = f"{code}" if code else type(exc).__name__
    return Unavailable(f"the evidence store (bucket {bucket}) cannot be used now ({why}); nothing was recorded or "
                       "served, try again later")


def _cached(key: tuple[str, str], signature: tuple, check: Any) -> str | None:
    """``check()`` of a stored object (its re-hash), skipped while the object is unchanged (``signature``: file
    identity and times, or S3's ETag, size and time) since a check that passed — in this process, or in any
    server process sharing the store (a memo under ``EVIDENCE_DIR/verified``, MACed with the secret key). Without
    the shared memo, every server process re-hashed a multi-GB recording on its first read of even one byte, past a
    request's time limit. Only a check of the stored bytes themselves is remembered: never the hash counted while
    an upload arrived (its staged bytes may have been changed on disk between chunks). (Serving only: verify always
    re-hashes.)"""
    if _verified.get(key) == signature or _memo_holds(key, signature):
        _note_verified(key, signature)
        return None
    problem = check()
    if problem is None:
        _remember_verified(key, signature)
    else:
        _forget_memo(key)
    return problem


def _note_verified(key: tuple[str, str], signature: tuple) -> None:
    if len(_verified) > 10_000:
        _verified.clear()
    _verified[key] = signature


def _memo_path(key: tuple[str, str]) -> Path:
    return staging_dir("verified") / f"{key[0]}-{key[1]}"


def _memo_mac(key: tuple[str, str], signature: tuple) -> str:
    message = json.dumps([list(key), [str(part) for part in signature]]).encode()
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), message, hashlib.sha256).hexdigest()


def _memo_holds(key: tuple[str, str], signature: tuple) -> bool:
    """Whether a server process checked this very object (same signature) and found it whole. The memo is a MAC of
    (key, signature): whoever can write the store but not read the secret key cannot vouch for an object."""
    try:
        with _open_stored(_memo_path(key)) as fh:
            recorded = fh.read(256).decode("ascii")
    except (OSError, ValueError, StateConflict):  # none, unreadable, a link, or the memo folder not the store's
        return False
    return hmac.compare_digest(recorded.strip(), _memo_mac(key, signature))


def _remember_verified(key: tuple[str, str], signature: tuple) -> None:
    """Remember a check that passed (this process, and the shared memo; a memo that cannot be written only costs
    the next process a re-hash)."""
    _note_verified(key, signature)
    try:
        folder = staging_dir("verified")
        fd, name = tempfile.mkstemp(dir=folder, prefix=".memo-")
        with os.fdopen(fd, "w") as out:
            out.write(_memo_mac(key, signature))
        os.replace(name, _memo_path(key))
    except (OSError, StateConflict):
        return


def _forget_memo(key: tuple[str, str]) -> None:
    _verified.pop(key, None)
    with contextlib.suppress(OSError, StateConflict):
        _memo_path(key).unlink(missing_ok=True)



def store() -> EvidenceStore:
    """The configured store of the current app (the S3 client is made once per app and configuration)."""
    config = current_app.config
    kind = (config.get("EVIDENCE_STORE") or "file").lower()
    if kind == "file":
        return FileStore(Path(config["EVIDENCE_DIR"]))
    if kind != "s3":
        from ..config import ConfigurationError

        raise ConfigurationError(f"EVIDENCE_STORE is {kind!r}; use 'file' or 's3'")
    settings = (config.get("EVIDENCE_S3_ENDPOINT"), config.get("EVIDENCE_S3_REGION"),
                config.get("EVIDENCE_S3_ACCESS_KEY"), config.get("EVIDENCE_S3_SECRET_KEY"),
                float(config["EVIDENCE_S3_TIMEOUT_SECONDS"]))
    clients = current_app.extensions.setdefault("sanxiang_s3", {})
    client = clients.get(settings)
    if client is None:
        import boto3
        from botocore.config import Config as BotoConfig

        endpoint, region, access, secret, timeout = settings
        client = clients[settings] = boto3.client(
            "s3", endpoint_url=endpoint or None, region_name=region or "us-east-1",
            aws_access_key_id=access or None, aws_secret_access_key=secret or None,
            # a store that accepts the connection and never answers must not hold a request past these (botocore's
            # own defaults: 60 s a read, 4 attempts): one attempt, so EVIDENCE_S3_TIMEOUT_SECONDS bounds a wait
            # (``max_attempts`` 2 in the legacy mode was 3 attempts: three timeouts)
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1, "mode": "standard"},
                              connect_timeout=timeout, read_timeout=timeout))
    bucket = config.get("EVIDENCE_S3_BUCKET")
    if not bucket:
        from ..config import ConfigurationError

        raise ConfigurationError("EVIDENCE_STORE is 's3' but EVIDENCE_S3_BUCKET is not set")
    return S3Store(client, bucket, config.get("EVIDENCE_S3_PREFIX") or "")
