from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..services.deadlines import calendar_warning_of, warning_of
from ..tasks.schemas import TaskSchema


class StartSchema(Schema):
    definition_key = fields.String(required=True)
    data = fields.Dict(load_default=dict)


class InstanceQuerySchema(Schema):
    definition_key = fields.String()
    status = fields.String(validate=validate.OneOf(["running", "completed", "cancelled", "error"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InstanceSchema(Schema):
    id = fields.Integer()
    definition_key = fields.String()
    version = fields.Integer()
    title = fields.String()
    status = fields.String()
    started_by = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    next_due = fields.DateTime(allow_none=True)
    warning = fields.Method("get_warning", allow_none=True)
    calendar_warning = fields.Method("get_calendar_warning", allow_none=True, metadata={
        "description": "set when the deadline reaches a year whose holidays are not loaded, e.g. "
                       "'calendar for 2027 not loaded' (the deadline is counted Monday-Friday)"})

    def get_warning(self, obj) -> str | None:
        return warning_of(obj, "status", "running")

    def get_calendar_warning(self, obj) -> str | None:
        return calendar_warning_of(obj, "status", "running")


class InstanceDetailSchema(InstanceSchema):
    data = fields.Dict()
    tasks = fields.List(fields.Nested(TaskSchema))
    deadlines = fields.Dict()
