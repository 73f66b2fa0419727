from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from ..extensions import db
from ..models import Event
from ..security import current_user
from ..services.instances import get_instance
from . import blp
from .schemas import EventSchema


@blp.route("/<int:instance_id>/history")
class History(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self, instance_id):
        """Every event of the instance, in order, with its hash chain."""
        current_user()
        get_instance(instance_id)
        return list(db.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))
