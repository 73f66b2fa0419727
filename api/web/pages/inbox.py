"""The inbox: tabs "my tasks", "claimable" and "my cases" (cases I started or worked on), filtered by process,
deadline colour and free text (title, case number); claim 认领, release 放回. Server-rendered (works without
scripts); the same rows and checks as ``GET /api/v1/tasks`` and ``GET /api/v1/instances``."""
from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import exists, or_, select

from engine.errors import SanxiangError

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...models import DefinitionVersion, Event, Instance, TaskRow
from ...security import client_addr, current_user
from ...services import tasks as task_service
from ...services.deadlines import PageFlags, warning_for
from ...tasks.queries import inbox_rows_statement
from .. import web_blp
from ..error_pages import page_message
from ..i18n import lang, t
from .cases import display_names, local, process_names, role_label

TABS = ("mine", "claimable", "cases")
DEADLINES = ("normal", "yellow", "red")
LIMIT = 200


def _process_names(user) -> dict[str, str]:
    """The processes of the user's bureau (another bureau's definition does not exist for them)."""
    from ...services import definitions as definition_service

    keys = {v.key for v in definition_service.visible(user, list(db.session.scalars(select(DefinitionVersion))))}
    return {k: v for k, v in process_names().items() if k in keys}


def _filters(user) -> dict[str, str]:
    process = request.args.get("process", "")
    deadline = request.args.get("deadline", "")
    return {"process": process if process in _process_names(user) else "",
            "deadline": deadline if deadline in DEADLINES else "",
            "q": request.args.get("q", "").strip()[:100]}


_CASE_NUMBER = re.compile(r"#?\s*([0-9]{1,9})")


def _case_number(q: str) -> int | None:
    """The case number a search names (``12`` or ``#12``; ASCII digits only)."""
    match = _CASE_NUMBER.fullmatch(q.strip())
    return int(match.group(1)) if match else None


def _text_clause(q: str, title_column):
    """Free text: the title contains it, or it is the case number (``12`` or ``#12``)."""
    clauses = [title_column.contains(q, autoescape=True), Instance.title.contains(q, autoescape=True)]
    number = _case_number(q)
    if number is not None:
        clauses.append(Instance.id == number)
    return or_(*clauses)


def _matches(q: str, instance_id: int, *shown_titles: str) -> bool:
    """The search over what the user is shown (the masked view searches masked titles: a search is no oracle for
    the ID numbers it hides)."""
    return _case_number(q) == instance_id or any(q in (title or "") for title in shown_titles)


def _deadline_ok(warning: str | None, wanted: str) -> bool:
    return not wanted or (warning or "normal") == wanted


def _task_rows(user, tab: str, filters: dict[str, str]) -> list[dict[str, Any]]:
    masked = user.has_role("publicity_officer")

    def narrow(stmt):
        if filters["process"]:
            stmt = stmt.where(Instance.definition_key == filters["process"])
        if filters["q"] and not masked:
            stmt = stmt.where(_text_clause(filters["q"], TaskRow.title))
        return stmt

    narrowed = filters["process"] or (filters["q"] and not masked)
    stmt = inbox_rows_statement(user, tab, LIMIT, narrow if narrowed else None)
    names = process_names()
    language = lang()
    flags = PageFlags(language)  # the clock, each bureau's calendar and the deadline years' flags once a page
    rows = []
    for task in db.session.execute(stmt).all():
        warning = flags.warning(task.due_at, task.org_id)
        if not _deadline_ok(warning, filters["deadline"]):
            continue
        title = task.title
        if masked and permissions.task_view(user, task) != "full":  # the same masked titles as GET /api/v1/tasks
            title = permissions.shown({"t": title}, "masked")["t"]
        if masked and filters["q"] and not _matches(
                filters["q"], task.instance_id, title, permissions.shown({"t": task.case_title}, "masked")["t"]):
            continue
        rows.append({"id": task.id, "name": task.name, "instance_id": task.instance_id, "title": title,
                     "process": names.get(task.definition_key, task.definition_key),
                     "role": role_label(task.role, language), "assignee": task.assignee, "warning": warning,
                     "due": local(task.due_at, "%Y-%m-%d"),
                     "calendar_warning": flags.calendar_flag(task.due_at, task.org_id, task.instance_id)})
    return rows


def _case_rows(user, filters: dict[str, str]) -> list[dict[str, Any]]:
    worked = exists().where(Event.instance_id == Instance.id, Event.actor == user.username,
                            Event.stream.like("instance:%"))
    stmt = select(Instance).where(permissions.visible_instances_clause(user),
                                  or_(Instance.started_by == user.username, worked))
    if filters["process"]:
        stmt = stmt.where(Instance.definition_key == filters["process"])
    masked = user.has_role("publicity_officer")
    if filters["q"] and not masked:
        stmt = stmt.where(_text_clause(filters["q"], Instance.title))
    stmt = stmt.order_by(Instance.id.desc()).limit(LIMIT)
    names = process_names()
    instances = list(db.session.scalars(stmt))
    people = display_names({i.started_by for i in instances if i.started_by})
    rows = []
    for instance in instances:
        warning = warning_for(instance.due_at, org_id=instance.org_id) if instance.status == "running" else None
        if not _deadline_ok(warning, filters["deadline"]):
            continue
        view = permissions.case_view(user, instance) if masked else "full"
        title = permissions.shown({"t": instance.title}, view or "masked")["t"]
        if masked and filters["q"] and not _matches(filters["q"], instance.id, title):
            continue
        rows.append({"id": instance.id, "title": title,
                     "process": names.get(instance.definition_key, instance.definition_key),
                     "status": t(f"inbox_status_{instance.status}"), "status_key": instance.status,
                     "started_by": people.get(instance.started_by or "", instance.started_by or ""),
                     "started_at": local(instance.started_at), "warning": warning,
                     "due": local(instance.due_at, "%Y-%m-%d")})
    return rows


@web_blp.route("/inbox")
def inbox():
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    filters = _filters(user)
    tab = request.args.get("tab", "")
    if tab not in TABS:  # no tab chosen: my tasks, or the claimable ones when I hold none
        tab = "mine" if db.session.scalar(select(TaskRow.id).where(
            TaskRow.state == "ready", TaskRow.assignee == user.username).limit(1)) else "claimable"
    rows = _case_rows(user, filters) if tab == "cases" else _task_rows(user, tab, filters)
    unknown_years = []
    if user.has_role("admin") or user.has_role("process_owner"):  # admins are told which years to load
        from ...services.calendar_years import status as calendar_status

        unknown_years = calendar_status()["unknown_years_in_use"]
    processes = sorted(_process_names(user).items(), key=lambda kv: kv[0])
    return render_template("inbox/inbox.html", tab=tab, tabs=TABS, rows=rows, filters=filters,
                           filtered=any(filters.values()), filter_args={k: v for k, v in filters.items() if v}, processes=processes, deadlines=DEADLINES,
                           unknown_years=unknown_years)


def _back() -> str:
    """Where a claim or release returns: the inbox view it was made from (never another site)."""
    target = request.form.get("next", "")
    return target if target.startswith("/inbox") and "//" not in target else url_for("web.inbox")


@web_blp.route("/tasks/<task_id>/<action>", methods=["POST"])
def task_action(task_id: str, action: str):
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    handler = {"claim": task_service.claim, "unclaim": task_service.unclaim}.get(action)
    if handler is None:
        return redirect(url_for("web.inbox"))
    try:
        task = handler(task_id, user, client_addr())
        name = task.name
        db.session.commit()
    except SanxiangError as exc:
        db.session.rollback()
        said = page_message(exc.message, exc) or t(f"error_{status_of(exc)}")
        return render_template("message.html", message=said), status_of(exc)
    flash(t("inbox_claimed_ok" if action == "claim" else "inbox_released_ok", name=name), "ok")
    return redirect(_back())
