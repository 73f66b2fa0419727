from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_, select

from engine.errors import NotFound

from ..extensions import db
from ..models import CorrectionRequest, Disclosure
from . import blp
from .schemas import CorrectionResultSchema, CorrectionSchema, DisclosureQuerySchema, DisclosureSchema


@blp.route("/disclosures")
class Disclosures(MethodView):
    @blp.arguments(DisclosureQuerySchema, location="query")
    @blp.response(200, DisclosureSchema(many=True))
    def get(self, args):
        """Published, masked decisions; search by text and category."""
        stmt = select(Disclosure)
        if args.get("q"):
            like = f"%{args['q']}%"
            stmt = stmt.where(or_(Disclosure.title.like(like), Disclosure.masked_text.like(like)))
        if args.get("category"):
            stmt = stmt.where(Disclosure.category == args["category"])
        stmt = stmt.order_by(Disclosure.published_at.desc()).limit(args["per_page"]).offset(
            (args["page"] - 1) * args["per_page"])
        return list(db.session.scalars(stmt))


@blp.route("/disclosures/<int:disclosure_id>")
class DisclosureDetail(MethodView):
    @blp.response(200, DisclosureSchema)
    def get(self, disclosure_id):
        """One published decision."""
        found = db.session.get(Disclosure, disclosure_id)
        if found is None:
            raise NotFound(f"disclosure {disclosure_id} not found")
        return found


@blp.route("/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionSchema)
    @blp.response(201, CorrectionResultSchema)
    def post(self, args):
        """Ask the bureau to correct a published decision (OGI 41)."""
        if db.session.get(Disclosure, args["disclosure_id"]) is None:
            raise NotFound(f"disclosure {args['disclosure_id']} not found")
        req = CorrectionRequest(**args)
        db.session.add(req)
        db.session.commit()
        return req
