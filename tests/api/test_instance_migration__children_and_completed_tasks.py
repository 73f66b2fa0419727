"""Migration of a case inside a call activity (its child moves with it, or the case stays where it is with the
reason), and of a case that completed a task the new version changed (docs/DOMAIN.md "Instance migration")."""
from __future__ import annotations

from tests import cases
from tests.api.instance_migration_support import (
    MIGRATE,
    PREVIEW,
    case_files,
    deploy,
    events,
    instance,
    new_key,
    post,
)
from tests.api.walk import Acts


def _in_recording(http, **files) -> tuple[str, int, Acts]:
    """A process of its own calling its own copy of the recording subprocess, and a case waiting in the child at
    启动记录."""
    key = new_key()
    deploy(http, case_files(key, own_recording=True, **files))
    acts = Acts(http)
    iid = http.start(key)["id"]
    acts.complete(iid, "task_register", cases.REGISTER)
    acts.complete(iid, "task_recusal", cases.RECUSAL_NONE)
    http.open_task(iid, "task_record_start")
    return key, iid, acts


def _body(iid: int, deployed: dict[str, int], key: str) -> dict:
    """Version 1 to the newest: a change of the called process alone keeps the case's process at version 1 (the
    case then moves to the new called process with ``to_version`` 1)."""
    return {"from_version": 1, "to_version": deployed.get(key, 1), "instance_ids": [iid]}


def test_the_child_of_a_running_call_activity_moves_with_its_case(http, app):
    key, iid, acts = _in_recording(http)
    deployed = deploy(http, case_files(key, own_recording=True, recording_check_task=True))
    assert key not in deployed and deployed[f"{key}_rec"] == 2
    body = _body(iid, deployed, key)
    row = post(http, PREVIEW.format(key=key), body)["instances"][0]
    assert row["migratable"] is True, row
    assert {"process_id": f"{key}_rec", "element_id": "task_record_check", "name": "记录复核"} in row["added_tasks"]
    assert post(http, MIGRATE.format(key=key), body)["migrated"] == 1
    acts.complete(iid, "task_record_start", cases.RECORD_START)
    task = http.open_task(iid, "task_record_check")  # the child runs the new version of the called process
    assert task["name"] == "记录复核"
    http.complete(iid, "task_record_check", {"check_note": "记录完整。"}, "officer1")
    http.open_task(iid, "task_investigation")
    report = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert report["ok"] is True, report["problems"]


def test_a_removed_active_task_of_the_child_is_refused(http, app):
    key, iid, _ = _in_recording(http)
    body = _body(iid, deploy(http, case_files(key, own_recording=True, without_record_start=True)), key)
    row = post(http, PREVIEW.format(key=key), body)["instances"][0]
    assert row["migratable"] is False
    [problem] = row["problems"]
    assert (problem["kind"], problem["process_id"], problem["element_id"]) == ("removed", f"{key}_rec",
                                                                              "task_record_start"), problem
    assert "启动记录" in row["reasons"][0]
    count = len(events(app, iid))
    assert post(http, MIGRATE.format(key=key), body)["migrated"] == 0
    assert len(events(app, iid)) == count and instance(http, iid)["version"] == 1


def test_a_child_running_a_process_the_new_version_no_longer_calls_is_refused(http):
    key, iid, _ = _in_recording(http)
    deployed = deploy(http, case_files(key))  # the call activity calls the shipped recording process again
    row = post(http, PREVIEW.format(key=key), _body(iid, deployed, key))["instances"][0]
    assert row["migratable"] is False
    assert row["problems"][0]["kind"] == "subprocess" and row["problems"][0]["process_id"] == f"{key}_rec", row
    assert "does not call" in row["reasons"][0]


def test_a_changed_task_the_case_completed_is_refused_one_it_has_not_reached_moves(http):
    key = new_key()
    deploy(http, case_files(key))
    passed = http.start(key)["id"]
    http.complete(passed, "task_register", cases.REGISTER, "officer1")  # the filing script ran
    waiting = http.start(key)["id"]
    deploy(http, case_files(key, filing_script="filing_rule = 'APL 2021'"))
    body = {"from_version": 1, "to_version": 2, "instance_ids": [passed, waiting]}
    rows = {r["instance_id"]: r for r in post(http, PREVIEW.format(key=key), body)["instances"]}
    assert rows[passed]["migratable"] is False
    [problem] = rows[passed]["problems"]
    assert (problem["kind"], problem["element_id"], problem["state"]) == ("changed", "task_file_case", "completed")
    assert "script" in problem["fields"], problem
    assert rows[waiting]["migratable"] is True, rows[waiting]
    result = post(http, MIGRATE.format(key=key), body)
    assert {r["instance_id"]: r["migrated"] for r in result["instances"]} == {passed: False, waiting: True}
    assert instance(http, passed)["version"] == 1 and instance(http, waiting)["version"] == 2
