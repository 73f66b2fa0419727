from __future__ import annotations

from flask.views import MethodView

from engine.errors import NotFound

from ..extensions import db
from ..registry.schemas import PowerSchema
from ..security import client_addr
from ..services import disclosures as service
from ..services import stats
from ..stats.schemas import AnnualReportSchema, PublishedYearSchema
from . import blp, records
from .schemas import (
    CorrectionResultSchema,
    CorrectionSchema,
    DisclosureQuerySchema,
    DisclosureSchema,
    OfficerSchema,
)


@blp.route("/disclosures")
class Disclosures(MethodView):
    @blp.arguments(DisclosureQuerySchema, location="query")
    @blp.response(200, DisclosureSchema(many=True))
    def get(self, args):
        """Published, masked decisions, newest first, each with its status (withdrawn ones with the reason)."""
        return records.disclosures(**args)


@blp.route("/disclosures/<int:disclosure_id>")
class DisclosureDetail(MethodView):
    @blp.response(200, DisclosureSchema)
    def get(self, disclosure_id):
        """One published decision with its status."""
        found = service.get_disclosure(disclosure_id)
        return service.public_view(found, service.state_of(found.id))


@blp.route("/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionSchema)
    @blp.response(201, CorrectionResultSchema)
    def post(self, args):
        """Ask the bureau to correct a published decision (OGI 41); starts a correction case.

        404 for an unknown disclosure, 409 for a withdrawn or superseded one.
        """
        req = service.request_correction(args["disclosure_id"], args["contact"].strip(), args["reason"].strip(),
                                         client_addr())
        db.session.commit()
        return req


@blp.route("/powers")
class PublicPowers(MethodView):
    @blp.response(200, PowerSchema(many=True))
    def get(self):
        """The list of powers and duties (权责清单) in force: current versions, retired items left out; every text
        masked (a note with personal data in it is not shown)."""
        return records.powers()


@blp.route("/officers")
class PublicOfficers(MethodView):
    @blp.response(200, OfficerSchema(many=True))
    def get(self):
        """Enforcement officers with a certificate valid today: name, certificate number, category, area.

        The officers' names and certificate numbers are public by law (APL 42, the 执法人员 list); every other
        text is masked."""
        return records.officers()


@blp.route("/statistics")
class PublicStatisticsYears(MethodView):
    @blp.response(200, PublishedYearSchema(many=True))
    def get(self):
        """The years with a published statistics report, newest first."""
        return [{"year": y, "version": v, "published_at": at} for y, v, at in stats.published_years()]


@blp.route("/statistics/<int:year>")
class PublicStatistics(MethodView):
    @blp.response(200, AnnualReportSchema)
    def get(self, year):
        """The latest published annual statistics report of ``year``; 404 if none."""
        report = stats.latest_published(year)
        if report is None:
            raise NotFound(f"no statistics report published for {year}")
        return report
