"""A checkpoint now records only the heads that moved, so a stream's head may be recorded by one checkpoint alone.
An attacker who rewrites a case's events and puts the new head into that checkpoint (its signature no longer
matches) must not get the case reported clean: verify of the case names the unsound checkpoint that recorded its
head, so the auditor knows which case to look at."""
from __future__ import annotations

import json

import pytest

from api.services.audit import verify_checkpoints, verify_instance
from tests import cases as c
from tests.api.forgery import (
    _checkpoint_hash,
    configure_bureau_key,
    new_checkpoint,
    rehash_stream,
    restore_checkpoints,
    saved_checkpoints,
)
from tests.api.tamper import raw


@pytest.fixture
def signed(app, tmp_path, monkeypatch):
    rows = saved_checkpoints(app)
    configure_bureau_key(app, tmp_path, monkeypatch)
    yield
    restore_checkpoints(app, rows)


def test_a_case_whose_only_checkpoint_was_forged_is_not_reported_clean(app, http, signed, monkeypatch):
    first = http.start("enforcement_case")["id"]
    http.complete(first, "task_register", c.REGISTER, "officer1")
    older = new_checkpoint(app)  # the only checkpoint recording the first case's head
    second = http.start("enforcement_case")["id"]
    new_checkpoint(app)
    http.start("enforcement_case")
    new_checkpoint(app)
    stream = f"instance:{first}"
    assert stream in older.heads
    assert second  # a later case moved other heads only
    # the attacker rewrites the first case's history and re-links it, then records the new head in the checkpoint
    new_head = rehash_stream(app, stream, {2: {"client_addr": "203.0.113.9"}})
    heads = dict(older.heads)
    heads[stream] = [heads[stream][0], new_head]
    digest = _checkpoint_hash(older.at, heads, older.prev_hash, older.form)
    value = "CAST(:v AS JSONB)" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else ":v"
    raw(app, f"UPDATE checkpoints SET heads = {value}, hash = :h WHERE id = :id",
        v=json.dumps(heads), h=digest, id=older.id)
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)  # verify holds only the public key
    with app.app_context():
        assert any(p.get("checkpoint") == older.id for p in verify_checkpoints())
        result = verify_instance(first)
    assert not result["ok"], result
    assert any(p.get("checkpoint") == older.id and p.get("stream") == stream for p in result["problems"]), \
        result["problems"]
