from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..flat_dump import FlatDumpMixin
from ..inputs import MAX_ID
from ..services.deadlines import calendar_warning_of, page_flags, warning_of


class TaskQuerySchema(Schema):
    scope = fields.String(load_default="candidate", validate=validate.OneOf(["mine", "candidate", "all"]))
    state = fields.String(load_default="ready", validate=validate.OneOf(["ready", "completed", "cancelled", "any"]))
    instance_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TaskSchema(FlatDumpMixin, Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_id = fields.String()
    element_id = fields.String()
    name = fields.String()
    title = fields.String()
    lane = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    state = fields.String()
    assignee = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    warning = fields.Method("get_warning", allow_none=True)
    calendar_warning = fields.Method("get_calendar_warning", allow_none=True, metadata={
        "description": "set when the deadline reaches a year whose holidays are not loaded, e.g. "
                       "'calendar for 2027 not loaded' (the deadline is counted Monday-Friday)"})
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)

    def get_warning(self, obj) -> str | None:
        if isinstance(obj, dict):  # a masked row
            return warning_of(obj, "state", "ready")
        return page_flags().warning(obj.due_at, obj.org_id) if obj.state == "ready" else None

    def get_calendar_warning(self, obj) -> str | None:
        if isinstance(obj, dict):
            return calendar_warning_of(obj, "state", "ready")
        return page_flags().calendar_flag(obj.due_at, obj.org_id, obj.instance_id) if obj.state == "ready" else None


class TaskDetailSchema(TaskSchema):
    form = fields.Dict()
    data = fields.Dict()
    party_history = fields.List(fields.Dict(), metadata={
        "description": "the party's earlier results in the case's bureau (审批与监管信息交换共享): on an inspection or "
                       "enforcement case its permit decisions, on a permit application its inspection results and "
                       "penalties; one entry per party ({party (masked), party_kind, records}); each case shown is a "
                       "recorded read"})
    reviewer_training = fields.List(fields.Dict(), metadata={
        "description": "on a legal-review task: the training of the reviewers who may claim it (and its assignee): "
                       "last training date, hours this year, warning when none in the bureau's "
                       "reviewer_training_months (定期培训)"})


class ClaimResultSchema(TaskSchema):
    reviewer_training = fields.List(fields.Dict(), metadata={
        "description": "on a legal-review task: the reviewers' training (as on GET /tasks/<id>), the claimer marked "
                       "assignee"})


class CompleteSchema(Schema):
    data = fields.Dict(required=True)


class CompleteResultSchema(Schema):
    instance_id = fields.Integer()
    status = fields.String()
    tasks = fields.List(fields.Nested(TaskSchema))
