"""A case whose firing fails with an unexpected error (not a rule refusal or a lost race) is rolled back and left
for the next run; the other due timers still fire in the same run. Before, the error ended the run, and since the
failing case is the most overdue one it came first in every later run: no timer of the deployment fired again."""
from __future__ import annotations

from datetime import timedelta

from api.extensions import db
from api.models.types import utcnow
from api.services import timers
from tests.api.timer_support import deploy_timer_case, start_timer_case, ticks


def test_an_unexpected_error_in_one_firing_leaves_the_other_timers_firing(http, app, monkeypatch):
    deploy_timer_case(http)
    at = utcnow() + timedelta(minutes=1)
    poisoned = start_timer_case(http, at - timedelta(seconds=30))  # the most overdue: taken first
    others = [start_timer_case(http, at) for _ in range(2)]
    now = at + timedelta(minutes=1)
    with app.app_context():
        timers.fire_due(at - timedelta(minutes=2))  # other tests' due timers out of the way
        db.session.remove()
    real_fire = timers.fire

    def fire(instance_id, when):
        if instance_id == poisoned:
            raise RuntimeError("a hook failed in a way nobody planned for")
        return real_fire(instance_id, when)

    monkeypatch.setattr(timers, "fire", fire)
    with app.app_context():
        done = timers.fire_due(now)
        db.session.remove()
    assert done["failed"] >= 1, done
    assert ticks(app, poisoned) == 0
    assert [ticks(app, iid) for iid in others] == [1, 1]
    monkeypatch.setattr(timers, "fire", real_fire)
    with app.app_context():  # the next run fires it once it works again
        timers.fire_due(now)
        db.session.remove()
    assert ticks(app, poisoned) == 1
