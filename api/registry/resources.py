from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from flask.views import MethodView

from engine import clock
from engine.errors import NotFound

from .. import permissions
from ..extensions import db
from ..models import Certificate, User
from ..models.registry import InspectionItem, InspectionTarget
from ..security import client_addr, current_user
from ..services import org_scope, orgs
from ..services.public_masking import mask_public, public_records
from . import blp, inspection, lists, lottery_plans, service
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
    OrgQuerySchema,
    PowerInSchema,
    PowerSchema,
)

T = TypeVar("T")

#: a public lottery plan's values that are not text (hashes and the random value) are shown as they are; the
#: drawn inspectors are officers, named by law (name and certificate number); every other text (targets, notes) is masked
PLAN_KEPT = frozenset({"plan_digest", "commitment", "reveal", "seed", "drawn_inspectors", "inspectors", "inspector",
                       "draw_pool", "inspector_pool", "inspector_names", "name"})


def _certificate_dict(cert: Certificate, user: User) -> dict:
    today = clock.today()
    return {"id": cert.id, "username": user.username, "display_name": user.display_name, "number": cert.number,
            "category": cert.category, "area": cert.area, "valid_from": cert.valid_from, "valid_to": cert.valid_to,
            "valid_today": cert.valid_from <= today and (cert.valid_to is None or today <= cert.valid_to)}


def _read_org(args: dict) -> int | None:
    """The bureau a list is read for: ``?org=<code>`` (a node the caller reads, 404 otherwise) or the caller's."""
    user = current_user()
    return org_scope.readable_org(user, args.get("org")) or org_scope.write_org(user)


def _write_org(args: dict, action: str = "power.edit") -> tuple[User, int | None]:
    user = permissions.require(action)
    return user, org_scope.writable_org(user, args.get("org"), action)


def _put_version(put: Callable[..., T], args: dict, query: dict) -> T:
    """A new version of the entry ``args["code"]`` in the bureau list ``query`` names (``_write_org``), made by
    ``put(code, values, username, client_addr, org_id=...)`` and committed; returns what ``put`` returns."""
    user, org_id = _write_org(query)
    code = args.pop("code")
    row = put(code, args, user.username, client_addr(), org_id=org_id)
    db.session.commit()
    return row


@blp.route("/powers")
class Powers(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, PowerSchema(many=True))
    def get(self, query):
        """The current version of every item of the caller's bureau (``?org=<code>``: a node the caller reads),
        items set at the platform root included, retired ones too (login required)."""
        return service.current_powers(include_retired=True, org_id=_read_org(query))

    @blp.arguments(PowerInSchema)
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(201, PowerSchema)
    def post(self, args, query):
        """A new version of an item in the caller's bureau list (admin or process_owner; a platform user at the
        root: the platform's, every bureau's until it changes its own); ``?org=<code>``: a node within reach
        (404 another bureau's, 403 a supervisor). 422 when invalid."""
        return _put_version(service.put_power, args, query)


@blp.route("/powers/<code>")
class PowerVersions(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, PowerSchema(many=True))
    def get(self, query, code):
        """Every version of one item of the caller's bureau list, oldest first (login required); 404 for another
        bureau's item."""
        return service.power_versions(code, _read_org(query))


@blp.route("/certificates")
class Certificates(MethodView):
    @blp.response(200, CertificateRecordSchema(many=True))
    def get(self):
        """The enforcement certificates of the caller's bureau with their holders (admin or head; the supervising
        justice bureau: those of the bureaus it supervises, read-only)."""
        user = permissions.require("certificate.read")
        return [_certificate_dict(c, u) for c, u in service.list_certificates(orgs.read_scope(user))]

    @blp.arguments(CertificateInSchema)
    @blp.response(201, CertificateRecordSchema)
    def post(self, args):
        """Register a certificate for a user of the admin's bureau (admin); 409 if the number is taken, 422 for an
        unknown user (another bureau's included)."""
        user = permissions.require("certificate.edit")
        cert = service.add_certificate(args["username"], args["number"].strip(), args["category"].strip(),
                                       args.get("area"), args["valid_from"], args.get("valid_to"),
                                       user.username, client_addr(), nodes=orgs.write_scope(user))
        db.session.commit()
        holder = db.session.get(User, cert.user_id)
        return _certificate_dict(cert, holder)


#: fields of a registry entry the public list never shows (an inspection target's masked party identifier)
PRIVATE_FIELDS = frozenset({"party_masked"})


def _versioned_list(model, path: str, in_schema, out_schema, what: str) -> None:
    """GET (login) / POST (admin, process_owner) ``path``, GET ``path/<code>`` versions, public GET of the list."""

    class Entries(MethodView):
        @blp.arguments(OrgQuerySchema, location="query")
        @blp.response(200, out_schema(many=True))
        def get(self, query):
            return inspection.current(model, include_retired=True, org_id=_read_org(query))

        @blp.arguments(in_schema)
        @blp.arguments(OrgQuerySchema, location="query")
        @blp.response(201, out_schema)
        def post(self, args, query):
            return _put_version(partial(inspection.put, model), args, query)

    class Versions(MethodView):
        @blp.arguments(OrgQuerySchema, location="query")
        @blp.response(200, out_schema(many=True))
        def get(self, query, code):
            return inspection.versions(model, code, _read_org(query))

    class Public(MethodView):
        @blp.arguments(OrgQuerySchema, location="query")
        @blp.response(200, out_schema(many=True))
        def get(self, query):
            org_id = org_scope.by_code(query["org"]).id if query.get("org") else None
            names = [n for n in out_schema().fields if n not in PRIVATE_FIELDS]  # the party identifier stays inside
            return public_records(lists.every_bureau(model, org_id), names)

    for view, doc in ((Entries, f"The {what} list of the caller's bureau (``?org=<code>``: a node the caller "
                                "reads), entries set at the platform root included; POST a new version to the "
                                "caller's bureau list (admin, process_owner; ``?org=<code>`` a node within reach)."),
                      (Versions, f"Every version of one {what} of the caller's bureau list, oldest first (404 for "
                                 "another bureau's)."),
                      (Public, f"The published {what} list (no login): ``?org=<code>`` one bureau's, else every "
                               "organisation's own entries, each with its ``org``.")):
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
        ``?org=<code>``: the plans of that organisation's bureaus only.
        """
        nodes = orgs.subtree(org_scope.by_code(args["org"]).id) if args.get("org") else None
        return mask_public(lottery_plans.public_plans(args.get("instance_id"), nodes), keep=PLAN_KEPT)


def _check_plan_org(user: User, plan_id: int) -> None:
    """A plan of another bureau's case is not found (the same 404 as no plan at all)."""
    from ..models.registry import LotteryPlan
    from ..services.disclosures import case_org

    found = db.session.get(LotteryPlan, plan_id)
    if found is None:
        return
    try:
        permissions.check_org(user, case_org(found.instance_id), "lottery.abandon", "lottery plan")
    except NotFound:
        raise NotFound(f"lottery plan {plan_id} not found") from None


@blp.route("/lottery-plans/<int:plan_id>/abandon")
class AbandonLotteryPlan(MethodView):
    @blp.arguments(LotteryAbandonInSchema)
    @blp.response(200, LotteryPlanSchema)
    def post(self, args, plan_id):
        """The head abandons an undrawn plan with a reason (published); 403 once drawn, 409 if abandoned already."""
        user = permissions.require("lottery.abandon")
        _check_plan_org(user, plan_id)
        plan = lottery_plans.abandon(plan_id, args["reason"], user.username, client_addr(),
                                     nodes=orgs.write_scope(user))  # another bureau's plan: 404
        db.session.commit()
        return next(p for p in lottery_plans.public_plans(plan.instance_id) if p["id"] == plan.id)
