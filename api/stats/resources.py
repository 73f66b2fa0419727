from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from engine.errors import StateConflict

from ..extensions import db
from ..security import require_role
from ..services import stats
from . import blp
from .schemas import AnnualReportSchema, StatisticsSchema

READERS = ("head", "auditor", "admin")
PUBLISHERS = ("head", "admin")


@blp.route("/<int:year>")
class Statistics(MethodView):
    @blp.response(200, StatisticsSchema)
    def get(self, year):
        """The year's live figures (head, auditor, admin), ``provisional`` while the year runs; 422 for a year
        before 2000 or in the future."""
        require_role(*READERS)
        return stats.annual_statistics(stats.check_year(year))


@blp.route("/<int:year>/publish")
class PublishStatistics(MethodView):
    @blp.response(201, AnnualReportSchema)
    def post(self, year):
        """Publish the year's figures as a new report version (head, admin); 403 while the year is running."""
        user = require_role(*PUBLISHERS)
        report = stats.publish_report(stats.check_year(year), user.username)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise StateConflict(f"the {year} report was published concurrently; reload") from None
        return report
