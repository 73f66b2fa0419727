"""Concurrent writes have one winner and never a 500 (issue 8 item 5): racing claims record one claim, racing
completions one completion, parallel-gateway tasks and evidence uploads of one case lose nothing, a release racing
a completion leaves a serial outcome, and many reads of one evidence file all succeed.

The requests really run at once: the app is served by werkzeug's threaded server on a free port, and N client
threads wait on a barrier before they send.
"""
from __future__ import annotations

import io
import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from api.extensions import db
from api.models import Event
from tests import cases as c
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.helpers import fixture


@pytest.fixture(scope="module")
def live(app):
    """The app served on a free local port by a threaded server; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def race(live, http, calls):
    """calls: (user, method, path, kwargs for requests). All are sent at once; returns [(status, body)]."""
    tokens = [http.token(user) for user, *_ in calls]
    out: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def go(i: int) -> None:
        _, method, path, kwargs = calls[i]
        with requests.Session() as session:
            barrier.wait()
            resp = session.request(method, live + path, headers={"Authorization": f"Bearer {tokens[i]}"},
                                   timeout=60, **kwargs)
        body = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else resp.content
        out[i] = (resp.status_code, body)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def history(http, iid):
    return http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()


def verified(http, iid) -> bool:
    body = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    return body["ok"] or body


def on_the_case(http, task) -> list[str]:
    """The officers who may act on the task's case (case membership: api/permissions.py), at least one."""
    users = [u for u in ("officer1", "officer2", "officer3")
             if http.call("GET", f"/api/v1/tasks/{task['id']}", u).status_code == 200]
    assert users, task
    return users


def no_server_error(out) -> None:
    assert all(code < 500 for code, _ in out), out
    for code, body in out:
        if code == 409:
            assert body["message"] and body["code"] == 409, body


@pytest.mark.parametrize("n", range(3))
def test_racing_claims_have_one_winner_and_one_claim_event(http, live, n):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    users = (on_the_case(http, task) * 6)[:6]
    out = race(live, http, [(u, "POST", f"/api/v1/tasks/{task['id']}/claim", {}) for u in users])
    no_server_error(out)
    winners = {body["assignee"] for code, body in out if code == 200}
    assert len(winners) == 1, out
    assert all(code in (200, 409) for code, _ in out), out
    claims = [e for e in history(http, iid) if e["type"] == "task_claimed"]
    assert len(claims) == 1 and claims[0]["actor"] in winners, claims
    assert verified(http, iid) is True


@pytest.mark.parametrize("n", range(3))
def test_racing_completions_of_one_task_complete_it_once(http, live, n):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    users = (on_the_case(http, task) * 4)[:4]
    out = race(live, http, [(u, "POST", f"/api/v1/tasks/{task['id']}/complete", {"json": {"data": c.REGISTER}})
                            for u in users])
    no_server_error(out)
    codes = Counter(code for code, _ in out)
    assert codes[200] == 1 and codes[409] == len(users) - 1, out
    done = [e for e in history(http, iid) if e["type"] == "task_completed"]
    assert len(done) == 1, done
    assert http.open_task(iid, "task_recusal")
    assert verified(http, iid) is True


PARALLEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_race_parallel" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="race_parallel" name="并行任务" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_officer" name="执法人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_a</bpmn:flowNodeRef><bpmn:flowNodeRef>task_b</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_c</bpmn:flowNodeRef><bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>fa</bpmn:outgoing><bpmn:outgoing>fb</bpmn:outgoing><bpmn:outgoing>fc</bpmn:outgoing>
    </bpmn:parallelGateway>
    {tasks}
    <bpmn:parallelGateway id="join">
      <bpmn:incoming>fa2</bpmn:incoming><bpmn:incoming>fb2</bpmn:incoming><bpmn:incoming>fc2</bpmn:incoming>
      <bpmn:outgoing>fz</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>fz</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
    {flows}
    <bpmn:sequenceFlow id="fz" sourceRef="join" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
BRANCHES = "abc"


def parallel_bpmn() -> bytes:
    tasks = "".join(f"""<bpmn:userTask id="task_{x}" name="并行{x}"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="fixture_note" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f{x}</bpmn:incoming><bpmn:outgoing>f{x}2</bpmn:outgoing></bpmn:userTask>
    """ for x in BRANCHES)
    flows = "".join(f"""<bpmn:sequenceFlow id="f{x}" sourceRef="split" targetRef="task_{x}" />
    <bpmn:sequenceFlow id="f{x}2" sourceRef="task_{x}" targetRef="join" />
    """ for x in BRANCHES)
    return PARALLEL.replace("{tasks}", tasks).replace("{flows}", flows).encode()


@pytest.fixture(scope="module")
def parallel_deployed(app):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "owner1", "password": "demo"}).get_json()["token"]
    data = {"files": [(io.BytesIO(parallel_bpmn()), "race_parallel.bpmn"),
                      (io.BytesIO(fixture("fixture_note.form")), "fixture_note.form")]}
    resp = client.post("/api/v1/definitions", data=data, content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.get_json()
    return "race_parallel"


@pytest.mark.parametrize("n", range(3))
def test_parallel_tasks_completed_at_once_lose_nothing(http, live, parallel_deployed, n):
    iid = http.start(parallel_deployed)["id"]
    tasks = {x: http.open_task(iid, f"task_{x}") for x in BRANCHES}
    officers = on_the_case(http, tasks["a"])
    users = {x: officers[i % len(officers)] for i, x in enumerate(BRANCHES)}
    out = race(live, http, [(users[x], "POST", f"/api/v1/tasks/{tasks[x]['id']}/complete",
                             {"json": {"data": {"note": f"分支{x}"}}}) for x in BRANCHES])
    no_server_error(out)
    assert all(code in (200, 409) for code, _ in out), out
    won = [x for x, (code, _) in zip(BRANCHES, out, strict=True) if code == 200]
    assert won, out
    done = [e["element_id"] for e in history(http, iid) if e["type"] == "task_completed"]
    assert sorted(done) == sorted(f"task_{x}" for x in won), (done, out)
    for x in BRANCHES:  # each loser is still ready and can be completed now: nothing was lost
        if x not in won:
            http.complete(iid, f"task_{x}", {"note": f"分支{x}"}, users[x])
    detail = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert detail["status"] == "completed", detail
    assert detail["data"]["note"] in {f"分支{x}" for x in BRANCHES}
    assert verified(http, iid) is True


@pytest.mark.parametrize("n", range(2))
def test_concurrent_uploads_to_one_case_are_all_recorded(http, live, n):
    iid = new_case(http)
    files = [media(PNG) for _ in range(6)]
    meta = photo_meta()
    out = race(live, http, [("officer1" if i % 2 else "officer2", "POST", f"/api/v1/instances/{iid}/evidence",
                             {"data": meta, "files": {"file": (f"p{i}.png", body, "image/png")}})
                            for i, body in enumerate(files)])
    no_server_error(out)
    assert [code for code, _ in out] == [201] * len(files), out  # they take turns on the case: none is lost
    created = {body["sha256"] for code, body in out if code == 201}
    items = http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()
    assert {i["sha256"] for i in items} == created
    uploads = [e for e in history(http, iid) if e["type"] == "evidence_uploaded"]
    assert len(uploads) == len(created)
    assert verified(http, iid) is True


@pytest.mark.parametrize("n", range(3))
def test_release_racing_completion_has_a_serial_outcome(http, live, n):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    assert http.call("POST", f"/api/v1/tasks/{task['id']}/claim", "officer1").status_code == 200
    out = race(live, http, [("officer1", "POST", f"/api/v1/tasks/{task['id']}/unclaim", {}),
                            ("officer1", "POST", f"/api/v1/tasks/{task['id']}/complete",
                             {"json": {"data": c.REGISTER}})])
    no_server_error(out)
    (released, _), (completed, _) = out
    types = [e["type"] for e in history(http, iid) if e["type"] in ("task_unclaimed", "task_completed")]
    # either order is a valid serial outcome; each 200 is recorded exactly once, each 409 not at all
    assert types.count("task_unclaimed") == (released == 200), (out, types)
    assert types.count("task_completed") == (completed == 200), (out, types)
    assert completed == 200 or released == 200, out
    assert verified(http, iid) is True


def test_twenty_concurrent_reads_of_one_evidence_file_all_succeed(http, live, app):
    iid = new_case(http)
    body = media(PNG, 64 * 1024)
    resp = upload(http, iid, body, "p.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    url = resp.get_json()["url"]
    users = ["officer1", "officer2", "head1", "auditor1"] * 5  # each may read this case
    out = race(live, http, [(u, "GET", url, {}) for u in users])
    assert [code for code, _ in out] == [200] * len(users), [(c_, b if c_ != 200 else "") for c_, b in out]
    assert all(b == body for _, b in out)
    with app.app_context():  # every read is logged once on the case's access stream, the chain unbroken
        logged = list(db.session.scalars(select(Event).where(Event.stream == f"access:{iid}").order_by(Event.seq)))
    reads = [e for e in logged if e.type == "evidence_read"]
    assert len(reads) == len(users), [(e.seq, e.type) for e in logged]
    assert [e.seq for e in logged] == list(range(1, len(logged) + 1))
    assert all(e.prev_hash == p.hash for p, e in zip(logged, logged[1:], strict=False))
    assert verified(http, iid) is True
