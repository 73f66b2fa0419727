"""Code that runs in the web process without a limit ("cheap" code) stays bounded, whatever the diagram or the
data: a chain of reprs cannot double a text each line, ``int(text, 16) // ...`` cannot run a quadratic division
on an officer's megabyte, and a sandboxed script cannot hand back a lazy object (``range(10 ** 15)``) for the
next cheap script to walk while it holds the whole server. Each such diagram either runs under the sandbox's
limits or fails its task with 422; the instance stays where it was."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from engine import sandbox
from tests.api.helpers import fixture, upload
from tests.api.test_scripts__hostile_scripts_fail_the_task import DIAGRAM, check_untouched, snapshot

#: the hostile script, then a second (cheap) script that reads what the first left
TWO_SCRIPTS = {
    "bounded_range": ("r = range(10 ** 7)", "top = max(r)", "plain data"),
    "bounded_map": ("m = map(abs, range(10 ** 7))", "found = all(m)", "plain data"),
    "bounded_zip": ("z = zip(range(10 ** 7), range(10 ** 7))", "found = any(z)", "plain data"),
    "bounded_big_int": ("x = 1 << 100000", "q = x // 3 > 0", "bits"),
}
#: cheap-looking code that is exponential or quadratic in the data: key -> script (it must go to the sandbox)
UNBOUNDED = {
    "bounded_repr_chain": 'a = note\n' + 'a = f"{a!r}"\n' * 4,
    "bounded_str_list": 'a = note\n' + "a = str([a])\n" * 4,
    "bounded_fstring_dict": 'a = note\n' + 'a = f"{ {1: a} }"\n' * 4,
    "bounded_hex_division": "q = int(note, 16) // int(note[:2], 16) > 0",
}
_deployed: set[str] = set()


def deploy_two(http, key: str, first: str, second: str) -> None:
    if key in _deployed:
        return
    xml = DIAGRAM.format(key=key, script=escape(first))
    xml = xml.replace('<bpmn:outgoing>f3</bpmn:outgoing>\n      <bpmn:script>',
                      '<bpmn:outgoing>f3a</bpmn:outgoing>\n      <bpmn:script>')
    xml = xml.replace('<bpmn:userTask id="task_after"',
                      f'<bpmn:scriptTask id="task_cheap" name="再算"><bpmn:incoming>f3a</bpmn:incoming>'
                      f'<bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>{escape(second)}</bpmn:script>'
                      f'</bpmn:scriptTask>\n    <bpmn:sequenceFlow id="f3a" sourceRef="task_hostile" '
                      f'targetRef="task_cheap" />\n    <bpmn:userTask id="task_after"')
    xml = xml.replace('id="f3" sourceRef="task_hostile"', 'id="f3" sourceRef="task_cheap"')
    xml = xml.replace("<bpmn:flowNodeRef>end</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>task_cheap</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>")
    resp = upload(http, "/api/v1/definitions", {f"{key}.bpmn": xml.encode(),
                                                "fixture_note.form": fixture("fixture_note.form")})
    assert resp.status_code == 201, resp.get_json()
    _deployed.add(key)


@pytest.mark.parametrize("key", sorted(TWO_SCRIPTS))
def test_a_sandboxed_script_cannot_hand_back_what_cheap_code_would_walk_forever(http, key):
    first, second, says = TWO_SCRIPTS[key]
    deploy_two(http, key, first, second)
    iid = http.start(key)["id"]
    before = snapshot(http, iid)
    task = http.open_task(iid, "task_note")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "记录"}})
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert says in body["message"] and body["errors"]["element_id"] == "task_hostile", body
    check_untouched(http, iid, before)


@pytest.mark.parametrize("key", sorted(UNBOUNDED))
def test_code_that_grows_or_divides_the_data_runs_under_the_limits(http, key):
    deploy_two(http, key, UNBOUNDED[key], "done = True")
    iid = http.start(key)["id"]
    task = http.open_task(iid, "task_note")
    calls = sandbox.pool().calls
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "ff'\"\\"}})
    assert resp.status_code in (200, 422), resp.get_json()  # a hex error (422) is fine: the point is where it ran
    assert sandbox.pool().calls > calls, f"{key} ran in the web process, without a time or memory limit"


def test_a_loop_through_a_slow_sandboxed_script_fails_on_the_runs_total_time(http, monkeypatch):
    """Each round stays under the one-call limit; 200 rounds (the engine's step budget) would hold the request,
    a sandbox worker and the case lock for 200 times that. The run's total budget stops it first."""
    from tests.api.test_scripts__diagram_loops_fail_the_task import DIAGRAM as LOOP
    from tests.api.test_scripts__diagram_loops_fail_the_task import KEY as LOOP_KEY

    monkeypatch.setattr(sandbox, "LIMITS", sandbox.Limits(run_seconds=0.3))
    key = "bounded_slow_loop"
    script = "rounds = 1\nn = sum(v for v in range(300000))"
    xml = LOOP.replace(LOOP_KEY, key).replace("<bpmn:script>rounds = 1</bpmn:script>",
                                              f"<bpmn:script>{escape(script)}</bpmn:script>")
    resp = upload(http, "/api/v1/definitions", {f"{key}.bpmn": xml.encode(),
                                                "fixture_note.form": fixture("fixture_note.form")})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start(key)["id"]
    task = http.open_task(iid, "task_note")
    calls = sandbox.pool().calls
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "x"}})
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert "time limit of 0.3 s of one engine run" in body["message"], body
    assert body["errors"]["element_id"] == "task_count"
    assert sandbox.pool().calls - calls < 100  # stopped well before the engine's step budget
