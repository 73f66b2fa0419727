"""A ``next_due`` written into the instance row behind the service's back (the workflow waits for no timer then)
makes the worker record nothing: no ``timer_tick`` in the history, and the row's ``next_due`` is put back to what
the workflow waits for. Found from outside: the worker appended a real-looking ``timer_tick`` with no engine step
and cleared ``next_due``, after which verify found nothing wrong."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.extensions import db
from api.models import Instance
from api.models.types import as_utc, utcnow
from api.services.timers import fire_due
from tests.api.test_audit__verify_and_tampering import verify
from tests.api.timer_support import deploy_timer_case, start_timer_case, ticks


def _forge(app, iid: int, when) -> None:
    with app.app_context():
        db.session.execute(update(Instance).where(Instance.id == iid).values(next_due=when))
        db.session.commit()
        db.session.remove()


def _next_due(app, iid: int):
    with app.app_context():
        value = db.session.get(Instance, iid).next_due
        db.session.remove()
    return as_utc(value) if value is not None else None


def test_a_forged_next_due_in_the_past_fires_nothing_and_is_put_back(http, app):
    deploy_timer_case(http)
    due = utcnow() + timedelta(days=1)
    iid = start_timer_case(http, due)
    real = _next_due(app, iid)
    assert abs((real - due).total_seconds()) < 1
    _forge(app, iid, utcnow() - timedelta(hours=1))
    with app.app_context():
        fire_due(utcnow())
        db.session.remove()
    assert ticks(app, iid) == 0
    assert _next_due(app, iid) == real
    assert [t["element_id"] for t in http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]] \
        == ["task_wait"]
    result = verify(http, iid)
    assert result["ok"], result["problems"]


def test_a_forged_next_due_on_a_case_waiting_for_no_timer_is_cleared(http, app):
    iid = http.start("enforcement_case")["id"]
    _forge(app, iid, utcnow() - timedelta(minutes=5))
    with app.app_context():
        fire_due(utcnow())
        db.session.remove()
    assert ticks(app, iid) == 0 and _next_due(app, iid) is None
