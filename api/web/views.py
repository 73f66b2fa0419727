"""Login, inbox, task page and public list, rendered on the server."""
from __future__ import annotations

import re
from types import SimpleNamespace

from flask import has_request_context, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from engine.clock import BEIJING
from engine.errors import FormDataInvalid, SanxiangError
from engine.roles import ROLES
from engine.runtime import find_task

from .. import permissions
from ..errors import TooManyRequests, Unauthorized, status_of
from ..extensions import db
from ..models import TaskRow
from ..registry.service import form_registry_values
from ..security import authenticate, client_addr, current_user, end_web_session, start_web_session
from ..services import tasks as task_service
from ..services.deadlines import calendar_warning_of, warning_for
from ..services.instances import get_instance, load_workflow
from ..services.public_masking import REVIEW_FORMS, review_task_data
from . import nav, web_blp
from .assets import asset_tags
from .forms import parse_submission
from .i18n import lang, t


@web_blp.app_context_processor
def _inject():
    return {"t": t, "lang": lang, "roles": ROLES, "warning_for": warning_for, "beijing": BEIJING,
            "calendar_warning": lambda task: calendar_warning_of(task, "state", "ready", lang()),
            "asset_tags": asset_tags, "nav_entries": nav.visible,
            "user": current_user(required=False) if has_request_context() else None}


nav.add("web.inbox", "inbox", None, 10)
nav.add("web.public_list", "public", ("public",), 90)


@web_blp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


_TEMPLATE_KEY = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@web_blp.app_template_filter("fill")
def _fill(text: str, values: dict) -> str:
    """form-js text components may show case data as {{key}}."""
    return _TEMPLATE_KEY.sub(lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]), text or "")


@web_blp.route("/")
def index():
    return redirect(url_for("web.inbox"))


@web_blp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", ""), request.form.get("password", ""), client_addr())
        except Unauthorized:
            error, status = t("bad_login"), 401
        except TooManyRequests:
            error, status = t("login_locked"), 429
        else:
            start_web_session(user)
            db.session.commit()
            return redirect(url_for("web.inbox"))
    return render_template("login.html", error=error), status


@web_blp.route("/logout", methods=["POST"])
def logout():
    """End the session: its token is revoked on the server, so a copy of the cookie no longer logs in."""
    end_web_session()
    db.session.commit()
    return redirect(url_for("web.login"))


@web_blp.route("/inbox")
def inbox():
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    roles = list(user.roles or [])
    rows = db.session.scalars(
        select(TaskRow).where(TaskRow.state == "ready", permissions.tasks_clause(user),
                              or_(TaskRow.assignee == user.username,
                                  TaskRow.role.in_(roles) & TaskRow.assignee.is_(None)))
        .order_by(TaskRow.due_at.is_(None), TaskRow.due_at, TaskRow.created_at).limit(200))
    tasks = list(rows)
    if user.has_role("publicity_officer"):  # the same masked titles as GET /api/v1/tasks
        tasks = [r if permissions.task_view(user, r) == "full" else SimpleNamespace(
            **{**{c.key: getattr(r, c.key) for c in TaskRow.__table__.columns},
               "title": permissions.shown({"t": r.title}, "masked")["t"]}) for r in tasks]
    mine = [r for r in tasks if r.assignee == user.username]
    candidate = [r for r in tasks if r.assignee is None]
    unknown_years = []
    if user.has_role("admin") or user.has_role("process_owner"):  # admins are told which years to load
        from ..services.calendar_years import status as calendar_status

        unknown_years = calendar_status()["unknown_years_in_use"]
    return render_template("inbox.html", user=user, mine=mine, candidate=candidate, unknown_years=unknown_years)


@web_blp.route("/tasks/<task_id>/<action>", methods=["POST"])
def task_action(task_id: str, action: str):
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    handler = {"claim": task_service.claim, "unclaim": task_service.unclaim}.get(action)
    if handler is None:
        return redirect(url_for("web.inbox"))
    try:
        handler(task_id, user, client_addr())
        db.session.commit()
    except SanxiangError as exc:
        db.session.rollback()
        return render_template("message.html", message=exc.message), status_of(exc)
    return redirect(url_for("web.inbox"))


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


@web_blp.route("/public")
def public_list():
    """Published decisions; the template searches through ``public_search`` (api/public/pages.py)."""
    return render_template("public.html")
