"""Checkpoint signatures and the checkpoint export file: the parts of tamper evidence that live outside the database.

A checkpoint's hash is signed with an Ed25519 key whose private half only the checkpoint writer (the worker, the
CLI) reads, from ``CHECKPOINT_KEY`` (a PEM file). Verify needs only the public half, ``CHECKPOINT_PUBLIC_KEY``
(a PEM file; derived from the private key when only that is configured, e.g. in the demo). Whoever controls the
database can rewrite events, re-hash the chains and rewrite the checkpoints table, but cannot sign the result.

Each checkpoint is also appended, as one JSON line with its signature, to ``CHECKPOINT_FILE`` (meant to live on
another machine or on write-once storage): checkpoints removed from the database are still there to compare with.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

#: what is signed: this prefix and the checkpoint's hash (the hash covers time, heads and the previous hash)
DOMAIN = "sanxiang-checkpoint-v1:"


class SigningKeyError(Exception):
    """A configured key file is missing or is not an Ed25519 PEM key."""


def _read_key(path: str | os.PathLike, private: bool) -> Any:
    try:
        data = Path(path).read_bytes()
        key = (serialization.load_pem_private_key(data, password=None) if private
               else serialization.load_pem_public_key(data))
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"checkpoint {'private' if private else 'public'} key {path}: {exc}") from exc
    wanted = Ed25519PrivateKey if private else Ed25519PublicKey
    if not isinstance(key, wanted):
        raise SigningKeyError(f"checkpoint key {path} is not an Ed25519 key")
    return key


def private_key() -> Ed25519PrivateKey | None:
    """The signing key (``CHECKPOINT_KEY``), or None when checkpoints are not signed.

    In the demo (``DEMO``) a missing key file is generated.

    Raises:
        SigningKeyError: the configured file is missing or not an Ed25519 private key.
    """
    path = current_app.config.get("CHECKPOINT_KEY")
    if not path:
        return None
    if current_app.config.get("DEMO") and not Path(path).exists():
        generate_key(path)  # the demo makes its own key the first time
    return _read_key(path, private=True)


def public_key() -> Ed25519PublicKey | None:
    """The key verify checks signatures with: ``CHECKPOINT_PUBLIC_KEY``, else the private key's public half.

    Raises:
        SigningKeyError: a configured file is missing or not an Ed25519 key.
    """
    path = current_app.config.get("CHECKPOINT_PUBLIC_KEY")
    if path:
        return _read_key(path, private=False)
    key = private_key()
    return key.public_key() if key is not None else None


def key_id(key: Ed25519PublicKey) -> str:
    """The key's fingerprint: sha256 of its raw 32 bytes, hex."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(digest: str, domain: str = DOMAIN) -> tuple[str, str] | None:
    """(signature hex, key id) of a checkpoint hash (or, with another ``domain``, of another digest: a backup's
    manifest), or None when no signing key is configured."""
    key = private_key()
    if key is None:
        return None
    return key.sign((domain + digest).encode()).hex(), key_id(key.public_key())


def signature_problem(key: Ed25519PublicKey, digest: str, signature: str | None, signer: str | None,
                      domain: str = DOMAIN) -> str | None:
    """Why ``signature`` is not the configured key's signature of ``digest``; None when it is."""
    if not signature:
        return "is not signed"
    if signer and signer != key_id(key):
        return f"is signed by another key ({signer[:16]}…), not the configured one ({key_id(key)[:16]}…)"
    try:
        key.verify(bytes.fromhex(signature), (domain + digest).encode())
    except (InvalidSignature, ValueError):
        return "has a signature that does not verify with the configured public key"
    return None


def generate_key(path: str | os.PathLike) -> tuple[Path, Path, bool]:
    """Write a new Ed25519 key to ``path`` (private, mode 0600) and ``<stem>.pub.pem`` (public) unless the
    private key exists already; returns (private path, public path, created)."""
    private = Path(path)
    public = private.with_name(private.name.removesuffix(".pem") + ".pub.pem")
    created = not private.exists()
    if created:
        private.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    if created or not public.exists():
        key = _read_key(private, private=True)
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public, created


# -- the export file ---------------------------------------------------------------------------------------------

def export_path() -> Path | None:
    path = current_app.config.get("CHECKPOINT_FILE")
    return Path(path) if path else None


@contextmanager
def locked(path: Path) -> Iterator[Any]:
    """The export file opened for appending under an exclusive lock (the worker and the CLI may both append)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """(records, problems) of an export file; a missing file has no records."""
    if not path.exists():
        return [], []
    records, problems = [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not isinstance(record.get("id"), int):
                    raise ValueError("not a checkpoint record")
            except ValueError as exc:
                problems.append(f"line {number} of the checkpoint export file is unreadable: {exc}")
                continue
            records.append(record)
    return records, problems


def append_records(handle: Any, records: list[dict[str, Any]]) -> None:
    """Append one JSON line per record and flush it to disk."""
    handle.seek(0, os.SEEK_END)
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    handle.flush()
    os.fsync(handle.fileno())
