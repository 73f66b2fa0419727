"""Reviewers' training records (定期培训): read within the bureau (a supervisor read-only), recorded, corrected and
withdrawn by the bureau's admin; nothing recorded changes (api/services/training.py)."""
from __future__ import annotations

from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..security import client_addr
from ..services import orgs, training
from . import blp
from .schemas import TrainingEntrySchema, TrainingInSchema, TrainingSchema


@blp.route("/<username>")
class UserTraining(MethodView):
    @blp.response(200, TrainingSchema)
    def get(self, username: str):
        """The reviewer's training record (定期培训): summary, entries in force, every entry recorded (admin, head,
        auditor; a supervisor read-only); 404 for a user outside the caller's reach."""
        reader = permissions.require("training.read")
        user = training.user_in(username, orgs.read_scope(reader))
        return training.record_of(user)

    @blp.arguments(TrainingInSchema)
    @blp.response(201, TrainingEntrySchema)
    def post(self, args, username: str):
        """Record a training of a user of the admin's bureau; with ``corrects`` (and a ``reason``) a correction or
        (``withdrawn``) a withdrawal of an entry in force: nothing recorded changes. 409 when the entry was corrected
        meanwhile."""
        admin = permissions.require("training.edit")
        user = training.user_in(username, orgs.write_scope(admin))
        row = training.add(user, args, admin.username, client_addr())
        db.session.commit()
        return training.as_dict(row, user)
