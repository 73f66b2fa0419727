from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from ..extensions import db
from ..models import Organisation
from ..security import current_user
from ..services import org_scope, orgs
from . import blp
from .schemas import OrganisationSchema


@blp.route("")
class Organisations(MethodView):
    @blp.response(200, OrganisationSchema(many=True))
    def get(self):
        """The organisations the caller sees (login required), by their place in the tree: the caller's bureau
        and its units (``write``), the nodes a supervising organisation reads (``read``), and the ancestors whose
        settings and lists the bureau inherits (``above``). Another bureau is not listed."""
        user = current_user()
        write, read = orgs.write_scope(user), orgs.read_scope(user)
        above = set(orgs.ancestors(orgs.user_org(user)))
        visible = write | read | above
        rows = db.session.scalars(select(Organisation).where(Organisation.id.in_(list(visible)))
                                  .order_by(Organisation.path))
        own = orgs.user_org(user)
        return [{"id": o.id, "code": o.code, "name": o.name, "kind": o.kind,
                 "parent": org_scope.code_of(o.parent_id), "supervises": org_scope.code_of(o.supervises_id),
                 "access": "write" if o.id in write else "read" if o.id in read else "above", "own": o.id == own}
                for o in rows]
