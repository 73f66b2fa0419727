"""Checkpoints record only the heads that moved since the checkpoint before (issue 10 item 5), and still anchor
every stream: a stream's head recorded by an older checkpoint is what verify holds it to, and a head entry changed
in or removed from a checkpoint is caught."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import Checkpoint
from api.services.audit import current_heads, verify_checkpoints, verify_instance
from api.services.checkpoints import DELTA
from tests import cases as c
from tests.api.forgery import new_checkpoint, restore_checkpoints, saved_checkpoints
from tests.api.tamper import raw


@pytest.fixture
def saved(app, monkeypatch):
    """Unsigned checkpoints for this test; the table is put back afterwards (the suite shares the database)."""
    for key in ("CHECKPOINT_KEY", "CHECKPOINT_PUBLIC_KEY", "CHECKPOINT_FILE"):
        monkeypatch.setitem(app.config, key, None)
    rows = saved_checkpoints(app)
    yield rows
    restore_checkpoints(app, rows)


def _json(app) -> str:
    with app.app_context():
        return "CAST(:v AS JSONB)" if db.engine.dialect.name == "postgresql" else ":v"


def _two_checkpoints(app, http) -> tuple[int, int, Checkpoint, Checkpoint]:
    first = http.start("enforcement_case")["id"]
    http.complete(first, "task_register", c.REGISTER, "officer1")
    older = new_checkpoint(app)
    second = http.start("enforcement_case")["id"]
    newer = new_checkpoint(app)
    return first, second, older, newer


def test_a_checkpoint_holds_only_the_heads_that_moved(app, http, saved):
    first, second, older, newer = _two_checkpoints(app, http)
    assert older.form == newer.form == DELTA
    assert f"instance:{first}" in older.heads
    assert f"instance:{second}" in newer.heads and f"instance:{first}" not in newer.heads
    with app.app_context():
        assert len(newer.heads) < len(current_heads())
        assert verify_checkpoints() == []
        for iid in (first, second):
            result = verify_instance(iid)
            assert result["ok"], result["problems"]
    assert new_checkpoint(app).heads == {}  # nothing moved: nothing recorded


def test_an_older_checkpoints_head_still_anchors_its_stream(app, http, saved):
    """The first case's head is recorded by the older checkpoint only; removing its last event is caught."""
    first, _, older, _ = _two_checkpoints(app, http)
    stream = f"instance:{first}"
    seq = older.heads[stream][0]
    raw(app, "DELETE FROM events WHERE stream = :s AND seq = :q", s=stream, q=seq)
    raw(app, "UPDATE instances SET last_seq = :q WHERE id = :i", q=seq - 1, i=first)
    with app.app_context():
        result = verify_instance(first)
    assert not result["ok"]
    assert any(p["kind"] == "checkpoint" and p.get("checkpoint") == older.id and p.get("stream") == stream
               for p in result["problems"]), result["problems"]


@pytest.mark.parametrize("change", ["altered", "removed", "added"])
def test_a_changed_removed_or_added_head_entry_is_caught(app, http, saved, change):
    _, second, _, newer = _two_checkpoints(app, http)
    heads = dict(newer.heads)
    stream = f"instance:{second}"
    if change == "altered":
        heads[stream] = [heads[stream][0], "0" * 64]
    elif change == "removed":
        del heads[stream]
    else:
        heads["instance:999999"] = [1, "f" * 64]
    raw(app, f"UPDATE checkpoints SET heads = {_json(app)} WHERE id = :id", v=json.dumps(heads), id=newer.id)
    with app.app_context():
        problems = verify_checkpoints()
        assert {"kind": "checkpoint", "source": "database", "checkpoint": newer.id,
                "problem": "checkpoint was altered"} in problems
        assert db.session.scalar(select(func.count()).select_from(Checkpoint)) >= 2
