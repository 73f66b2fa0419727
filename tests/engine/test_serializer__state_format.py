"""The stored state: no embedded spec, a state version, and upgrades that refuse what they cannot read."""
from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine import runtime, serializer
from engine.errors import StateConflict
from engine.scripting import make_script_engine


def all_keys(value, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            all_keys(item, found)
    elif isinstance(value, list):
        for item in value:
            all_keys(item, found)
    return found


@pytest.fixture
def mid_review(case_bundle, answers):
    """A major case waiting in legal_review (two subprocesses in the tree: recording done, review running)."""
    data = answers(major=True)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    # register, recusal, record start, investigation, proposal, hearing-right notice, hearing request
    for _ in range(7):
        (task,) = runtime.ready_tasks(case_bundle, workflow)
        runtime.complete(workflow, task.id, data[task.meta.element_id][0])
    (task,) = runtime.ready_tasks(case_bundle, workflow)
    assert task.meta.process_id == "legal_review"
    return workflow


def test_state_has_no_spec(mid_review):
    state = json.loads(serializer.dumps_state(mid_review))
    assert "task_specs" not in all_keys(state)
    assert state["spec"] == "enforcement_case"
    assert set(state["subprocess_specs"]) == {"recording", "legal_review", "disclosure"}
    assert state["state_version"] == serializer.STATE_VERSION
    assert len(state["subprocesses"]) == 2


def test_state_is_much_smaller_than_spiffworkflows_default(mid_review):
    ours = serializer.dumps_state(mid_review)
    default = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(mid_review)
    assert "task_specs" in all_keys(json.loads(default))  # the default embeds the spec ...
    assert len(ours) * 2 < len(default)  # ... and so is more than twice as large


def test_state_is_plain_json_with_readable_chinese(mid_review):
    text = serializer.dumps_state(mid_review)
    assert "张三" in text  # ensure_ascii=False
    assert json.loads(text)  # parses


def test_newer_state_version_is_refused():
    with pytest.raises(StateConflict):
        serializer.upgrade_state({"state_version": serializer.STATE_VERSION + 1})


def test_load_state_refuses_a_newer_state(case_bundle, mid_review):
    state = serializer.dump_state(mid_review)
    state["state_version"] = serializer.STATE_VERSION + 1
    with pytest.raises(StateConflict):
        serializer.load_state(case_bundle, json.dumps(state, default=str), make_script_engine())


def test_older_state_without_an_upgrade_step_is_refused(monkeypatch):
    monkeypatch.setattr(serializer, "UPGRADES", {})
    with pytest.raises(StateConflict):
        serializer.upgrade_state({"state_version": serializer.STATE_VERSION - 1})


def test_upgrade_steps_run_in_order(monkeypatch):
    calls: list[int] = []

    def step(version):
        def upgrade(dct):
            calls.append(version)
            dct.setdefault("trail", []).append(version)
        return upgrade

    current = serializer.STATE_VERSION
    monkeypatch.setattr(serializer, "STATE_VERSION", current + 2)
    monkeypatch.setattr(serializer, "UPGRADES", {current: step(current), current + 1: step(current + 1)})
    upgraded = serializer.upgrade_state({"state_version": current})
    assert calls == [current, current + 1]
    assert upgraded["trail"] == [current, current + 1]
    assert upgraded["state_version"] == current + 2


def test_state_without_a_version_counts_as_version_one():
    assert serializer.upgrade_state({})["state_version"] == serializer.STATE_VERSION
