from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..registry.schemas import UtcDateTime


class StatisticsSchema(Schema):
    """The figures of ``api.services.stats.annual_statistics`` (also a report's ``content``)."""

    year = fields.Integer()
    agency = fields.String(metadata={"description": "the organisation's name"})
    org = fields.String(allow_none=True, metadata={"description": "the organisation's code"})
    period = fields.Dict(metadata={"description": "from, to (Beijing dates), timezone"})
    as_of = fields.String(metadata={"description": "when the figures were computed (UTC)"})
    provisional = fields.Boolean(metadata={"description": "true while the year is still running (not publishable)"})
    provisional_note = fields.String(allow_none=True)
    cases = fields.Dict(metadata={"description": "started, by_status, by_act_type, by_definition"})
    legal_reviews = fields.Dict(metadata={"description": "total, cases, by_outcome"})
    overdue = fields.Dict(metadata={"description": "tasks and cases past their deadlines"})
    disclosures = fields.Dict(metadata={"description": "published, corrected, withdrawn"})
    correction_requests = fields.Dict(metadata={"description": "received, cases_started"})
    credit_reports = fields.Dict(metadata={"description": "执法双公示: the year's permit and penalty decisions by "
                                                          "credit-platform report status"})


class AnnualReportSchema(Schema):
    year = fields.Integer()
    org = fields.Function(lambda r: _code(r), metadata={"description": "code of the organisation the report is of"})
    version = fields.Integer()
    generated_at = UtcDateTime()
    generated_by = fields.String()
    published_at = UtcDateTime()
    content = fields.Dict()


class PublicAnnualReportSchema(AnnualReportSchema):
    """A report as the public reads it: no login name (who generated it is the bureau's record, not the public's)."""

    class Meta:
        exclude = ("generated_by",)


class PublishedYearSchema(Schema):
    year = fields.Integer()
    version = fields.Integer()
    published_at = UtcDateTime()


class StatsQuerySchema(Schema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "organisation code: its figures (a bureau, or a node above: its bureaus together); default "
                       "the caller's bureau (the public: every organisation)"})


def _code(report: object) -> str | None:
    from ..services.org_scope import code_of

    return code_of(report.get("org_id") if isinstance(report, dict) else getattr(report, "org_id", None))


class AVSummarySchema(Schema):
    """A bureau's A/V figures of a year (api/services/av_analysis.py ``bureau_summary``)."""

    year = fields.Integer()
    org = fields.String(allow_none=True)
    as_of = fields.String()
    cases = fields.Integer(metadata={"description": "cases started in the year"})
    cases_with_av = fields.Integer()
    recordings = fields.Integer()
    duration_seconds = fields.Integer(metadata={"description": "known running time"})
    durations_unknown = fields.Integer()
    pauses = fields.Integer()
    paused_seconds = fields.Integer(metadata={"description": "known paused time"})
    pauses_unknown = fields.Integer()
    cases_with_gaps = fields.Integer()
    gap_cases = fields.List(fields.Dict(), metadata={"description": "instance_id, definition_key, findings"})
    findings = fields.Dict(keys=fields.String(), values=fields.Integer())
    tolerance_seconds = fields.Integer()
