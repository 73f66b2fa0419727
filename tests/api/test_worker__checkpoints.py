"""The worker records a checkpoint when new events exist and the interval has passed."""
from __future__ import annotations

from sqlalchemy import func, select

from api.extensions import db
from api.models import Checkpoint
from api.services.audit import verify_checkpoints
from api.worker import tick


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Checkpoint))


def test_tick_checkpoints_new_events_once(http, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKPOINT_SECONDS", 0)
    http.start("enforcement_case")
    before = _count(app)
    assert tick(app)["checkpoints"] == 1
    second = tick(app)
    assert second["checkpoints"] == 0, second  # nothing new since
    http.start("enforcement_case")
    assert tick(app)["checkpoints"] == 1
    assert _count(app) == before + 2
    with app.app_context():
        assert verify_checkpoints() == []
        last = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
        assert any(stream.startswith("instance:") for stream in last.heads)


def test_tick_waits_for_the_interval(http, app, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKPOINT_SECONDS", 0)
    tick(app)
    monkeypatch.setitem(app.config, "CHECKPOINT_SECONDS", 3600)
    http.start("enforcement_case")
    assert tick(app)["checkpoints"] == 0


def test_tick_signs_and_appends_each_checkpoint_to_the_export_file(http, app, monkeypatch, tmp_path):
    from tests.api.forgery import write_key

    private, public = write_key(tmp_path)
    path = tmp_path / "exported" / "checkpoints.jsonl"
    for key, value in {"CHECKPOINT_SECONDS": 0, "CHECKPOINT_KEY": str(private), "CHECKPOINT_PUBLIC_KEY": str(public),
                       "CHECKPOINT_FILE": str(path)}.items():
        monkeypatch.setitem(app.config, key, value)
    http.start("enforcement_case")
    done = tick(app)
    assert done["checkpoints"] == 1 and done["exported"] >= 1, done
    http.start("enforcement_case")
    assert tick(app)["exported"] == 1
    assert tick(app)["exported"] == 0  # nothing new: nothing appended
    import json

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    with app.app_context():
        rows = list(db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)))
        assert [line["id"] for line in lines] == [cp.id for cp in rows]  # every checkpoint, once, in order
        assert [line["hash"] for line in lines] == [cp.hash for cp in rows]
        assert lines[-1]["signature"] == rows[-1].signature and rows[-1].signature
