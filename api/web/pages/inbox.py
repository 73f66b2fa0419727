"""The inbox: my tasks and the ones my roles may claim (claim 认领, release 放回)."""
from __future__ import annotations

from types import SimpleNamespace

from flask import redirect, render_template, url_for
from sqlalchemy import or_, select

from engine.errors import SanxiangError

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...models import TaskRow
from ...security import client_addr, current_user
from ...services import tasks as task_service
from .. import web_blp


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
        from ...services.calendar_years import status as calendar_status

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
