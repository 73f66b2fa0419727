"""Checkpoints are signed with a key the database does not hold: whoever rewrites events, re-hashes the whole
chain and even rewrites the checkpoints table inside the database is still caught by the signature or by the
checkpoints exported to a file outside it."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Checkpoint, Event
from api.services.audit import create_checkpoint, verify_checkpoints, verify_instance
from tests import cases as c
from tests.api.forgery import (
    ATTACKER_SEED,
    configure_bureau_key,
    rehash_stream,
    restore_checkpoints,
    rewrite_checkpoints,
    saved_checkpoints,
    write_key,
)
from tests.api.tamper import raw


@pytest.fixture
def keys(app, tmp_path, monkeypatch):
    """The bureau's key configured (private for the writer, public for verify); older checkpoints of the
    shared test database (unsigned, made by other tests) are declared legacy."""
    return configure_bureau_key(app, tmp_path, monkeypatch)


@pytest.fixture
def saved(app):
    """The checkpoints table as it was: put back after the attack (the database is shared by the suite)."""
    rows = saved_checkpoints(app)
    yield rows
    restore_checkpoints(app, rows)


def _case(http) -> int:
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    return iid


def _checkpoint(app) -> int:
    with app.app_context():
        cp = create_checkpoint()
        db.session.commit()
        return cp.id


def _verify(app, iid: int) -> dict:
    with app.app_context():
        return verify_instance(iid)


def _forge_actor(app, iid: int) -> None:
    """The attack: the registration is made to look like officer2's, and the chain is re-hashed after it."""
    with app.app_context():
        target = db.session.scalar(select(Event).where(Event.stream == f"instance:{iid}",
                                                       Event.type == "task_completed"))
        seq = target.seq
    rehash_stream(app, f"instance:{iid}", {seq: {"actor": "officer2"}})


def test_checkpoints_are_signed_and_verify_with_the_public_key_alone(http, app, keys, monkeypatch):
    iid = _case(http)
    cp_id = _checkpoint(app)
    with app.app_context():
        cp = db.session.get(Checkpoint, cp_id)
        assert cp.signature and len(bytes.fromhex(cp.signature)) == 64 and cp.key_id
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)  # verify holds only the public key
    result = _verify(app, iid)
    assert result["ok"], result["problems"]
    with app.app_context():
        assert [p for p in verify_checkpoints() if p.get("checkpoint", 0) >= cp_id] == []


def test_without_a_signature_the_rehashed_chain_would_pass(http, app, saved, monkeypatch):
    """The baseline the signature exists for: unsigned checkpoints rewritten along with the events hide it."""
    for key in ("CHECKPOINT_KEY", "CHECKPOINT_PUBLIC_KEY", "CHECKPOINT_FILE"):
        monkeypatch.setitem(app.config, key, None)
    iid = _case(http)
    _checkpoint(app)
    _forge_actor(app, iid)
    rewrite_checkpoints(app, "strip")
    result = _verify(app, iid)
    assert result["ok"], result["problems"]  # nothing inside the database tells the forgery apart


@pytest.mark.parametrize("signature", ["keep", "strip", "attacker"])
def test_rehashed_events_and_rewritten_checkpoints_are_caught_by_the_signature(http, app, keys, saved, signature,
                                                                               monkeypatch):
    iid = _case(http)
    cp_id = _checkpoint(app)
    assert _verify(app, iid)["ok"]
    _forge_actor(app, iid)
    rewrite_checkpoints(app, signature)
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)
    result = _verify(app, iid)
    assert not result["ok"] and not result["chain_ok"]
    problems = [p for p in result["problems"] if p["kind"] == "checkpoint" and p.get("checkpoint") == cp_id]
    assert problems and all("sign" in p["problem"] for p in problems), result["problems"]


def test_the_export_file_catches_a_database_whose_checkpoints_were_all_removed(http, app, keys, saved, tmp_path,
                                                                              monkeypatch):
    path = tmp_path / "checkpoints.jsonl"
    monkeypatch.setitem(app.config, "CHECKPOINT_FILE", str(path))
    iid = _case(http)
    cp_id = _checkpoint(app)
    out = app.test_cli_runner().invoke(args=["audit", "export-checkpoints"])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[-1]["id"] == cp_id and lines[-1]["signature"]
    _forge_actor(app, iid)
    raw(app, "DELETE FROM checkpoints")  # nothing left inside the database to compare with
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)
    result = _verify(app, iid)
    assert not result["ok"]
    stream = f"instance:{iid}"
    assert any(p["kind"] == "checkpoint" and p.get("source") == "file" and p.get("stream", stream) == stream
               and "differs" in p["problem"] for p in result["problems"]), result["problems"]
    assert any(p["kind"] == "checkpoint" and p.get("checkpoint") == cp_id and "missing" in p["problem"]
               for p in result["problems"]), result["problems"]


def test_the_export_file_catches_checkpoints_resigned_with_another_key(http, app, keys, saved, tmp_path,
                                                                     monkeypatch):
    path = tmp_path / "checkpoints.jsonl"
    monkeypatch.setitem(app.config, "CHECKPOINT_FILE", str(path))
    iid = _case(http)
    cp_id = _checkpoint(app)
    assert app.test_cli_runner().invoke(args=["audit", "export-checkpoints"]).exit_code == 0
    _forge_actor(app, iid)
    rewrite_checkpoints(app, "attacker")
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)
    result = _verify(app, iid)
    texts = [p["problem"] for p in result["problems"] if p["kind"] == "checkpoint"]
    assert any(f"checkpoint {cp_id}" in t and "export file" in t for t in texts), texts
    assert any("sign" in t for t in texts), texts


def test_export_appends_only_the_missing_checkpoints_and_refuses_a_diverged_file(http, app, keys, tmp_path,
                                                                                 monkeypatch):
    path = tmp_path / "checkpoints.jsonl"
    monkeypatch.setitem(app.config, "CHECKPOINT_FILE", str(path))
    runner = app.test_cli_runner()
    _case(http)
    _checkpoint(app)
    assert runner.invoke(args=["audit", "export-checkpoints"]).exit_code == 0
    first = path.read_text().splitlines()
    again = runner.invoke(args=["audit", "export-checkpoints"])
    assert again.exit_code == 0 and "0 checkpoint" in again.output, again.output
    assert path.read_text().splitlines() == first
    _case(http)
    cp2 = _checkpoint(app)
    assert runner.invoke(args=["audit", "export-checkpoints"]).exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[:len(first)] == first and json.loads(lines[-1])["id"] == cp2
    # the file's last line no longer matches the database: refuse to append (someone altered one of them)
    forged = json.loads(lines[-1]) | {"hash": "f" * 64}
    path.write_text("\n".join(lines[:-1] + [json.dumps(forged)]) + "\n")
    _case(http)
    _checkpoint(app)
    refused = runner.invoke(args=["audit", "export-checkpoints"])
    assert refused.exit_code != 0 and f"checkpoint {cp2}" in refused.output, refused.output


def test_a_checkpoint_signed_by_another_key_is_reported(http, app, keys, tmp_path, monkeypatch):
    attacker_private, _ = write_key(tmp_path, ATTACKER_SEED)
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", str(attacker_private))
    _case(http)
    cp_id = _checkpoint(app)
    monkeypatch.setitem(app.config, "CHECKPOINT_KEY", None)
    with app.app_context():
        problems = [p for p in verify_checkpoints() if p.get("checkpoint") == cp_id]
    assert problems and "key" in problems[0]["problem"], problems


def test_an_unreadable_public_key_is_a_reported_problem_not_a_500(http, app, keys, tmp_path, monkeypatch):
    bogus = tmp_path / "not-a-key.pem"
    bogus.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    monkeypatch.setitem(app.config, "CHECKPOINT_PUBLIC_KEY", str(bogus))
    iid = _case(http)
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert not body["ok"] and any(p.get("source") == "config" and "not-a-key.pem" in p["problem"]
                                  for p in body["problems"]), body["problems"]
