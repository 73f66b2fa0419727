"""Verify checks every history stream in the events table, not only the instances' own: definitions, settings,
registries, access logs and any stream added later, each reported on its own."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from api.extensions import db
from api.models import Event
from api.services.audit import create_checkpoint, verify_streams
from api.services.history import append_event
from tests.api.tamper import raw


def _new_stream(app, events: int = 4) -> str:
    """A stream of a kind verify has never heard of (as a new feature would add one)."""
    stream = f"probe-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        for n in range(events):
            append_event(stream, None, "probe_recorded", actor="admin", data={"n": n})
            db.session.flush()
        db.session.commit()
    return stream


def _report(app) -> dict[str, dict]:
    with app.app_context():
        return {r["stream"]: r for r in verify_streams()}


def _event(app, stream: str, seq: int) -> Event:
    with app.app_context():
        ev = db.session.scalar(select(Event).where(Event.stream == stream, Event.seq == seq))
        db.session.expunge(ev)
        return ev


def test_every_stream_is_reported_and_clean_ones_pass(http, app):
    stream = _new_stream(app)
    report = _report(app)
    assert report[stream]["ok"] and report[stream]["events"] == 4 and report[stream]["problems"] == []
    assert report["definitions"]["ok"], report["definitions"]  # the deploys at the start of the session
    iid = http.start("enforcement_case")["id"]
    assert _report(app)[f"instance:{iid}"]["ok"]


def test_an_altered_event_of_any_stream_is_reported_on_that_stream(http, app):
    stream, other = _new_stream(app), _new_stream(app)
    raw(app, "UPDATE events SET actor = 'forger' WHERE stream = :s AND seq = 2", s=stream)
    report = _report(app)
    assert not report[stream]["ok"]
    assert [p["seq"] for p in report[stream]["problems"]] == [2], report[stream]
    assert report[other]["ok"]


def test_an_altered_definitions_event_is_reported(http, app):
    ev = _event(app, "definitions", 1)
    raw(app, "UPDATE events SET actor = 'forger' WHERE id = :id", id=ev.id)
    try:
        report = _report(app)["definitions"]
        assert not report["ok"] and report["problems"][0]["seq"] == 1, report
    finally:
        raw(app, "UPDATE events SET actor = :a WHERE id = :id", a=ev.actor, id=ev.id)
    assert _report(app)["definitions"]["ok"]


def test_a_removed_middle_event_is_reported(http, app):
    stream = _new_stream(app)
    raw(app, "DELETE FROM events WHERE stream = :s AND seq = 2", s=stream)
    problems = _report(app)[stream]["problems"]
    assert any(p["seq"] == 3 for p in problems), problems


def test_removed_latest_events_and_a_removed_stream_are_reported_by_the_checkpoint(http, app):
    cut, gone = _new_stream(app), _new_stream(app)
    with app.app_context():
        cp = create_checkpoint()
        db.session.commit()
        cp_id = cp.id
    raw(app, "DELETE FROM events WHERE stream = :s AND seq >= 3", s=cut)
    raw(app, "DELETE FROM events WHERE stream = :s", s=gone)
    report = _report(app)
    assert any(p.get("checkpoint") == cp_id and "gone" in p["problem"] for p in report[cut]["problems"]), report[cut]
    assert gone in report and not report[gone]["ok"] and report[gone]["events"] == 0, report.get(gone)


def test_an_instance_head_that_disagrees_with_its_stream_is_reported(http, app):
    iid = http.start("enforcement_case")["id"]
    raw(app, "UPDATE instances SET last_seq = last_seq + 1 WHERE id = :i", i=iid)
    problems = _report(app)[f"instance:{iid}"]["problems"]
    assert any("head" in p["problem"] for p in problems), problems


def test_cli_verify_all_reports_each_stream(http, app):
    stream = _new_stream(app)
    raw(app, "UPDATE events SET actor = 'forger' WHERE stream = :s AND seq = 1", s=stream)
    out = app.test_cli_runner().invoke(args=["audit", "verify", "--streams"])
    assert out.exit_code == 1
    assert f"stream {stream}: FAILED" in out.output and "stream definitions: OK" in out.output, out.output
