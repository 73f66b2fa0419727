"""Helpers for the timer worker's tests: a process whose timer fires at a given instant, and its timer_tick count."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from api.extensions import db
from api.models import Event
from tests.api.helpers import fixture, upload

FILES = ("timer_case.bpmn", "fixture_note.form")


def deploy_timer_case(http) -> str:
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in FILES})
    assert resp.status_code in (200, 201), resp.get_json()
    return "timer_case"


def start_timer_case(http, at: datetime) -> int:
    """A case waiting on a timer due at ``at`` (its next_due)."""
    return http.start("timer_case", {"timer_at": at.isoformat()})["id"]


def ticks(app, instance_id: int) -> int:
    """How many timer_tick events the instance's history holds (committed ones)."""
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Event).where(
                Event.instance_id == instance_id, Event.type == "timer_tick"))
        finally:
            db.session.remove()


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
