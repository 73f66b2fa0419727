from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..registry.schemas import UtcDateTime


class PeriodSchema(Schema):
    """A period of Beijing dates, both inclusive (at most 366 days, not after today)."""

    date_from = fields.Date(data_key="from", required=True,
                            metadata={"description": "first day (Beijing date, YYYY-MM-DD), inclusive"})
    date_to = fields.Date(data_key="to", required=True,
                          metadata={"description": "last day (Beijing date, YYYY-MM-DD), inclusive"})


class ExportQuerySchema(PeriodSchema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "organisation code: its subtree (default: the caller's bureau; a supervisor: a node it "
                       "supervises)"})


class CreditReportSchema(PeriodSchema):
    """A report batch of the caller's bureau."""


class CreditItemSchema(Schema):
    case_id = fields.Integer()
    org = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    decision_date = fields.Date()
    due_date = fields.Date(metadata={"description": "decision date + 7 working days (the bureau's calendar)"})
    status = fields.String(metadata={"description": "reported, reported_late, pending, overdue, withheld"})
    published = fields.Boolean(metadata={"description": "whether the decision is published (only then reportable)"})
    disclosure_id = fields.Integer(allow_none=True)
    reported_at = UtcDateTime(allow_none=True)
    reported_by = fields.String(allow_none=True)
    batch = fields.String(allow_none=True, metadata={"description": "sha256 of the batch file it was reported in"})


class CreditTrackingSchema(Schema):
    org = fields.String(allow_none=True)
    period = fields.Dict()
    counts = fields.Dict(metadata={"description": "decisions per status"})
    items = fields.List(fields.Nested(CreditItemSchema))
