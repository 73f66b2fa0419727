from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.errors import StateConflict

from ..extensions import db
from ..models import Certificate, User
from ..security import client_addr, current_user, require_role
from . import blp, service
from .schemas import CertificateInSchema, CertificateRecordSchema, PowerInSchema, PowerSchema

POWER_EDITORS = ("admin", "process_owner")
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
