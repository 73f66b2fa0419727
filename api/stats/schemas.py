from __future__ import annotations

from marshmallow import Schema, fields

from ..registry.schemas import UtcDateTime


class StatisticsSchema(Schema):
    """The figures of ``api.services.stats.annual_statistics`` (also a report's ``content``)."""

    year = fields.Integer()
    agency = fields.String()
    period = fields.Dict(metadata={"description": "from, to (Beijing dates), timezone"})
    as_of = fields.String(metadata={"description": "when the figures were computed (UTC)"})
    provisional = fields.Boolean(metadata={"description": "true while the year is still running (not publishable)"})
    provisional_note = fields.String(allow_none=True)
    cases = fields.Dict(metadata={"description": "started, by_status, by_act_type, by_definition"})
    legal_reviews = fields.Dict(metadata={"description": "total, cases, by_outcome"})
    overdue = fields.Dict(metadata={"description": "tasks and cases past their deadlines"})
    disclosures = fields.Dict(metadata={"description": "published, corrected, withdrawn"})
    correction_requests = fields.Dict(metadata={"description": "received, cases_started"})


class AnnualReportSchema(Schema):
    year = fields.Integer()
    version = fields.Integer()
    generated_at = UtcDateTime()
    generated_by = fields.String()
    published_at = UtcDateTime()
    content = fields.Dict()


class PublishedYearSchema(Schema):
    year = fields.Integer()
    version = fields.Integer()
    published_at = UtcDateTime()
