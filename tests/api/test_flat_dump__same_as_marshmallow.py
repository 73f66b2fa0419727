"""Task rows are dumped through precomputed converters (api/flat_dump.py) instead of marshmallow's field-by-field
machinery, and their warnings through one PageFlags per request: the output must be exactly marshmallow's — the
same keys in the same order, the same values of the same types — and the warnings exactly what the per-row
functions give, for ready, claimed and completed rows, with and without deadlines, deadlines due, overdue and in
a year whose holidays are not loaded."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import Schema, fields
from sqlalchemy import select

from api.extensions import db
from api.flat_dump import FlatDumpMixin
from api.instances.schemas import InstanceDetailSchema
from api.models import TaskRow
from api.services.deadlines import calendar_warning_of, warning_of
from api.tasks.schemas import CompleteResultSchema, TaskDetailSchema, TaskSchema
from tests import cases as c


@pytest.fixture()
def rows(app, http):
    """Rows of a few cases, their deadlines spread: none, overdue, due soon, far, and in 2027 (not loaded)."""
    ids = [http.start("enforcement_case")["id"] for _ in range(4)]
    http.complete(ids[0], "task_register", c.REGISTER, "officer1")  # a completed row, and a later ready one
    now = datetime.now(UTC)
    dues = [None, now - timedelta(days=3), now + timedelta(days=1), now + timedelta(days=40),
            datetime(2027, 3, 1, 8, tzinfo=UTC)]
    with app.app_context():
        found = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids))
                                        .order_by(TaskRow.created_at)))
        for i, row in enumerate(found):
            if row.state == "ready":
                row.due_at = dues[i % len(dues)]
                row.assignee = "officer1" if i % 2 else None
        db.session.commit()
    return ids


def _marshmallow(schema: Schema, obj) -> dict:
    """What marshmallow itself gives (its own _serialize, past the mixin)."""
    return Schema._serialize(schema, obj, many=False)


def test_task_rows_dump_exactly_as_marshmallow_dumps_them(app, rows):
    with app.test_request_context("/"):
        found = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(rows))))
        assert {r.state for r in found} == {"ready", "completed"}
        assert any(r.due_at is None for r in found) and any(r.due_at is not None for r in found)
        schema = TaskSchema(many=True)
        fast = schema.dump(found)
        slow = [_marshmallow(schema, r) for r in found]
        assert fast == slow
        for a, b in zip(fast, slow, strict=True):
            assert list(a) == list(b)  # the same keys in the same order
            assert [type(v) for v in a.values()] == [type(v) for v in b.values()]
        # the warnings are the per-row functions' (their own clock reading and calendar lookups)
        for row, out in zip(found, fast, strict=True):
            assert out["warning"] == warning_of(row, "state", "ready")
            assert out["calendar_warning"] == calendar_warning_of(row, "state", "ready")
        assert {o["warning"] for o in fast} >= {None, "red"}
        assert any(o["calendar_warning"] for o in fast)


def test_nested_and_single_dumps_are_marshmallows_too(app, rows):
    with app.test_request_context("/"):
        found = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id == rows[0])))
        single = TaskSchema()
        assert single.dump(found[0]) == _marshmallow(single, found[0])
        nested = CompleteResultSchema().dump({"instance_id": rows[0], "status": "running", "tasks": found})
        assert nested["tasks"] == [_marshmallow(TaskSchema(), r) for r in found]
        # a masked row (a dict) takes marshmallow's own path and gets the same warnings
        as_dict = {col.key: getattr(found[0], col.key) for col in TaskRow.__table__.columns}
        assert single.dump(as_dict) == _marshmallow(single, found[0])


def test_schemas_with_other_fields_are_left_to_marshmallow(app, rows):
    class Stringy(FlatDumpMixin, Schema):
        id = fields.String()
        instance_id = fields.Integer(as_string=True)  # not a plain conversion: marshmallow does it

    class Renamed(FlatDumpMixin, Schema):
        task = fields.String(attribute="id")
        state = fields.String(data_key="status")

    with app.test_request_context("/"):
        row = db.session.scalars(select(TaskRow).where(TaskRow.instance_id == rows[0])).first()
        assert Stringy().dump(row) == {"id": row.id, "instance_id": str(row.instance_id)}
        assert Renamed().dump(row) == {"task": row.id, "status": row.state}
        detail = TaskDetailSchema().dump({**{col.key: getattr(row, col.key) for col in TaskRow.__table__.columns},
                                          "form": {}, "data": {"a": 1}, "party_history": [],
                                          "reviewer_training": []})
        assert detail["data"] == {"a": 1} and detail["id"] == row.id
        assert "tasks" in InstanceDetailSchema().dump({"tasks": [row]})
