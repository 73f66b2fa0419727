from __future__ import annotations

from flask.views import MethodView

from engine.errors import NotFound

from ..extensions import db
from ..registry.schemas import PowerSchema
from ..security import client_addr
from ..services import corrections, org_scope, stats
from ..services import disclosures as service
from ..stats.schemas import PublicAnnualReportSchema, PublishedYearSchema
from . import blp, records
from .schemas import (
    CorrectionResultSchema,
    CorrectionSchema,
    DisclosureQuerySchema,
    DisclosureSchema,
    OfficerSchema,
    PublicOrganisationSchema,
    PublicOrgQuerySchema,
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

        201 with a ``reference`` the requester can quote; 404 for an unknown disclosure, 409 for a withdrawn or
        superseded one; 429 (Retry-After) after CORRECTIONS_PER_HOUR requests from one address within an hour.
        """
        corrections.check_request_allowed(client_addr())
        req = service.request_correction(args["disclosure_id"], args["contact"].strip(), args["reason"].strip(),
                                         client_addr())
        reference = corrections.record_request(req, client_addr())
        db.session.commit()
        return {"id": req.id, "disclosure_id": req.disclosure_id, "case_id": req.case_id,
                "created_at": req.created_at, "reference": reference}


@blp.route("/powers")
class PublicPowers(MethodView):
    @blp.arguments(PublicOrgQuerySchema, location="query")
    @blp.response(200, PowerSchema(many=True))
    def get(self, query):
        """The list of powers and duties (权责清单) in force: current versions, retired items left out; every text
        masked (a note with personal data in it is not shown). ``?org=<code>``: that bureau's list (its own
        items and the platform's), else every organisation's own items, each with its ``org``."""
        return records.powers(query.get("org"))


@blp.route("/officers")
class PublicOfficers(MethodView):
    @blp.arguments(PublicOrgQuerySchema, location="query")
    @blp.response(200, OfficerSchema(many=True))
    def get(self, query):
        """Enforcement officers with a certificate valid today: name, certificate number, category, area, bureau
        (``?org=<code>``: that bureau's officers only).

        The officers' names and certificate numbers are public by law (APL 42, the 执法人员 list); every other
        text is masked."""
        return records.officers(query.get("org"))


@blp.route("/organisations")
class PublicOrganisations(MethodView):
    @blp.response(200, PublicOrganisationSchema(many=True))
    def get(self):
        """The bureaus on the platform (code, name): the portal's ``?org=<code>`` filter."""
        return records.organisations()


def _report_nodes(query: dict) -> set[int] | None:
    return {org_scope.by_code(query["org"]).id} if query.get("org") else None


@blp.route("/statistics")
class PublicStatisticsYears(MethodView):
    @blp.arguments(PublicOrgQuerySchema, location="query")
    @blp.response(200, PublishedYearSchema(many=True))
    def get(self, query):
        """The years with a published statistics report (``?org=<code>``: of that organisation), newest first."""
        return [{"year": y, "version": v, "published_at": at}
                for y, v, at in stats.published_years(_report_nodes(query))]


@blp.route("/statistics/<int(min=1900, max=2200):year>")  # another year matches no route (404), like one unpublished
class PublicStatistics(MethodView):
    @blp.arguments(PublicOrgQuerySchema, location="query")
    @blp.response(200, PublicAnnualReportSchema)
    def get(self, query, year):
        """The latest published annual statistics report of ``year`` (``?org=<code>``: that organisation's; else
        the latest any organisation published, its ``org`` named); 404 if none."""
        report = stats.latest_published(year, _report_nodes(query))
        if report is None:
            raise NotFound(f"no statistics report published for {year}")
        return report
