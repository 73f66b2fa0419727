from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.errors import StateConflict

from ..extensions import db
from ..models import Certificate, User
from ..models.registry import InspectionItem, InspectionTarget
from ..security import client_addr, current_user, require_role
from ..services.public_masking import mask_public, public_records
from . import blp, inspection, lottery_plans, service
from .schemas import (
    CertificateInSchema,
    CertificateRecordSchema,
    InspectionItemInSchema,
    InspectionItemSchema,
    InspectionTargetInSchema,
    InspectionTargetSchema,
    LotteryAbandonInSchema,
    LotteryPlanQuerySchema,
    LotteryPlanSchema,
    PowerInSchema,
    PowerSchema,
)

POWER_EDITORS = ("admin", "process_owner")
#: a public lottery plan's values that are not text (hashes and the random value) are shown as they are; the
#: drawn inspectors are officers, named by law; every other text (targets, notes) is masked
PLAN_KEPT = frozenset({"plan_digest", "commitment", "reveal", "seed", "drawn_inspectors", "inspectors", "inspector",
                       "draw_pool", "inspector_pool"})
CERTIFICATE_READERS = ("admin", "head")


def _commit(what: str) -> None:
    """Commit; a clash on a unique key or a stream's next seq is a concurrent change (409)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise StateConflict(f"{what} collided with a concurrent change; reload and retry") from None


def _certificate_dict(cert: Certificate, user: User) -> dict:
    today = clock.today()
    return {"id": cert.id, "username": user.username, "display_name": user.display_name, "number": cert.number,
            "category": cert.category, "area": cert.area, "valid_from": cert.valid_from, "valid_to": cert.valid_to,
            "valid_today": cert.valid_from <= today and (cert.valid_to is None or today <= cert.valid_to)}


@blp.route("/powers")
class Powers(MethodView):
    @blp.response(200, PowerSchema(many=True))
    def get(self):
        """The current version of every item, retired ones included (login required)."""
        current_user()
        return service.current_powers(include_retired=True)

    @blp.arguments(PowerInSchema)
    @blp.response(201, PowerSchema)
    def post(self, args):
        """A new version of an item (admin or process_owner); 422 when invalid."""
        user = require_role(*POWER_EDITORS)
        code = args.pop("code")
        row = service.put_power(code, args, user.username, client_addr())
        _commit(f"changing power item {code}")
        return row


@blp.route("/powers/<code>")
class PowerVersions(MethodView):
    @blp.response(200, PowerSchema(many=True))
    def get(self, code):
        """Every version of one item, oldest first (login required)."""
        current_user()
        return service.power_versions(code)


@blp.route("/certificates")
class Certificates(MethodView):
    @blp.response(200, CertificateRecordSchema(many=True))
    def get(self):
        """Every enforcement certificate with its holder (admin or head)."""
        require_role(*CERTIFICATE_READERS)
        return [_certificate_dict(c, u) for c, u in service.list_certificates()]

    @blp.arguments(CertificateInSchema)
    @blp.response(201, CertificateRecordSchema)
    def post(self, args):
        """Register a certificate for a user (admin); 409 if the number is taken, 422 for an unknown user."""
        user = require_role("admin")
        cert = service.add_certificate(args["username"], args["number"].strip(), args["category"].strip(),
                                       args.get("area"), args["valid_from"], args.get("valid_to"),
                                       user.username, client_addr())
        _commit(f"registering certificate {args['number']}")
        holder = db.session.get(User, cert.user_id)
        return _certificate_dict(cert, holder)


def _versioned_list(model, path: str, in_schema, out_schema, what: str) -> None:
    """GET (login) / POST (admin, process_owner) ``path``, GET ``path/<code>`` versions, public GET of the list."""

    class Entries(MethodView):
        @blp.response(200, out_schema(many=True))
        def get(self):
            current_user()
            return inspection.current(model, include_retired=True)

        @blp.arguments(in_schema)
        @blp.response(201, out_schema)
        def post(self, args):
            user = require_role(*POWER_EDITORS)
            code = args.pop("code")
            row = inspection.put(model, code, args, user.username, client_addr())
            _commit(f"changing {what} {code}")
            return row

    class Versions(MethodView):
        @blp.response(200, out_schema(many=True))
        def get(self, code):
            current_user()
            return inspection.versions(model, code)

    class Public(MethodView):
        @blp.response(200, out_schema(many=True))
        def get(self):
            return public_records(inspection.current(model), out_schema().fields)

    for view, doc in ((Entries, f"The {what} list (current versions); POST a new version (admin, process_owner)."),
                      (Versions, f"Every version of one {what}, oldest first."),
                      (Public, f"The published {what} list (no login).")):
        view.__doc__ = doc
        view.__name__ = f"{model.__name__}{view.__name__}"
    blp.route(path)(Entries)
    blp.route(f"{path}/<code>")(Versions)
    blp.route(f"/public{path}")(Public)


_versioned_list(InspectionItem, "/inspection-items", InspectionItemInSchema, InspectionItemSchema,
                "random-inspection item (随机抽查事项清单)")
_versioned_list(InspectionTarget, "/inspection-targets", InspectionTargetInSchema, InspectionTargetSchema,
                "inspection target (检查对象名录)")


@blp.route("/public/lottery-plans")
class PublicLotteryPlans(MethodView):
    @blp.arguments(LotteryPlanQuerySchema, location="query")
    @blp.response(200, LotteryPlanSchema(many=True))
    def get(self, args):
        """Every fixed 双随机 plan with its digest and commitment; the random value, seed and draw once drawn.

        Re-draw: seed = sha256(plan_digest + "\\n" + reveal), check sha256(reveal) == commitment and
        sha256(canonical plan) == plan_digest; targets = the first target_count of target_list ordered by
        sha256(seed + "\\n" + name); inspectors likewise with seed + ":inspectors", two of them, from draw_pool
        (the plan's inspector_pool less the members excluded on the draw day, listed with their reasons).
        status: open (fixed, not drawn), drawn, abandoned (by the head, with the reason, or its case ended).
        """
        return mask_public(lottery_plans.public_plans(args.get("instance_id")), keep=PLAN_KEPT)


@blp.route("/lottery-plans/<int:plan_id>/abandon")
class AbandonLotteryPlan(MethodView):
    @blp.arguments(LotteryAbandonInSchema)
    @blp.response(200, LotteryPlanSchema)
    def post(self, args, plan_id):
        """The head abandons an undrawn plan with a reason (published); 403 once drawn, 409 if abandoned already."""
        user = require_role("head")
        plan = lottery_plans.abandon(plan_id, args["reason"], user.username, client_addr())
        _commit(f"abandoning lottery plan {plan_id}")
        return next(p for p in lottery_plans.public_plans(plan.instance_id) if p["id"] == plan.id)
