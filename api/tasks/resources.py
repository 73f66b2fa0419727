from __future__ import annotations

from flask.views import MethodView

from engine.runtime import find_task

from .. import permissions
from ..extensions import db
from ..models import TaskRow
from ..registry.service import form_registry_values
from ..security import client_addr, current_user
from ..services import parties, training
from ..services import tasks as service
from ..services.commits import commit_keeping
from ..services.instances import get_instance, load_workflow, open_tasks
from ..services.public_masking import review_task_data
from . import blp
from .queries import page_statement
from .schemas import (
    ClaimResultSchema,
    CompleteResultSchema,
    CompleteSchema,
    TaskDetailSchema,
    TaskQuerySchema,
    TaskSchema,
)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    def get(self, args):
        """Tasks the caller may see: mine (claimed by me), candidate (open to my roles), all."""
        user = current_user()
        stmt = page_statement(user, args["state"], args["scope"], args.get("instance_id"), args["per_page"],
                              (args["page"] - 1) * args["per_page"])
        rows = list(db.session.scalars(stmt))
        if not user.has_role("publicity_officer"):
            return rows
        from ..instances.resources import masked_rows

        # the publicity officer's titles are masked like the case data (an officer may type an ID number in them)
        return [r if permissions.task_view(user, r) == "full" else masked_rows([r], "masked")[0] for r in rows]


@blp.route("/<task_id>")
class TaskDetail(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """The task with its form (form-js JSON) and the current case data."""
        task = service.get_task(task_id)
        user = current_user()
        view = permissions.task_view(user, task)
        permissions.record(user, task.instance_id, "task", view, detail={"task_id": task.id})
        task = service.get_task(task_id)
        instance = get_instance(task.instance_id)
        bundle, workflow = load_workflow(instance, for_update=False)
        data = instance.data
        if task.state == "ready":
            data = dict(find_task(workflow, task.spiff_task_id).data)
        result = {c.key: getattr(task, c.key) for c in TaskRow.__table__.columns}
        result["form"] = bundle.forms.get(task.form_key or "", {})
        result["data"] = {**data, **form_registry_values(result["form"])}  # options of valuesKey fields
        if task.state == "ready":  # a review before release: original beside masked, spans marked (OGI 37)
            result["data"] = review_task_data(task.form_key, result["data"])
        result["data"] = permissions.shown(result["data"], view)
        result["title"] = permissions.shown({"t": task.title}, view)["t"]
        # the party's earlier permits / inspections and penalties (no shared records in the masked view)
        result["party_history"] = parties.history_for(user, task, instance, client_addr()) if view == "full" else []
        result["reviewer_training"] = training.for_task(task)
        db.session.commit()  # the reads of the shared records
        return result


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, ClaimResultSchema)
    def post(self, task_id):
        """Claim a ready task for yourself (a legal review: with the reviewers' training, ``reviewer_training``)."""
        task = service.claim(task_id, current_user(), client_addr())
        db.session.commit()
        return {**{c.key: getattr(task, c.key) for c in TaskRow.__table__.columns},
                "reviewer_training": training.for_task(task)}


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a claimed task back to the pool."""
        task = service.unclaim(task_id, current_user(), client_addr())
        db.session.commit()
        return task


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteSchema)
    @blp.response(200, CompleteResultSchema)
    def post(self, args, task_id):
        """Complete a task with form data: 422 invalid data, 403 a rule, 409 not ready."""
        instance = service.complete(task_id, current_user(), args["data"], client_addr())
        result = {"instance_id": instance.id, "status": instance.status, "tasks": open_tasks(instance.id)}
        commit_keeping()  # the answer is what the step wrote: no second transaction (api/services/commits.py)
        return result
