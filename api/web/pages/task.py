"""The task page: the task's form, filled and submitted in the browser."""
from __future__ import annotations

from types import SimpleNamespace

from flask import redirect, render_template, request, url_for

from engine.errors import FormDataInvalid, SanxiangError
from engine.runtime import find_task

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...registry.service import form_registry_values
from ...security import client_addr, current_user
from ...services import tasks as task_service
from ...services.instances import get_instance, load_workflow
from ...services.public_masking import REVIEW_FORMS, review_task_data
from .. import web_blp
from ..forms import parse_submission


@web_blp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task_page(task_id: str):
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    try:
        task = task_service.get_task(task_id)
        view = permissions.task_view(user, task)  # the same check as GET /api/v1/tasks/<id>
        if request.method == "GET":
            permissions.record(user, task.instance_id, "task", view, detail={"task_id": task.id})
            task = task_service.get_task(task_id)
        instance = get_instance(task.instance_id)
        bundle, workflow = load_workflow(instance)
    except SanxiangError as exc:
        return render_template("message.html", message=exc.message), status_of(exc)
    form = bundle.forms.get(task.form_key or "", {"components": []})
    values = {**instance.data, **form_registry_values(form)}  # options of valuesKey fields
    if task.state == "ready" and task.form_key in REVIEW_FORMS:  # original beside masked, spans marked (OGI 37)
        values = review_task_data(task.form_key, {**values, **dict(find_task(workflow, task.spiff_task_id).data)})
    values = permissions.shown(values, view)
    shown_case = instance if view == "full" else SimpleNamespace(  # the typed title may carry an ID number
        id=instance.id, title=permissions.shown({"t": instance.title}, view)["t"])
    errors: dict = {}
    if request.method == "POST":
        submitted = parse_submission(form, request.form)
        values.update(submitted)
        try:
            task_service.complete(task_id, user, submitted, client_addr())
            db.session.commit()
            return redirect(url_for("web.inbox"))
        except FormDataInvalid as exc:
            db.session.rollback()
            errors = exc.errors
            # the page is shown again, with the case: a read like the GET's (docs/ACCESS.md)
            permissions.record(user, instance.id, "task", view, detail={"task_id": task_id})
        except SanxiangError as exc:
            db.session.rollback()
            return render_template("message.html", message=exc.message), status_of(exc)
    return render_template("task.html", task=task, instance=shown_case, form=form, values=values, errors=errors,
                           user=user), (422 if errors else 200)
