from __future__ import annotations

from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..services import av_analysis, org_scope, stats
from . import blp
from .schemas import AnnualReportSchema, AVSummarySchema, StatisticsSchema, StatsQuerySchema


@blp.route("/<int:year>")
class Statistics(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatisticsSchema)
    def get(self, query, year):
        """The year's live figures of the caller's bureau (head, auditor, admin; the supervising justice bureau:
        ``?org=<code>`` of a node it supervises), ``provisional`` while the year runs; 422 for a year before 2000
        or in the future, 404 for another bureau's ``org``."""
        user = permissions.require("stats.read")
        org_id = org_scope.readable_org(user, query.get("org")) or org_scope.write_org(user)
        permissions.check_org(user, org_id, "stats.read", "organisation")
        return stats.annual_statistics(stats.check_year(year), org_id)


@blp.route("/<int:year>/publish")
class PublishStatistics(MethodView):
    @blp.response(201, AnnualReportSchema)
    def post(self, year):
        """Publish the caller's bureau's figures of the year as a new report version of the bureau (head,
        admin); 403 while the year is running."""
        user = permissions.require("stats.publish")
        report = stats.publish_report(stats.check_year(year), user.username, org_scope.write_org(user))
        db.session.commit()  # a concurrent publication of the same version: 409 (api/errors.py)
        return report


@blp.route("/<int:year>/av-analysis")
class AVSummary(MethodView):
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, AVSummarySchema)
    def get(self, query, year):
        """The bureau's A/V figures for the cases started in the year (head, auditor, admin; the supervising
        justice bureau: ``?org=<code>``): recordings, running and paused time, unknown lengths, the cases with A/V
        gaps and each finding's count (every case analysed as ``GET /instances/<id>/av-analysis``)."""
        user = permissions.require("stats.read")
        org_id = org_scope.readable_org(user, query.get("org")) or org_scope.write_org(user)
        permissions.check_org(user, org_id, "stats.read", "organisation")
        return av_analysis.bureau_summary(stats.check_year(year), org_id)
