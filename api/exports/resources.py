from __future__ import annotations

from flask import Response
from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..security import client_addr
from ..services import credit_reports, org_scope, orgs, supervision_export
from . import blp
from .schemas import CreditReportSchema, CreditTrackingSchema, ExportQuerySchema


def _scope(user, query: dict, action: str) -> int | None:
    """The organisation the export is of: ``?org=`` when the caller reads it (404 otherwise), else their bureau."""
    org_id = org_scope.readable_org(user, query.get("org")) or org_scope.write_org(user)
    permissions.check_org(user, org_id, action, "organisation")
    return org_id


def _zip(payload: bytes, name: str) -> Response:
    return Response(payload, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/supervision")
class SupervisionExport(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, content_type="application/zip")
    def get(self, query):
        """The export for the supervising justice bureau (auditor; the justice bureau's supervisor: ``?org=`` of a
        node it supervises): a zip of ``manifest.json``, ``jsonl/<kind>.jsonl``, ``csv/<kind>.csv`` and
        ``supervision.schema.json`` for the period ``from``..``to`` (Beijing dates). Recorded on the ``exports``
        stream and as a read of every exported case. 422 for a bad period, 404 for another bureau's ``org``."""
        user = permissions.require("export.supervision")
        org_id = _scope(user, query, "export.supervision")
        date_from, date_to = credit_reports.check_period(query["date_from"], query["date_to"])
        export = supervision_export.build(org_id, date_from, date_to, user.username,
                                          permissions.acting_role(user, "export.supervision"), client_addr())
        payload = export.zip_bytes()
        db.session.commit()  # the access is recorded before the data leaves
        return _zip(payload, f"supervision-{export.manifest['org']}-{date_from}-{date_to}.zip")


@blp.route("/credit")
class CreditReports(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, CreditTrackingSchema)
    def get(self, query):
        """执法双公示 tracking: every permit and penalty decision of the period (by decision date) with its report
        deadline (7 working days) and status (reported, reported_late, pending, overdue, withheld)."""
        user = permissions.require("credit.read")
        org_id = _scope(user, query, "credit.read")
        date_from, date_to = credit_reports.check_period(query["date_from"], query["date_to"])
        found = credit_reports.items(orgs.subtree(org_id), date_from, date_to)
        views = [credit_reports.tracking_view(item) for item in found]
        return {"org": org_scope.code_of(org_id),
                "period": {"from": date_from.isoformat(), "to": date_to.isoformat(), "timezone": "Asia/Shanghai"},
                "counts": {s: sum(1 for v in views if v["status"] == s) for s in credit_reports.STATUSES},
                "items": views}

    @blp.arguments(CreditReportSchema)
    @blp.response(201, content_type="application/zip")
    def post(self, body):
        """Report the caller's bureau's published, unreported permit and penalty decisions of the period to the
        credit platform: a zip of ``credit.json``, ``credit.csv`` and ``credit.schema.json`` for its importer; each
        decision is recorded as reported (once: a concurrent batch is 409)."""
        user = permissions.require("credit.report")
        org_id = org_scope.write_org(user)
        permissions.check_org(user, org_id, "credit.report", "organisation")
        date_from, date_to = credit_reports.check_period(body["date_from"], body["date_to"])
        batch = credit_reports.report(org_id, date_from, date_to, user.username,
                                      permissions.acting_role(user, "credit.report"), client_addr())
        payload = batch.zip_bytes()
        db.session.commit()
        response = _zip(payload, f"credit-{org_scope.code_of(org_id)}-{date_from}-{date_to}.zip")
        response.status_code = 201
        response.headers["X-Reported-Count"] = str(len(batch.reported))
        return response
