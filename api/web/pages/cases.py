"""The officer's cases: the "new" menu (新建: start a process the user may start) and the case page
(/cases/<id>: diagram with the done / current / waiting elements, the record, deadlines, evidence, open tasks).

Both use the API's checks: starting is ``POST /api/v1/instances``'s rule (``instance.start`` and
``check_startable``), the case page is ``GET /api/v1/instances/<id>``'s (``permissions.open_case``, the read
recorded on the case's access stream)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from SpiffWorkflow.task import TaskState
from sqlalchemy import select

from engine.clock import BEIJING
from engine.errors import FormDataInvalid, SanxiangError
from engine.roles import ROLES
from engine.snapshots import is_internal
from engine.walk import tasks_in_order

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...models import DefinitionFile, Event, Instance, TaskRow, User
from ...security import client_addr, current_user
from ...services import orgs
from ...services.deadlines import warning_for
from ...services.definitions import (
    SERVICE_STARTED,
    called_processes,
    check_startable,
    current_catalog,
    version_of,
)
from ...services.history import instance_stream
from ...services.instances import load_workflow, open_tasks
from ...services.snapshots import load_blob
from ...services.starts import declared_start_data, start_instance
from .. import nav, web_blp
from ..error_pages import render_error
from ..i18n import lang, t
from ..messages import translate

nav.add("web.new_case", "inbox_new", ("officer", "admin"), 15)

#: groups of the "new" menu, in order; a process key not listed here goes to "other"
GROUPS: dict[str, tuple[str, ...]] = {
    "cases": ("enforcement_case",),
    "permits": ("permit_application",),
    "inspections": ("random_inspection",),
}
#: SpiffWorkflow task states → the diagram's markers
MARKERS = {"COMPLETED": "done", "READY": "active", "STARTED": "waiting", "WAITING": "waiting"}


# --- shared helpers (the inbox uses them too) -----------------------------------------------------------------------

def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as Beijing local time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime(fmt)


@web_blp.app_template_filter("inbox_local")
def _local_filter(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local(value, fmt)


def process_names() -> dict[str, str]:
    """Process key → its name in the deployed BPMN (Chinese)."""
    return dict(current_catalog().process_names)


def role_label(role: str | None, language: str | None = None) -> str:
    return ROLES.get(role or "", {}).get(language or lang(), role or "")


def display_names(usernames: set[str]) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    return dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(names))).all())


def login_required():
    user = current_user(required=False)
    return user, (None if user is not None else redirect(url_for("web.login")))


def error_page(exc: SanxiangError):
    """The error as a page in the user's language (another bureau's case: the 404 page of a missing one)."""
    return render_error(status_of(exc), exc=exc)


# --- the "new" menu -------------------------------------------------------------------------------------------------

def startable(user: User) -> list[dict[str, Any]]:
    """The processes the user may start from the menu: the rule of ``POST /api/v1/instances`` (role
    ``instance.start``, a process the user's bureau runs), without called and service-started processes."""
    if not permissions.can(user, "instance.start"):
        return []
    catalog = current_catalog()
    skip = called_processes() | SERVICE_STARTED
    out = []
    for key in sorted(catalog.processes):
        if key in skip:
            continue
        try:
            version = check_startable(user, key)
        except SanxiangError:
            continue
        group = next((g for g, keys in GROUPS.items() if key in keys), "other")
        out.append({"key": key, "name": catalog.process_names.get(key) or key, "version": version.version,
                    "group": group, "fields": [(f, _field_label(f)) for f in sorted(_start_fields(key))]})
    return out


def _field_label(key: str) -> str:
    """A start data key's label: the label a deployed form gives the same key (the key itself when none does)."""
    from engine.forms import input_components

    for form in current_catalog().forms.values():
        for component in input_components(form):
            if component.get("key") == key and component.get("label"):
                return str(component["label"])
    return key


def _start_fields(key: str) -> set[str]:
    from engine.specs import bundle_manifest

    from ...services.definitions import load_files
    from ...services.runtime import spec_cache

    manifest = bundle_manifest(current_catalog(), key)
    bundle = spec_cache().get(key, manifest, lambda d: load_files([d])[d])
    return declared_start_data(bundle)


@web_blp.route("/cases/new")
def new_case():
    user, bounce = login_required()
    if bounce:
        return bounce
    items = startable(user)
    groups = [(g, [i for i in items if i["group"] == g]) for g in (*GROUPS, "other")]
    return render_template("cases/new.html", groups=[(g, rows) for g, rows in groups if rows], any=bool(items))


@web_blp.route("/cases/new/<key>", methods=["POST"])
def start_case(key: str):
    """Start ``key`` (with its declared start data, if any), then open the first task the user may work on, else
    the case page."""
    user, bounce = login_required()
    if bounce:
        return bounce
    try:
        permissions.require("instance.start")
        check_startable(user, key)
        fields = _start_fields(key)
        data = {k: request.form[k] for k in fields if request.form.get(k, "").strip()}
        instance = start_instance(key, data, user.username, permissions.acting_role(user, "instance.start"),
                                  client_addr(), declared_only=True, org_id=orgs.user_bureau(user),
                                  unit_id=orgs.user_org(user), trial=user.has_role("admin"))
        db.session.commit()
    except FormDataInvalid as exc:
        db.session.rollback()
        flash("; ".join(f"{k}: {', '.join(translate(str(m), lang()) for m in v)}" for k, v in exc.errors.items())
              or translate(exc.message, lang()), "bad")
        return redirect(url_for("web.new_case"))
    except SanxiangError as exc:
        db.session.rollback()
        return error_page(exc)
    name = process_names().get(key, key)
    flash(t("inbox_started", id=instance.id, name=name), "ok")
    first = next((r for r in open_tasks(instance.id) if user.has_role(r.role)), None)
    if first is not None:
        return redirect(url_for("web.task_page", task_id=first.id))
    return redirect(url_for("web.case_page", instance_id=instance.id))


# --- the case page --------------------------------------------------------------------------------------------------

def diagram_xml(instance: Instance) -> str:
    version = version_of(instance.definition_key, instance.version)
    content = db.session.get(DefinitionFile, version.sha256).content
    return content.decode("utf-8") if isinstance(content, bytes) else str(content)


def element_markers(instance: Instance) -> dict[str, str]:
    """Element id of the case's own diagram → ``done`` | ``active`` | ``waiting`` (a loop's element takes its
    latest state: active or waiting wins over done)."""
    # the element states the last step stored (its snapshot): the committed state, without touching a workflow
    # another request of this process may be stepping
    elements = load_blob(instance.state_ref) if instance.state_ref else None
    if not isinstance(elements, list):
        _, workflow = load_workflow(instance, for_update=False)
        elements = [[t.workflow.spec.name, t.task_spec.name, TaskState.get_name(t.state)]
                    for t in tasks_in_order(workflow) if not is_internal(t.task_spec.name)]
    rank = {"done": 0, "waiting": 1, "active": 2}
    out: dict[str, str] = {}
    for process_id, element_id, state in elements:
        marker = MARKERS.get(state)
        if process_id != instance.definition_key or marker is None:
            continue
        if element_id not in out or rank[marker] > rank[out[element_id]]:
            out[element_id] = marker
    return out


def element_names(instance: Instance) -> dict[str, str]:
    """Element id → name over every diagram the case runs on (its own and the processes it calls)."""
    from engine import xml as hardened

    from ...services.definitions import load_files

    names: dict[str, str] = {}
    files = load_files([sha for name, sha in (instance.manifest or {}).items() if name.endswith(".bpmn")])
    for content in files.values():
        tree = hardened.parse(content, "diagram.bpmn")
        names.update({node.get("id"): node.get("name") for node in tree.iter()
                      if isinstance(node.tag, str) and node.get("id") and node.get("name")})
    return names


def record_rows(instance: Instance, names: dict[str, str]) -> list[dict[str, Any]]:
    """The case's own stream as readable rows: when (Beijing), who, what (labels, not codes)."""
    events = list(db.session.scalars(select(Event).where(Event.stream == instance_stream(instance.id))
                                     .order_by(Event.seq)))
    people = display_names({e.actor for e in events if e.actor})
    rows = []
    for e in events:
        key = f"case_ev_{e.type}"
        label = t(key) if t(key) != key else t("case_ev_other")
        data = e.data or {}
        element = data.get("name") or names.get(e.element_id or "") or ""
        detail = element
        taken = [names[x] for x in data.get("taken") or [] if names.get(x)] if e.type == "engine_gateway" else []
        if taken:  # unnamed elements (joins, ends) are left out rather than shown by their ids
            detail = f"{element} — " + t("case_ev_branch", names="、".join(taken))
        if e.type == "evidence_uploaded":
            detail = data.get("title") or data.get("filename") or ""
        who = people.get(e.actor or "", e.actor) if e.actor and e.actor != "system" else t("case_system")
        rows.append({"seq": e.seq, "at": local(e.at), "who": who, "role": role_label(e.role) if e.role else "",
                     "what": label, "detail": detail})
    return rows


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)
    return None


def deadline_rows(instance: Instance, tasks: list[TaskRow], data: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    running = instance.status == "running"

    def add(label: str, due: datetime | None, fmt: str = "%Y-%m-%d") -> None:
        if due is not None:
            rows.append({"label": label, "date": local(due, fmt),
                         "warning": warning_for(due, org_id=instance.org_id) if running else None})

    for task in tasks:
        add(t("case_deadline_task", name=task.name), task.due_at)
    add(t("case_deadline_case"), instance.due_at)
    for key in sorted(k for k in data if k.endswith("_due")):
        due = _as_datetime(data[key])
        if due is None and isinstance(data[key], str) and len(data[key]) == 10:
            due = _as_datetime(data[key] + "T23:59:59")
        label_key = f"case_due_{key}"
        add(t(label_key) if t(label_key) != label_key else t("case_due_other"), due)
    if instance.next_due is not None:
        rows.append({"label": t("case_deadline_timer"), "date": local(instance.next_due), "warning": None})
    return rows


def evidence_rows(instance: Instance) -> list[dict[str, Any]]:
    from ...services.evidence import items_of

    out = []
    for item in items_of(instance.id):
        media = item.media_type or ""
        player = "video" if media.startswith("video/") else "audio" if media.startswith("audio/") else \
            "image" if media.startswith("image/") else None
        out.append({"title": item.title or item.filename or item.sha256[:12], "kind": t(f"case_evidence_kind_{item.kind}"),
                    "captured": local(item.captured_at), "place": item.place or "",
                    "uploaded": local(item.uploaded_at), "media_type": media, "player": player,
                    "url": url_for("evidence.EvidenceFile", sha256=item.sha256, instance_id=instance.id)})
    return out


def _av_section(instance: Instance) -> dict[str, Any]:
    from .av_section import case_section  # av_section imports this module's helpers

    return case_section(instance)


@web_blp.route("/cases/<int:instance_id>")
def case_page(instance_id: int):
    user, bounce = login_required()
    if bounce:
        return bounce
    try:
        # GET /api/v1/instances/<id>'s check; the read (data, record, evidence list) is recorded once
        _, instance, view = permissions.open_case(instance_id, what="case_page")
        xml = diagram_xml(instance)
        markers = element_markers(instance)
        if view != "full":  # the masked view has no history or past states (docs/ACCESS.md): where it is now only
            markers = {k: v for k, v in markers.items() if v != "done"}
    except SanxiangError as exc:
        return error_page(exc)
    names = element_names(instance)
    data = permissions.shown(instance.data or {}, view)
    title = permissions.shown({"t": instance.title}, view)["t"]
    tasks = open_tasks(instance.id)
    full = view == "full" and permissions.can(user, "instance.history")
    task_rows = []
    people = display_names({r.assignee for r in tasks if r.assignee})
    for r in tasks:
        mine = r.assignee == user.username or (r.assignee is None and user.has_role(r.role)
                                              and r.org_id in orgs.write_scope(user))
        task_rows.append({"id": r.id, "name": r.name, "role": role_label(r.role),
                          "title": permissions.shown({"t": r.title}, view)["t"],
                          "assignee": people.get(r.assignee or "", r.assignee or ""), "workable": mine,
                          "due": local(r.due_at, "%Y-%m-%d"), "warning": warning_for(r.due_at, org_id=r.org_id)})
    page = {
        "instance": instance, "title": title, "view": view,
        "process_name": process_names().get(instance.definition_key, instance.definition_key),
        "status": t(f"inbox_status_{instance.status}"),
        "started_by": display_names({instance.started_by or ""}).get(instance.started_by or "", instance.started_by),
        "records": record_rows(instance, names) if full else None,
        "deadlines": deadline_rows(instance, tasks, data),
        "evidence": evidence_rows(instance) if full and permissions.can(user, "evidence.read") else None,
        # the A/V analysis (api/web/pages/av_section.py), part of the one recorded read of the page
        "av": _av_section(instance) if full and permissions.can(user, "evidence.read") else None,
        "tasks": task_rows,
        # the current steps: the open tasks (of the called processes too) and the main diagram's ready elements
        "active": list(dict.fromkeys([r.name for r in tasks] + [names.get(k, k) for k, v in markers.items()
                                                                if v == "active" and names.get(k)])),
        "waiting": [names[k] for k, v in markers.items() if v == "waiting" and names.get(k)],
    }
    diagram = {"xml": xml, "markers": markers}
    return render_template("cases/case.html", page=page, diagram=diagram)

