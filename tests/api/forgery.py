"""Test-only forgeries by someone with database superuser rights: rewrite events and re-hash the whole chain,
rewrite or remove the checkpoints table, sign with a key of their own. Built on :func:`tests.api.tamper.raw`."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from api.extensions import db
from api.models import Checkpoint, Event
from engine.history import GENESIS, canonical_json, canonical_time, event_hash
from tests.api.tamper import raw

#: one fixed test key (the bureau's), so checkpoints signed by one test verify in the next
BUREAU_SEED = bytes(range(32))
#: the attacker's key: a valid Ed25519 key, just not the configured one
ATTACKER_SEED = bytes(range(100, 132))


def write_key(folder: Path, seed: bytes = BUREAU_SEED) -> tuple[Path, Path]:
    """(private PEM path, public PEM path) of the key made from ``seed``."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    private, public = folder / f"key-{seed[0]}.pem", folder / f"key-{seed[0]}.pub.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _json_param(app) -> str:
    with app.app_context():
        return "CAST(:v AS JSONB)" if db.engine.dialect.name == "postgresql" else ":v"


def rehash_stream(app, stream: str, changes: dict[int, dict[str, Any]]) -> str:
    """Apply ``changes`` (seq -> {column: value}, plain columns) to the stream's events and re-hash the whole
    chain so that it links again; the instance row's head follows. Returns the new head hash."""
    with app.app_context():
        events = list(db.session.scalars(select(Event).where(Event.stream == stream).order_by(Event.seq)))
        db.session.expunge_all()
    prev = GENESIS
    for ev in events:
        for column, value in changes.get(ev.seq, {}).items():
            setattr(ev, column, value)
        ev.prev_hash = prev
        ev.hash = event_hash(ev.hashed_fields(), prev)
        prev = ev.hash
        sets = ", ".join(f"{column} = :{column}" for column in changes.get(ev.seq, {}))
        raw(app, f"UPDATE events SET {sets + ', ' if sets else ''}prev_hash = :p, hash = :h WHERE id = :id",
            **changes.get(ev.seq, {}), p=ev.prev_hash, h=ev.hash, id=ev.id)
    if stream.startswith("instance:"):
        raw(app, "UPDATE instances SET last_seq = :s, last_hash = :h WHERE id = :i",
            s=events[-1].seq, h=prev, i=int(stream.split(":")[1]))
    return prev


def saved_checkpoints(app) -> list[dict[str, Any]]:
    with app.app_context():
        return [{c.name: getattr(cp, c.name) for c in Checkpoint.__table__.columns}
                for cp in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id))]


def restore_checkpoints(app, rows: list[dict[str, Any]]) -> None:
    """Put the checkpoints table back as it was (other tests share the database)."""
    raw(app, "DELETE FROM checkpoints")
    with app.app_context(), db.engine.begin() as conn:
        if rows:
            conn.execute(Checkpoint.__table__.insert(), rows)


def _checkpoint_hash(at, heads: dict, prev_hash: str, form: int | None = None) -> str:
    fields = {"at": canonical_time(at), "heads": heads, "prev_hash": prev_hash}
    if form is not None:  # the attacker knows the format too
        fields["form"] = form
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def rewrite_checkpoints(app, signature: str) -> None:
    """Re-record every checkpoint with the heads the events have now and re-chain them.

    ``signature``: ``keep`` (the old signatures stay), ``strip`` (no signature), ``attacker`` (signed by a key
    of the attacker's own, its key id claiming to be the bureau's).
    """
    rows = saved_checkpoints(app)
    with app.app_context():  # the hash every event has now, by (stream, seq)
        now = {(stream, seq): digest for stream, seq, digest in
               db.session.execute(select(Event.stream, Event.seq, Event.hash))}
    attacker = Ed25519PrivateKey.from_private_bytes(ATTACKER_SEED)
    prev = GENESIS
    value = _json_param(app)
    for row in rows:
        heads = {stream: [seq, now.get((stream, seq), digest)] for stream, (seq, digest) in row["heads"].items()}
        digest = _checkpoint_hash(row["at"], heads, prev, row.get("form"))
        sig = {"keep": row.get("signature"), "strip": None}.get(signature)
        if signature == "attacker":
            sig = attacker.sign(f"sanxiang-checkpoint-v1:{digest}".encode()).hex()
        raw(app, f"UPDATE checkpoints SET heads = {value}, prev_hash = :p, hash = :h, signature = :s WHERE id = :id",
            v=json.dumps(heads), p=prev, h=digest, s=sig, id=row["id"])
        prev = digest


def new_checkpoint(app) -> Checkpoint:
    """A checkpoint made and committed now, detached from its session (its columns readable afterwards)."""
    from api.services.checkpoints import create_checkpoint

    with app.app_context():
        cp = create_checkpoint()
        db.session.commit()
        db.session.refresh(cp)
        db.session.expunge(cp)
        return cp


def configure_bureau_key(app, folder: Path, monkeypatch) -> tuple[Path, Path]:
    """The bureau's key configured (private for the writer, public for verify); the checkpoints already in the shared
    test database (unsigned, made by other tests) are declared legacy; no export file."""
    from sqlalchemy import func

    private, public = write_key(folder)
    with app.app_context():
        floor = db.session.scalar(select(func.max(Checkpoint.id))) or 0
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", str(private))
    monkeypatch.setitem(app.config, "CHECKPOINT_PUBLIC_KEY", str(public))
    monkeypatch.setitem(app.config, "CHECKPOINT_UNSIGNED_UNTIL", floor)
    monkeypatch.setitem(app.config, "CHECKPOINT_FILE", None)
    return private, public
