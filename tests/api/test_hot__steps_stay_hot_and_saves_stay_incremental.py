"""Hot workflows and incremental saves (issue 10 item 3).

A case whose legal review is sent back again and again: every round of the loop serializes as many task entries
as the round before (the history grows, the step's work does not); a completion on a hot case never runs the
deserializer; a cold load (another process, a restart) gives exactly the workflow the hot process holds; and two
app instances on one database (two server processes) step the same case in turn, each noticing the other's
commits by the row version.
"""
from __future__ import annotations

import secrets

import pytest

import api.services.instances as instances_service
from api import create_app
from api.extensions import db
from api.models import Instance, WorkflowTask
from api.services import hot
from engine import serializer
from tests import cases as c
from tests.api.tamper import put_rows_back, rows_of
from tests.api.walk import Acts, finish, to_proposal, waive_hearing
from tests.conftest import Api

ROUNDS = 12


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """The instance ids the deserializer was run for (a cold load), in order."""
    calls: list[int] = []
    original, deserialize = instances_service.stored_workflow, instances_service.load_state

    def cold(instance, bundle):
        calls.append(instance.id)
        return original(instance, bundle)

    def counting(bundle, state, script_engine=None, **options):
        assert calls, "the deserializer ran outside a cold load"
        return deserialize(bundle, state, script_engine, **options)

    monkeypatch.setattr(instances_service, "stored_workflow", cold)
    monkeypatch.setattr(instances_service, "load_state", counting)
    return calls


def _complete(http: Api, acts: Acts, iid: int, element_id: str, data: dict, user: str = "officer1") -> int:
    """Complete the task; returns the task entries the request serialized."""
    before = serializer.COUNTER.entries
    acts.complete(iid, element_id, data, user)
    return serializer.COUNTER.entries - before


def _hot_and_cold(app, iid: int, loads: list[int]) -> tuple[str, str, int]:
    """(the hot workflow's serialized state, a cold load's, the number of stored task rows); the cold load made
    here is not counted in ``loads``."""
    counted = len(loads)
    with app.app_context():
        instance = db.session.get(Instance, iid)
        bundle = instances_service.bundle_for(instance)
        held = hot.peek(instance, bundle.key)
        assert held is not None, "the case is not hot in this process"
        cold = instances_service.stored_workflow(instance, bundle)
        rows = db.session.query(WorkflowTask).filter(WorkflowTask.instance_id == iid, WorkflowTask.entry != "").count()
        text = serializer.dumps_state(held), serializer.dumps_state(cold), rows
        db.session.remove()
        del loads[counted:]
        return text


def test_loop_rounds_serialize_as_many_entries_and_never_deserialize(app, http, loads):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    assert loads == [], "a step of a case this process saved loaded it cold"
    reviews, fixes = [], []
    for _ in range(ROUNDS):
        reviews.append(_complete(http, acts, iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1"))
        fixes.append(_complete(http, acts, iid, "task_fix_resubmit", c.FIX))
    assert loads == []
    # the first round creates what later rounds reuse; from the second on, every round writes the same count
    assert set(reviews[1:]) == {reviews[1]}, reviews
    assert set(fixes[1:]) == {fixes[1]}, fixes
    held, cold, rows = _hot_and_cold(app, iid, loads)
    assert held == cold
    assert reviews[-1] + fixes[-1] < rows / 4, "a round rewrote a large part of the tree"
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    finish(http, iid, acts)
    assert loads == []
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert resp["ok"], resp["problems"]


def test_a_step_refused_after_the_engine_ran_leaves_no_mutated_workflow_behind(app, http, loads, monkeypatch):
    import api.services.tasks as tasks_service
    from engine.errors import RuleViolation

    acts = Acts(http)
    iid = to_proposal(http, acts)
    state = {"refuse": True}
    original = tasks_service.gate.check_no_scripted_decision

    def refuse_once(steps):  # runs right after the engine completed the task in the taken workflow
        if state.pop("refuse", False):
            raise RuleViolation("test_refusal", "refused after the engine ran")
        return original(steps)

    monkeypatch.setattr(tasks_service.gate, "check_no_scripted_decision", refuse_once)
    http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1", expect=403)
    with app.app_context():
        assert iid not in hot.cache()  # taken out by the refused step and not put back
    assert http.open_task(iid, "task_proposal")  # nothing of the refused step is stored
    before = len(loads)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    assert loads[before:] == [iid]  # loaded cold from what is stored, not from the mutated workflow
    held, cold, _ = _hot_and_cold(app, iid, loads)
    assert held == cold
    assert http.open_task(iid, "task_hearing_notice_right")


def test_two_app_instances_step_one_case_in_turn(app, http, loads):
    other_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                            "SECRET_KEY": secrets.token_urlsafe(32), "EVIDENCE_DIR": app.config["EVIDENCE_DIR"]})
    other = Api(other_app.test_client())
    acts, other_acts = Acts(http), Acts(other)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    try:
        for _ in range(3):
            before = len(loads)
            other_acts.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
            assert len(loads) == before + 1  # the other process had never seen the case, or an older version
            held, cold, _ = _hot_and_cold(other_app, iid, loads)
            assert held == cold
            acts.complete(iid, "task_fix_resubmit", c.FIX)
            assert len(loads) == before + 2  # this process holds a version the other one moved past
            held, cold, _ = _hot_and_cold(app, iid, loads)
            assert held == cold
        other_acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
        finish(other, iid, other_acts)
        resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
        assert resp["ok"], resp["problems"]
    finally:
        with other_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_database_brought_back_to_an_earlier_state_does_not_revive_a_cached_workflow(app, http, loads):
    """Found from outside: the cache trusted (instance id, row version) alone. A database that lost its last commits
    (a failover, a restore) reaches the same row version again along another history; the process still holding the
    first history's workflow stepped it and saved it over the second. Now the history's head is part of the key."""
    other_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                            "SECRET_KEY": secrets.token_urlsafe(32), "EVIDENCE_DIR": app.config["EVIDENCE_DIR"]})
    other = Api(other_app.test_client())
    acts, other_acts = Acts(http), Acts(other)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    stream = f"instance:{iid}"
    saved = {"instances": rows_of(app, "instances", id=iid), "workflow_tasks": rows_of(app, "workflow_tasks",
             instance_id=iid), "tasks": rows_of(app, "tasks", instance_id=iid), "events": rows_of(app, "events",
                                                                                              stream=stream)}
    try:
        acts.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")  # this process holds it after this
        for table, where in (("events", {"stream": stream}), ("workflow_tasks", {"instance_id": iid}),
                             ("tasks", {"instance_id": iid}), ("instances", {"id": iid})):
            put_rows_back(app, table, saved[table], **where)  # the commit is lost
        other_acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")  # the same row version again
        with app.app_context():
            assert db.session.get(Instance, iid).row_version == saved["instances"][0]["row_version"] + 1
            db.session.remove()
        before = len(loads)
        edit = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                         json={"changes": {"summary": "更正摘要"}, "reason": "更正"})
        assert edit.status_code == 200, edit.get_json()
        assert len(loads) == before + 1  # a cold load: the cached workflow belongs to the lost history
        assert http.open_task(iid, "task_head_decision")
        resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
        assert resp["ok"], resp["problems"]
    finally:
        with other_app.app_context():
            db.session.remove()
            db.engine.dispose()
