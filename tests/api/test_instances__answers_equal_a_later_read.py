"""A start's answer (POST /instances) is the detail a GET shows right after it, and a completion's ``tasks`` are
the detail's open tasks: both answers are built before the commit from the objects the step wrote
(api/services/commits.py), so a value kept in memory in another form than the database gives back (a deadline
at +08:00 where a read gives UTC) would show in the answer and nowhere else."""
from __future__ import annotations

from tests import cases as c
from tests.api.test_rules__acts_deadlines_timers import act_case  # noqa: F401 - the fixture process
from tests.api.walk import Acts


def _differences(answer: dict, read: dict) -> dict:
    return {k: (answer.get(k), read.get(k)) for k in set(answer) | set(read) if answer.get(k) != read.get(k)}


def test_a_start_answers_what_a_read_of_the_case_shows(http, act_case):  # noqa: F811
    body = http.start("act_case", {"officers": ["officer1", "officer2"]})
    assert body["due_at"] is not None  # the case has a deadline (case_due, a Beijing date)
    read = http.call("GET", f"/api/v1/instances/{body['id']}", "officer1").get_json()
    assert _differences(body, read) == {}


def test_each_completion_answers_the_open_tasks_a_read_shows(http):
    acts = Acts(http)
    body = http.start("enforcement_case")
    iid = body["id"]
    assert _differences(body, http.call("GET", f"/api/v1/instances/{iid}", "officer1").get_json()) == {}
    dues = []
    for element, data, user in (*c.MAJOR_TO_REVIEW, ("task_legal_review", c.REVIEW_PROBLEMS, "reviewer1"),
                                ("task_fix_resubmit", c.FIX, "officer1")):
        answer = acts.complete(iid, element, data, user)
        read = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
        assert (answer["status"], answer["tasks"]) == (read["status"], read["tasks"]), element
        dues += [t["due_at"] for t in answer["tasks"] if t["due_at"]]
    assert dues  # the walk met tasks with deadlines
