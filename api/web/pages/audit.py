"""Audit pages: find a case, replay its history on the diagram, verify it, download the archive, read the case file
(案卷), and per process version the number of cases at and past each element.

Every page asks api/permissions.py as the API does: the search lists ``visible_instances_clause`` only, the replay
is ``instance.history`` and recorded as a history read, the case file is ``instance.archive`` and recorded; another
bureau's case is 404; a supervisor only reads."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from engine.clock import BEIJING
from engine.errors import NotFound, SanxiangError

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...models import Blob, DefinitionFile, DefinitionVersion, Event, Instance, User
from ...models.types import utcnow
from ...security import current_user
from ...services import case_file
from ...services import definitions as definition_service
from ...services.archive import case_file_context
from ...services.evidence import items_of
from ...services.history import instance_stream
from .. import nav, web_blp
from ..error_pages import render_error
from ..i18n import lang, t

nav.add("web.audit_search", "audit_menu", tuple(sorted(permissions.roles_for("instance.verify"))), order=60)

#: how many rows the search reads at most before filtering on case data, and how many it shows
SCAN_LIMIT = 5000
SHOW_LIMIT = 200
#: element states (engine/snapshots.py) that mean "the case is here now"
ACTIVE_STATES = frozenset({"READY", "WAITING", "STARTED"})


def _login():
    user = current_user(required=False)
    return user, (None if user is not None else redirect(url_for("web.login", next=request.path)))


def _error(exc: SanxiangError):
    return render_error(status_of(exc), exc.message, exc)


# --- search ---------------------------------------------------------------------------------------------------------

def _parse_day(value: str) -> date | None:
    """A search date (``YYYY-MM-DD``, 1900–2200 like every date the API takes).

    Raises:
        ValueError: not a date, or out of that range.
    """
    if not value:
        return None
    day = date.fromisoformat(value)
    if not 1900 <= day.year <= 2200:
        raise ValueError(f"{value}: dates run from 1900 to 2200")
    return day


def _day_start_utc(day: date) -> datetime:
    """Midnight of a Beijing day, as an aware datetime (the database compares in UTC)."""
    return datetime.combine(day, time(0), tzinfo=BEIJING)


def _process_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for key, name in db.session.execute(select(DefinitionVersion.key, DefinitionVersion.name)
                                        .where(DefinitionVersion.kind == "bpmn").order_by(DefinitionVersion.version)):
        names[key] = name  # the latest version's name wins
    return names


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


@web_blp.route("/audit")
def audit_search():
    """Cases the user may read, by number or title, party name (case data), process and start date."""
    user, login = _login()
    if login:
        return login
    try:
        permissions.require("instance.history")
    except SanxiangError as exc:
        return _error(exc)
    args = {k: (request.args.get(k) or "").strip() for k in ("q", "party", "process", "date_from", "date_to")}
    error = None
    try:
        day_from, day_to = _parse_day(args["date_from"]), _parse_day(args["date_to"])
    except ValueError:
        day_from = day_to = None
        error = t("audit_bad_date")
    stmt = select(Instance).where(permissions.visible_instances_clause(user))
    if args["process"]:
        stmt = stmt.where(Instance.definition_key == args["process"])
    if day_from:
        stmt = stmt.where(Instance.started_at >= _day_start_utc(day_from))
    if day_to:
        stmt = stmt.where(Instance.started_at < _day_start_utc(day_to + timedelta(days=1)))
    query = args["q"]
    number = re.fullmatch(r"(?:[A-Za-z_]+-)?#?(\d{1,9})", query)
    if number:
        stmt = stmt.where((Instance.id == int(number.group(1))) | Instance.title.ilike(_like(query), escape="\\"))
    elif query:
        stmt = stmt.where(Instance.title.ilike(_like(query), escape="\\"))
    rows = list(db.session.scalars(stmt.order_by(Instance.id.desc()).limit(SCAN_LIMIT)))
    if args["party"]:
        wanted = args["party"].casefold()
        rows = [r for r in rows if wanted in str((r.data or {}).get("party_name") or "").casefold()]
    capped = len(rows) > SHOW_LIMIT
    rows = rows[:SHOW_LIMIT]
    names = case_file.display_names({r.started_by for r in rows})
    processes = _process_names()
    here = lang()
    results = [{
        "id": r.id, "number": f"{r.definition_key}-{r.id}", "title": r.title,
        "process": processes.get(r.definition_key, r.definition_key), "key": r.definition_key, "version": r.version,
        "status": case_file.status_label(r.status, here),
        "started": case_file.local_time(r.started_at, with_seconds=False),
        "ended": case_file.local_time(r.ended_at, with_seconds=False) if r.ended_at else "",
        "started_by": case_file.person(r.started_by, names, here),
    } for r in rows]
    visible_keys = definition_service.visible(user, list(db.session.scalars(
        select(DefinitionVersion).where(DefinitionVersion.kind == "bpmn"))))
    options = sorted({(v.key, processes.get(v.key, v.key)) for v in visible_keys}, key=lambda kv: kv[1])
    return render_template("audit/search.html", args=args, results=results, options=options, error=error,
                           capped=capped, show_limit=SHOW_LIMIT), (422 if error else 200)


# --- replay ---------------------------------------------------------------------------------------------------------

def _main_bpmn(instance: Instance) -> tuple[str, bytes] | None:
    """(filename, content) of the BPMN file the case's process is defined in, from the files it started on."""
    manifest = instance.manifest or {}
    shas = [sha for name, sha in manifest.items() if name.endswith(".bpmn")]
    version = db.session.scalar(select(DefinitionVersion).where(
        DefinitionVersion.key == instance.definition_key, DefinitionVersion.kind == "bpmn",
        DefinitionVersion.sha256.in_(shas)).limit(1))
    sha = version.sha256 if version is not None else manifest.get(f"{instance.definition_key}.bpmn")
    row = db.session.get(DefinitionFile, sha) if sha else None
    return (row.filename, row.content) if row is not None else None


def _blobs(refs: set[str]) -> dict[str, Any]:
    if not refs:
        return {}
    return {b.sha256: json.loads(b.content) for b in db.session.scalars(select(Blob).where(Blob.sha256.in_(list(refs))))}


def marks(elements: list[list[str]] | None, process_id: str) -> dict[str, list[str]]:
    """The elements of ``process_id`` completed and active in a stored element-state snapshot."""
    done: set[str] = set()
    active: set[str] = set()
    for proc, element, state in elements or []:
        if proc != process_id:
            continue
        if state in ACTIVE_STATES:
            active.add(element)
        elif state == "COMPLETED":
            done.add(element)
    return {"completed": sorted(done - active), "active": sorted(active)}


def _event_view(ev: Event, names: dict[str, str], forms: dict, every: dict, here: str,
                processes: dict[str, str]) -> dict[str, Any]:
    """One step of the replay as the panel shows it: labels, local time, what was submitted, the rule matched."""
    data = ev.data or {}
    out: dict[str, Any] = {
        "seq": ev.seq, "type": ev.type, "type_label": case_file.event_label(ev.type, here),
        "actor": case_file.person(ev.actor, names, here), "role": case_file.role_label(ev.role, here),
        "at": case_file.local_time(ev.at), "element_id": ev.element_id, "element": data.get("name") or "",
        "state": ev.state_ref, "data": ev.data_ref, "submitted": [], "rules": [], "outputs": [], "taken": [],
        "details": [],
    }
    if ev.type == "task_completed":
        fields = {**every, **forms.get(data.get("form_key") or "", {})}
        out["submitted"] = case_file.labelled(data.get("submitted") or {}, fields, here)
    elif ev.type == "engine_decision":
        out["rules"] = [{"row": r.get("row"), "rule_id": r.get("rule_id"), "description": r.get("description") or ""}
                        for r in data.get("matched_rules") or []]
        out["decision_id"] = data.get("decision_id")
    if ev.type in ("engine_decision", "engine_script"):
        out["outputs"] = case_file.labelled(data.get("outputs") or {}, every, here)
    if ev.type == "engine_gateway":
        out["taken"] = list(data.get("taken") or [])
    if ev.type == "instance_started":  # the process by name, and the start data it was given
        data = {"definition_key": processes.get(data.get("definition_key") or "", data.get("definition_key")),
                "version": data.get("version"), **(data.get("data") or {})}
    if ev.type in case_file.DOCUMENT_EVENTS or ev.type in ("evidence_uploaded", "disclosure_withheld"):
        out["details"] = case_file.event_fields(data, every, here)
    return out


@web_blp.route("/audit/<int:instance_id>")
def audit_replay(instance_id: int):
    """The case's history on its diagram: a step slider, the event panel and the case data at each step."""
    user, login = _login()
    if login:
        return login
    try:
        user, instance, _ = permissions.open_case(instance_id, "instance.history", what="history")
    except SanxiangError as exc:
        return _error(exc)
    here = lang()
    events = list(db.session.scalars(select(Event).where(Event.stream == instance_stream(instance_id))
                                     .order_by(Event.seq)))
    forms = case_file.form_fields(case_file.manifest_files(instance))
    every = case_file.all_fields(forms)
    names = case_file.display_names({e.actor for e in events})
    stored = _blobs({r for e in events for r in (e.state_ref, e.data_ref) if r})
    states = {ref: marks(stored.get(ref), instance.definition_key) for ref in {e.state_ref for e in events if e.state_ref}}
    data = {ref: case_file.labelled(stored.get(ref) or {}, every, here)
            for ref in {e.data_ref for e in events if e.data_ref}}
    bpmn = _main_bpmn(instance)
    processes = _process_names()
    steps = [_event_view(e, names, forms, every, here, processes) for e in events]
    page = {
        "mode": "replay", "instance_id": instance.id, "steps": steps, "states": states, "data": data,
        "bpmn": bpmn[1].decode("utf-8") if bpmn else None,
        "verify_url": f"/api/v1/instances/{instance.id}/verify" if permissions.can(user, "instance.verify") else None,
        "texts": {k: t(k) for k in _JS_TEXTS}, "translate_url": url_for("web.messages_translate"),
    }
    return render_template("audit/replay.html", instance=instance, page=page, steps=steps,
                           status=case_file.status_label(instance.status, here),
                           may_archive=permissions.can(user, "instance.archive"),
                           may_verify=permissions.can(user, "instance.verify"))


#: strings the replay script shows (handed over in the page data)
_JS_TEXTS = ("audit_step_of", "audit_event_type", "audit_who", "audit_role", "audit_when", "audit_element",
             "audit_submitted", "audit_rule", "audit_outputs", "audit_taken", "audit_details", "audit_no_data",
             "audit_verified", "audit_altered", "audit_verify_failed", "audit_verify_summary", "audit_check_chain",
             "audit_check_replay", "audit_check_definitions", "audit_check_evidence", "audit_check_row", "audit_ok",
             "audit_failed", "audit_problem_where", "audit_counts_now", "audit_counts_past", "audit_legend_done",
             "audit_legend_active", "audit_active_at_step", "audit_where_stream", "audit_where_seq",
             "audit_where_field", "audit_where_file", "audit_where_element_id", "audit_where_evidence_id",
             "audit_where_ref", "audit_where_key", "audit_where_version")


# --- the case file (案卷) -------------------------------------------------------------------------------------------

@web_blp.route("/audit/<int:instance_id>/case-file")
def audit_case_file(instance_id: int):
    """The case file as the archive's 案卷.html has it, in the page's language; recorded as a read."""
    user, login = _login()
    if login:
        return login
    try:
        user, instance, _ = permissions.open_case(instance_id, "instance.archive", what="case_file")
    except SanxiangError as exc:
        return _error(exc)
    own = list(db.session.scalars(select(Event).where(Event.stream == instance_stream(instance_id))
                                  .order_by(Event.seq)))
    context = case_file_context(instance, own, case_file.manifest_files(instance), items_of(instance.id), lang())
    return render_template("audit/case_file.html", **context, tr=t, exported_label="audit_cf_viewed",
                           exported_by=user.display_name or user.username,
                           exported_at=case_file.local_time(utcnow()))


# --- per-version counts ---------------------------------------------------------------------------------------------

_NODE_SUFFIXES = ("Task", "Event", "Gateway")
_NODE_TAGS = ("task", "subProcess", "callActivity", "transaction")


def _element_names(content: bytes, process_id: str) -> list[tuple[str, str]]:
    """(id, name) of the flow elements of ``process_id`` in diagram order (sequence flows left out)."""
    from engine.xml import parse

    root = parse(content).getroot()
    out: list[tuple[str, str]] = []
    for proc in root.iter("{*}process"):
        if proc.get("id") != process_id:
            continue
        for el in proc.iter():
            tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
            if el is proc or not el.get("id") or not (tag.endswith(_NODE_SUFFIXES) or tag in _NODE_TAGS):
                continue
            out.append((el.get("id"), el.get("name") or el.get("id")))
    return out


def version_counts(user: User, key: str, version: int) -> dict[str, dict[str, int]]:
    """element id -> {"now": running cases at it, "past": cases that completed it}, over the cases of one process
    version the user may read."""
    rows = list(db.session.execute(select(Instance.status, Instance.state_ref).where(
        Instance.definition_key == key, Instance.version == version, permissions.visible_instances_clause(user))))
    stored = _blobs({ref for _, ref in rows if ref})
    counts: dict[str, dict[str, int]] = {}
    for status, ref in rows:
        found = marks(stored.get(ref), key)
        for element in found["completed"]:
            counts.setdefault(element, {"now": 0, "past": 0})["past"] += 1
        if status == "running":
            for element in found["active"]:
                counts.setdefault(element, {"now": 0, "past": 0})["now"] += 1
    return counts


@web_blp.route("/audit/versions/<key>/<int:version>")
def audit_version(key: str, version: int):
    """One process version's diagram with the number of cases at and past each element."""
    user, login = _login()
    if login:
        return login
    try:
        permissions.require("instance.history")
        ver = definition_service.version_of(key, version)
        if not definition_service.visible(user, [ver]):
            raise NotFound(f"definition '{key}' version {version} not found")
    except SanxiangError as exc:
        return _error(exc)
    content = db.session.get(DefinitionFile, ver.sha256).content
    counts = version_counts(user, key, version)
    cases = db.session.scalar(select(db.func.count()).select_from(Instance).where(
        Instance.definition_key == key, Instance.version == version, permissions.visible_instances_clause(user)))
    every = [{"id": i, "name": n, **counts.get(i, {"now": 0, "past": 0})} for i, n in _element_names(content, key)]
    elements = [e for e in every if e["now"] or e["past"]]
    others = sorted(v for (v,) in db.session.execute(select(DefinitionVersion.version).where(
        DefinitionVersion.key == key, DefinitionVersion.kind == "bpmn")) if v != version)
    page = {"mode": "counts", "bpmn": content.decode("utf-8"), "counts": counts,
            "texts": {k: t(k) for k in _JS_TEXTS}}
    return render_template("audit/version.html", ver=ver, elements=elements, cases=cases, page=page, others=others,
                           zero=len(every) - len(elements))
