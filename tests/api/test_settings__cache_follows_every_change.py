"""Settings are read from a per-process cache (issue 10 item 4) that never serves a value that is not in force:
a change is seen at once after its commit, a rolled-back change never, and another process's change once the
version marker is checked (SETTINGS_RECHECK_SECONDS; tests/api/test_orgs__settings_per_bureau.py)."""
from __future__ import annotations

from sqlalchemy import event

from api.extensions import db
from api.services import org_scope, settings


def _bureau(app) -> int:
    with app.app_context():
        return org_scope.by_code("nj-scj").id


def _statements(app, action) -> tuple[object, int]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ARG001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context():
            value = action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return value, len([s for s in seen if "settings" in s])


def test_a_setting_read_twice_is_read_from_the_table_once(app):
    org = _bureau(app)
    _statements(app, lambda: settings.get("warning_days", org))
    value, reads = _statements(app, lambda: settings.get("warning_days", org))
    assert reads == 0 and isinstance(value, int)


def test_a_committed_change_is_read_at_once_and_a_rolled_back_one_never(app):
    org = _bureau(app)
    with app.app_context():
        before = settings.get("warning_days", org)
        other = 3 if before != 3 else 4
        settings.put("warning_days", other, "admin", org_id=org)
        assert settings.get("warning_days", org) == other  # the transaction sees its own change
        db.session.rollback()
    with app.app_context():
        assert settings.get("warning_days", org) == before  # never the rolled-back value
        settings.put("warning_days", other, "admin", org_id=org)
        db.session.commit()
    with app.app_context():
        assert settings.get("warning_days", org) == other
        settings.put("warning_days", before, "admin", org_id=org)
        db.session.commit()
    with app.app_context():
        assert settings.get("warning_days", org) == before


def test_a_cached_value_cannot_be_changed_by_its_reader(app):
    org = _bureau(app)
    with app.app_context():
        table = settings.get("recording_requirements", org)
        table["acts"]["hearing"] = "changed by a caller"
        assert settings.get("recording_requirements", org)["acts"]["hearing"] != "changed by a caller"
