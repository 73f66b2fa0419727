"""The task page: the task's form-js form rendered by the form-js viewer (frontend/src/pages/task.js) with the case
data, submitted as JSON to ``POST /tasks/<id>/submit`` (the same task service and validation as the API); a refusal
answers with the field errors or the rule in the page's language, so the browser keeps what was typed. A plain HTML
form inside <noscript> posts to ``POST /tasks/<id>`` for browsers without JavaScript."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for

from engine.errors import FormDataInvalid, NotFound, RuleViolation, SanxiangError
from engine.runtime import find_task

from ... import permissions
from ...errors import status_of
from ...extensions import db
from ...models import Instance, TaskRow, User
from ...registry.service import form_registry_values
from ...security import client_addr, current_user
from ...services import parties, training
from ...services import tasks as task_service
from ...services.instances import get_instance, load_workflow
from ...services.public_masking import REVIEW_FORMS, review_task_data
from .. import web_blp
from ..error_pages import page_message
from ..forms import MESSAGES, choice_labels, display, field_errors, fill_texts, parse_submission
from ..i18n import lang, t
from ..messages import WIDGET_TEXTS, translate
from ..strings.rules import RULES, refusal
from .task_context import evidence_panel, review_round

#: forms whose decision text may start from the draft the review passed (the head changes it if needed)
_PREFILL = {"head_decision": {"decision_text": "draft_decision"}}
#: what a decision task shows above its form (key, label string): the proposal, the review and the discussion
_SUMMARY = {"head_decision": (("proposal_text", "task_sum_proposal"), ("review_outcome", "task_sum_review_outcome"),
                              ("review_opinion", "task_sum_review_opinion"), ("counsel_opinion", "task_sum_counsel"),
                              ("collective_decision", "task_sum_collective"), ("conclusion", "task_sum_conclusion"))}


def _open(task_id: str, user: User, record: bool):
    task = task_service.get_task(task_id)
    view = permissions.task_view(user, task)  # the same check as GET /api/v1/tasks/<id>
    if record:
        permissions.record(user, task.instance_id, "task", view, detail={"task_id": task.id})
        task = task_service.get_task(task_id)
    instance = get_instance(task.instance_id)
    bundle, workflow = load_workflow(instance, for_update=False)
    return task, view, instance, bundle, workflow


def _values(task: TaskRow, instance: Instance, form: dict[str, Any], workflow, view) -> dict[str, Any]:
    values = dict(instance.data)
    if task.state == "ready":
        values.update(find_task(workflow, task.spiff_task_id).data)  # the task's data, as the API shows it
    values.update(form_registry_values(form))  # options of valuesKey fields
    if task.state == "ready":
        if task.form_key in REVIEW_FORMS:  # original beside masked, spans marked (OGI 37)
            values = review_task_data(task.form_key, values)
        for key, source in _PREFILL.get(task.form_key or "", {}).items():
            if values.get(key) in (None, "") and values.get(source):
                values[key] = values[source]
    return permissions.shown(values, view)


def _page(task, view, instance, bundle, workflow, user: User, errors: dict, status: int):
    form = bundle.forms.get(task.form_key or "", {"components": []})
    values = _values(task, instance, form, workflow, view)
    labels = choice_labels(bundle.forms.values())
    shown_case = instance if view == "full" else SimpleNamespace(  # the typed title may carry an ID number
        id=instance.id, title=permissions.shown({"t": instance.title}, view)["t"])
    try:
        act_kind = bundle.task_meta(task.process_id, task.element_id).properties.get("actKind")
    except NotFound:
        act_kind = None
    evidence = evidence_panel(user, task, instance, act_kind)
    rounds = (review_round(task, values, bundle.forms, labels, lang(), view)
              if task.state == "ready" and "legal_review" in (task.kind, task.form_key) else None)
    summary = [{"label": t(label), "value": display(values.get(key), key, labels, lang())}
               for key, label in _SUMMARY.get(task.form_key or "", ()) if values.get(key) not in (None, "", [])]
    data = {"task": {"id": task.id, "name": task.name, "state": task.state, "form_key": task.form_key},
            "schema": fill_texts(form, values, labels, lang()), "data": _json_safe(values),
            "submit_url": url_for("web.task_submit", task_id=task.id), "inbox_url": url_for("web.inbox"),
            "evidence": evidence, "lang": lang(),
            "rules": {code: refusal(code, lang()) for code in RULES},
            "messages": [[pattern.pattern, zh if lang() == "zh" else en] for pattern, zh, en in MESSAGES],
            "widget_texts": {english: t(key) for english, key in WIDGET_TEXTS.items()}}
    # the party's earlier records (recorded reads, committed before the page is sent) and the reviewers' training
    party_history = parties.history_for(user, task, instance, client_addr()) if view == "full" else []
    reviewer_training = training.for_task(task)
    db.session.commit()
    return render_template("task/task.html", task=task, instance=shown_case, form=form, values=values,
                           errors=errors, user=user, data=data, rounds=rounds, evidence=evidence,
                           summary=summary, party_history=party_history,
                           reviewer_training=reviewer_training), status


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """Case data as the page's JSON carries it (dates and the like as text)."""
    return json.loads(json.dumps(values, default=str))


@web_blp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task_page(task_id: str):
    user = current_user(required=False)
    if user is None:
        return redirect(url_for("web.login"))
    try:
        task, view, instance, bundle, workflow = _open(task_id, user, record=request.method == "GET")
    except SanxiangError as exc:
        return render_template("message.html", message=_said(exc)), status_of(exc)
    errors: dict = {}
    if request.method == "POST":  # the no-JS fallback: an HTML form post
        form = bundle.forms.get(task.form_key or "", {"components": []})
        submitted = parse_submission(form, request.form)
        try:
            done = task_service.complete(task_id, user, submitted, client_addr())
            db.session.commit()
            flash(_done_message(done), "ok")
            return redirect(url_for("web.inbox"))
        except FormDataInvalid as exc:
            db.session.rollback()
            errors = field_errors(exc.errors, lang())
            # the page is shown again, with the case: a read like the GET's (docs/ACCESS.md)
            permissions.record(user, instance.id, "task", view, detail={"task_id": task_id})
            task, view, instance, bundle, workflow = _open(task_id, user, record=False)
        except SanxiangError as exc:
            db.session.rollback()
            return render_template("message.html", message=_said(exc)), status_of(exc)
    return _page(task, view, instance, bundle, workflow, user, errors, 422 if errors else 200)


def _said(exc: SanxiangError) -> str:
    """A refusal in the page's language: the rule's words, the catalogue's translation, or the status's text."""
    return page_message(exc.message, exc) or t(f"error_{status_of(exc)}")


def _done_message(instance: Instance) -> str:
    """已提交 and what happens next: the case's open tasks now, or that the case is completed."""
    if instance.status == "completed":
        return t("task_done_completed")
    names = sorted({r.name for r in db.session.query(TaskRow).filter(
        TaskRow.instance_id == instance.id, TaskRow.state == "ready")})
    if not names:
        return t("task_done")
    return t("task_done_next", tasks="、".join(names) if lang() == "zh" else ", ".join(names))


@web_blp.route("/tasks/<task_id>/submit", methods=["POST"])
def task_submit(task_id: str):
    """The form-js data as JSON (``{"data": {...}}``): 200 ``{"redirect"}`` with a flash message, 422 ``{"errors":
    {field key: [messages in the page's language]}}``, 403 ``{"refusal": {"rule", "text", "advice"}}``."""
    user = current_user(required=False)
    if user is None:
        return jsonify({"message": t("error_401")}), 401
    body = request.get_json(silent=True)
    data = body.get("data") if isinstance(body, dict) else None
    try:
        permissions.task_view(user, task_service.get_task(task_id))  # scope and role before the body: 404/403
        if not isinstance(data, dict):
            return jsonify({"message": t("error_422"), "errors": {}}), 400
        done = task_service.complete(task_id, user, data, client_addr())
        db.session.commit()
    except FormDataInvalid as exc:
        db.session.rollback()
        return jsonify({"message": t("errors"), "errors": field_errors(exc.errors, lang())}), 422
    except RuleViolation as exc:
        db.session.rollback()
        return jsonify({"message": exc.message, "refusal": refusal(exc.rule, lang())}), 403
    except SanxiangError as exc:
        db.session.rollback()
        status = status_of(exc)
        return jsonify({"message": t(f"error_{status}") if status in (404, 409) else translate(exc.message, lang())}), \
            status
    flash(_done_message(done), "ok")
    return jsonify({"redirect": url_for("web.inbox"), "status": done.status})
