"""A verify frees the workflows it builds as soon as it is done (issue 10 items 5 and 9: verify's cost).

A verify builds two workflows: the replay of the history and the row's saved workflow, reloaded to compare. A
SpiffWorkflow workflow is a web of reference cycles (each task points at its workflow, which holds every task; a
subprocess points at the top workflow), so reference counting never frees one: the garbage collector must find it.
A long case's two workflows are tens of thousands of objects; they outlive the young generation's passes that run
while the verify allocates, and pile up until an older generation's pass walks them all (measured: a 200 ms pause
about every 40 verifies of a 200-event case, about 3 ms per verify on average). Counted, not timed: the
SpiffWorkflow objects the collector finds unreachable after one verify.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

from SpiffWorkflow.task import Task
from SpiffWorkflow.workflow import Workflow

from api.extensions import db
from api.services.audit import verify_instance
from tests import cases as c
from tests.api.tamper import set_event_data
from tests.api.test_audit__verify_and_tampering import events_of
from tests.api.walk import Acts, review_with_one_loop, to_proposal, waive_hearing


def _looped_case(http) -> int:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    review_with_one_loop(http, iid, acts)
    return iid


@contextmanager
def unreachable_workflow_objects():
    """The SpiffWorkflow tasks and workflows that became cyclic garbage inside the block."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds unreachable goes to gc.garbage, not freed
    found: list[object] = []
    try:
        yield found
        gc.collect()
        found += [o for o in gc.garbage if isinstance(o, (Task, Workflow))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def _verify(app, iid: int) -> dict:
    with app.app_context():
        result = verify_instance(iid)
        db.session.remove()
    return result


def test_a_verify_leaves_no_workflow_for_the_garbage_collector(app, http):
    iid = _looped_case(http)
    _verify(app, iid)  # warm: parsed specs, script plans
    with unreachable_workflow_objects() as left:
        result = _verify(app, iid)
    assert result["ok"], result["problems"]
    assert result["replayed"] > 20
    assert left == [], f"{len(left)} SpiffWorkflow objects left to the collector"


def test_a_replay_that_diverges_leaves_no_workflow_either(app, http):
    iid = _looped_case(http)  # its first review found problems; the tampered event says it agreed
    review = next(e for e in events_of(app, iid) if e.type == "task_completed" and e.element_id == "task_legal_review")
    set_event_data(app, review.id, {**review.data, "submitted": {**review.data["submitted"], **c.REVIEW_AGREE}})
    _verify(app, iid)
    with unreachable_workflow_objects() as left:
        result = _verify(app, iid)
    assert not result["ok"] and not result["replay_ok"], result
    assert left == [], f"{len(left)} SpiffWorkflow objects left to the collector"
