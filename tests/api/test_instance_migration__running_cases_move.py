"""Running cases move onto a newer version of their process (docs/API.md "Instance migration"): a changed form and
a task added after the current one migrate; a removed active task is refused with the reason; the migration is an
event of the case's history that ``verify`` replays (and a forged one fails it); only a process owner or admin of
the case's bureau sees and moves its cases; a completion racing the migration never lands on a stale version."""
from __future__ import annotations

import io
import threading
import time
import zipfile

import pytest

from api.extensions import db
from api.models import Instance
from api.services import hot
from engine import migration, runtime
from tests import cases
from tests.api.forgery import rehash_stream
from tests.api.instance_migration_support import (
    MIGRATE,
    PREVIEW,
    case,
    case_files,
    deploy,
    events,
    instance,
    new_key,
    post,
)
from tests.api.orgs_support import make_user
from tests.api.tamper import set_event_data
from tools.verify_archive import main as verify_archive


def _verify(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()


def test_a_changed_form_and_a_task_after_the_current_one_migrate_and_replay(http, app):
    key, iid = case(http)
    assert deploy(http, case_files(key, extra_field=True, check_task=True))[key] == 2
    body = {"from_version": 1, "to_version": 2, "instance_ids": [iid]}

    preview = post(http, PREVIEW.format(key=key), body)
    [row] = preview["instances"]
    assert row["migratable"] is True and row["reasons"] == [], row
    assert [t["element_id"] for t in row["added_tasks"]] == ["task_register_check"]
    assert row["changed_forms"] == [{"process_id": key, "element_id": "task_register", "form_key": f"{key}_register"}]
    assert f"{key}.bpmn" in row["changed_files"] and f"{key}_register.form" in row["changed_files"]
    assert instance(http, iid)["version"] == 1  # a preview changes nothing
    before = events(app, iid)[-1]
    with app.app_context():
        before_bundle = db.session.get(Instance, iid).bundle_key

    result = post(http, MIGRATE.format(key=key), body)
    assert result["migrated"] == 1 and result["instances"][0]["migrated"] is True, result
    assert instance(http, iid)["version"] == 2
    with app.app_context():  # the migrated workflow is the hot one, under the new files and row version
        row = db.session.get(Instance, iid)
        assert hot.cache().peek(iid, hot.version_of(row), row.bundle_key) is not None
        assert hot.cache().peek(iid, hot.version_of(row), before_bundle) is None
    moved = events(app, iid)[-1]
    assert moved.type == "instance_migrated" and moved.actor == "owner1" and moved.role == "process_owner"
    assert moved.data["from_version"] == 1 and moved.data["to_version"] == 2
    assert moved.data["state_before"] == {"state_ref": before.state_ref, "data_ref": before.data_ref}
    assert moved.state_ref != before.state_ref  # the state after: the new task is predicted after the register

    # the open register task now asks for the new form's required field
    task = http.open_task(iid, "task_register")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": cases.REGISTER})
    assert resp.status_code == 422 and "case_source" in resp.get_json()["errors"], resp.get_json()
    http.complete(iid, "task_register", {**cases.REGISTER, "case_source": "群众举报"}, "officer1")
    http.complete(iid, "task_register_check", {"check_note": "立案材料齐全。"}, "officer1")
    http.open_task(iid, "task_recusal")

    report = _verify(http, iid)
    assert report["ok"] is True, report["problems"]
    assert report["replayed"] == len(events(app, iid))
    # a second migration finds nothing to do
    again = post(http, PREVIEW.format(key=key), {"from_version": 2, "to_version": 2, "instance_ids": [iid]})
    assert again["instances"][0]["migratable"] is False


def test_a_removed_active_task_is_refused_with_the_reason(http, app):
    key, iid = case(http)
    assert deploy(http, case_files(key, without_register=True))[key] == 2
    body = {"from_version": 1, "to_version": 2}  # selected by version (running cases of the caller's bureau)

    preview = post(http, PREVIEW.format(key=key), body)
    [row] = [r for r in preview["instances"] if r["instance_id"] == iid]
    assert row["migratable"] is False
    assert row["problems"][0]["kind"] == "removed" and row["problems"][0]["element_id"] == "task_register"
    assert "立案登记" in row["reasons"][0] and "not in the new version" in row["reasons"][0]
    count = len(events(app, iid))

    result = post(http, MIGRATE.format(key=key), body)
    [done] = [r for r in result["instances"] if r["instance_id"] == iid]
    assert done["migrated"] is False and "立案登记" in done["reasons"][0], done
    assert len(events(app, iid)) == count and instance(http, iid)["version"] == 1
    http.complete(iid, "task_register", cases.REGISTER, "officer1")  # the case runs on, on its version
    assert _verify(http, iid)["ok"] is True


def test_a_completed_or_cancelled_case_does_not_move(http):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    post(http, f"/api/v1/instances/{iid}/cancel", {"reason": "立案前撤回"}, user="admin")
    body = {"from_version": 1, "to_version": 2, "instance_ids": [iid]}
    row = post(http, PREVIEW.format(key=key), body)["instances"][0]
    assert row["migratable"] is False and "cancelled" in row["reasons"][0]
    assert post(http, MIGRATE.format(key=key), body)["migrated"] == 0
    assert instance(http, iid)["version"] == 1


def test_a_forged_migration_event_fails_verify(http, app):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    post(http, MIGRATE.format(key=key), {"from_version": 1, "to_version": 2, "instance_ids": [iid]})
    http.complete(iid, "task_register", cases.REGISTER, "officer1")
    assert _verify(http, iid)["ok"] is True
    moved = next(e for e in events(app, iid) if e.type == "instance_migrated")
    # the chain re-hashed after the forgery links again: the replay has to catch it
    set_event_data(app, moved.id, {**moved.data, "to_manifest": moved.data["from_manifest"]})
    rehash_stream(app, f"instance:{iid}", {})
    report = _verify(http, iid)
    assert report["ok"] is False and report["chain_ok"] is True, report
    assert any(p["kind"] == "replay" and p.get("seq") == moved.seq for p in report["problems"]), report["problems"]
    assert any(p["kind"] == "row" and p.get("field") == "manifest" for p in report["problems"]), report["problems"]


def test_another_bureau_and_other_roles_cannot_preview_or_migrate(http, app):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    body = {"from_version": 1, "to_version": 2, "instance_ids": [iid]}
    other = make_user(app, "owner-scj", ["process_owner"], "nj-scj")
    for url in (PREVIEW, MIGRATE):
        resp = http.call("POST", url.format(key=key), other, json=body)
        assert resp.status_code == 404, resp.get_json()  # another bureau's case is not there for them
        assert post(http, url.format(key=key), {"from_version": 1, "to_version": 2}, user=other)["total"] == 0
        for user in ("officer1", "head1", "auditor1"):
            assert http.call("POST", url.format(key=key), user, json=body).status_code == 403
    assert instance(http, iid)["version"] == 1
    # the bureau's own admin may
    assert post(http, MIGRATE.format(key=key), body, user="admin")["migrated"] == 1


def test_a_process_of_another_bureau_is_not_found(http, app):
    owner = make_user(app, "owner-scj", ["process_owner"], "nj-scj")
    key = new_key()
    assert deploy(http, case_files(key), owner)[key] == 1  # owned by nj-scj
    deploy(http, case_files(key, check_task=True), owner)
    for user in ("admin", owner):  # nj-mzj's admin does not run nj-scj's process
        resp = http.call("POST", PREVIEW.format(key=key), user, json={"from_version": 1, "to_version": 2})
        assert resp.status_code == (404 if user == "admin" else 200), resp.get_json()


@pytest.mark.parametrize("body", [
    {"from_version": 1, "to_version": 1, "instance_ids": [1]},  # not the newest version
    {"from_version": 9, "to_version": 2},  # no such version
    {"from_version": 1, "to_version": 2, "instance_ids": [1], "status": "running"},  # both selections
    {"from_version": 1, "to_version": 2, "status": "paused"},
    {"from_version": "1", "to_version": 2},
    {"to_version": 2},
])
def test_bad_requests_are_refused_naming_the_field(http, body):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    body = {**body, **({"instance_ids": [iid]} if "instance_ids" in body else {})}
    for url in (PREVIEW, MIGRATE):
        resp = http.call("POST", url.format(key=key), "owner1", json=body)
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["errors"], resp.get_json()
    assert instance(http, iid)["version"] == 1


@pytest.mark.parametrize("first", ["completion", "migration", None])
def test_a_completion_racing_the_migration_lands_before_or_after_it_never_on_a_stale_version(http, app, monkeypatch,
                                                                                          first):
    """The two requests at once, each on its own client. ``first``: that one is sent first and works slowly while
    holding the case (its engine call sleeps), so the other arrives in the middle of it and must wait for it and
    judge what it left; None: a plain race."""
    key, iid = case(http)
    deploy(http, case_files(key, extra_field=True, check_task=True))
    task = http.open_task(iid, "task_register")
    tokens = {u: http.token(u) for u in ("officer1", "owner1")}
    post(http, PREVIEW.format(key=key), {"from_version": 1, "to_version": 2, "instance_ids": [iid]})  # parsed once
    calls = [("completion", "officer1", f"/api/v1/tasks/{task['id']}/complete", {"data": cases.REGISTER}),
             ("migration", "owner1", MIGRATE.format(key=key), {"from_version": 1, "to_version": 2,
                                                                 "instance_ids": [iid]})]
    slow = {"on": True}

    def slowed(real):
        def call(*args, **kwargs):
            if slow["on"]:
                time.sleep(1.0)
            return real(*args, **kwargs)
        return call

    if first == "completion":
        monkeypatch.setattr(runtime, "complete", slowed(runtime.complete))
    elif first == "migration":
        monkeypatch.setattr(migration, "migrate", slowed(migration.migrate))
    out: dict[str, tuple[int, dict]] = {}
    barrier = threading.Barrier(2)

    def go(name: str, user: str, url: str, body: dict) -> None:
        client = app.test_client()
        barrier.wait()
        if first is not None and name != first:
            time.sleep(0.3)  # the first one has the case by now, and sleeps in its engine call
        resp = client.post(url, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
        out[name] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=go, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slow["on"] = False
    (completed, _), (migrated, result) = out["completion"], out["migration"]
    assert migrated == 200 and result["migrated"] == 1, out  # either way the case may move
    types = [e.type for e in events(app, iid)]
    if completed == 200:  # the completion went first, on version 1's form; the migration judged what it left
        assert first != "migration", out
        assert types.index("task_completed") < types.index("instance_migrated")
        http.open_task(iid, "task_recusal")
    else:  # the migration went first: the completion met the new form, which asks for the case source
        assert first != "completion", out
        assert completed == 422 and "case_source" in out["completion"][1]["errors"], out
        assert "task_completed" not in types
        http.open_task(iid, "task_register")
    assert instance(http, iid)["version"] == 2
    assert _verify(http, iid)["ok"] is True


def test_the_command_line_previews_and_migrates_as_a_named_owner(http, app):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    runner = app.test_cli_runner()
    args = ["migrate-instances", key, "--from-version", "1", "--to-version", "2", "--id", str(iid)]
    out = runner.invoke(args=[*args, "--as", "officer1"])
    assert out.exit_code == 2 and "neither a process owner nor an admin" in out.output, out.output
    out = runner.invoke(args=[*args, "--as", make_user(app, "owner-scj", ["process_owner"], "nj-scj"), "--preview"])
    assert out.exit_code != 0 and f"instance {iid} not found" in out.output, out.output  # another bureau's case
    out = runner.invoke(args=[*args, "--as", "owner1", "--preview"])
    assert out.exit_code == 0 and f"instance {iid}: can move" in out.output, out.output
    assert instance(http, iid)["version"] == 1
    out = runner.invoke(args=[*args, "--as", "owner1"])
    assert out.exit_code == 0 and f"instance {iid}: moved" in out.output, out.output
    assert instance(http, iid)["version"] == 2
    assert events(app, iid)[-1].type == "instance_migrated"
    out = runner.invoke(args=[*args, "--as", "owner1"])  # again: nothing to do, said why
    assert out.exit_code == 1 and "runs version 2, not 1" in out.output, out.output


def test_the_archive_of_a_migrated_case_holds_the_files_of_both_versions_and_verifies_offline(http, app, tmp_path):
    key, iid = case(http)
    deploy(http, case_files(key, check_task=True))
    post(http, MIGRATE.format(key=key), {"from_version": 1, "to_version": 2, "instance_ids": [iid]})
    moved = events(app, iid)[-1]
    resp = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1")
    assert resp.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(resp.data)).namelist())
    old_sha, new_sha = moved.data["from_manifest"][f"{key}.bpmn"], moved.data["to_manifest"][f"{key}.bpmn"]
    assert old_sha != new_sha
    assert {f"definitions/{key}.bpmn", f"definitions/earlier/{old_sha}/{key}.bpmn"} <= names
    path = tmp_path / "case.zip"
    path.write_bytes(resp.data)
    assert verify_archive([str(path)]) == 0
