"""The last steps of a case read as many history rows after a review that looped many times as after one round
(issue 10 item 3: the cost of a step stays flat as the history grows). Counted, not timed: the rows the database
returned from ``events`` during each completion.

The rules that read the history (the decision a publication rests on, the publicity officer's release, the
service and execution dates) look for a few kinds of completions; a looping review adds dozens of others, which
must not be read and decoded on every later step.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from api.extensions import db
from tests import cases as c
from tests.api.walk import Acts, decision_number, to_proposal, waive_hearing

LAST_STEPS = ("task_head_decision", "task_service", "task_review_masked")


@contextmanager
def event_rows_read(app):
    """Rows of ``events`` the statements of a request returned: each SELECT from ``events`` is counted again on the
    same connection as ``SELECT count(*) FROM (<it>)`` (SQLite's cursor gives no row count for a SELECT)."""
    counts = {"count": 0}
    with app.app_context():
        engine = db.engine

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bFROM events\b", statement) and not executemany:
            counter = cursor.connection.cursor()
            counter.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
            counts["count"] += counter.fetchone()[0]
            counter.close()

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield counts
    finally:
        event.remove(engine, "after_cursor_execute", after)


@contextmanager
def text_encoded(monkeypatch):
    """Characters of canonical JSON the snapshot module encodes (a step's views: element lists and data)."""
    import engine.snapshots as snapshots

    counts = {"count": 0}
    original = snapshots.canonical_json

    def counting(value):  # noqa: ANN001, ANN202
        text = original(value)
        counts["count"] += len(text)
        return text

    monkeypatch.setattr(snapshots, "canonical_json", counting)
    try:
        yield counts
    finally:
        monkeypatch.setattr(snapshots, "canonical_json", original)  # the next step measures afresh


def _last_steps(app, http, rounds: int, measure=None) -> dict[str, int]:
    """What ``measure()`` (default: the ``events`` rows read) counts during each of the last steps of a major case
    whose legal review took ``rounds`` rounds."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    for _ in range(rounds - 1):
        acts.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
        acts.complete(iid, "task_fix_resubmit", c.FIX)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    read = {}
    data = {"task_head_decision": ({**c.DECISION, "decision_number": decision_number(iid)}, "head1"),
            "task_service": (c.SERVICE, "officer1")}
    for element_id in LAST_STEPS:
        if element_id == "task_review_masked":
            review = http.open_task(iid, element_id)
            detail = http.call("GET", f"/api/v1/tasks/{review['id']}", "publicity1").get_json()
            data[element_id] = ({**c.DISCLOSURE_OK, "masked_text": detail["data"]["masked_text"]}, "publicity1")
        submitted, user = data[element_id]
        with (measure() if measure else event_rows_read(app)) as counts:
            acts.complete(iid, element_id, submitted, user)
        read[element_id] = counts["count"]
    return read


def test_the_steps_after_a_long_review_read_no_more_history_than_after_one_round(app, http):
    one = _last_steps(app, http, 1)
    many = _last_steps(app, http, 9)
    assert one == many, (one, many)


def test_the_views_of_a_step_after_a_long_review_encode_no_more_text(app, http, monkeypatch):
    """Each engine step stores its view, whose element list grows with the history; the list's text is built from
    the last one's (engine/snapshots.py elements_json), so a step encodes about what it encodes on a fresh case."""
    one = _last_steps(app, http, 1, lambda: text_encoded(monkeypatch))
    many = _last_steps(app, http, 9, lambda: text_encoded(monkeypatch))
    # what still grows a little is the case data the rounds leave (the round number, the last opinion, the fix)
    assert all(many[step] <= one[step] * 1.2 for step in LAST_STEPS), (one, many)
