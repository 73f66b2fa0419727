"""Lint rules beyond the XSD and SpiffWorkflow's parser.

* every Python expression (scripts, pre/post scripts, conditions, timer
  expressions, DMN input expressions and output entries) parses and stays
  inside the sandbox of :mod:`engine.scripting`;
* every user task sits in a lane named after a known role and references, by
  its ``formKey`` property, a form that exists in the catalog;
* every call activity calls a known process, every business-rule task a known
  decision;
* decisions (APL 58, docs/DOMAIN.md §3): a task with ``kind=decision`` sits in the
  head's lane, a user task whose form records ``decision`` carries ``kind=decision``,
  and no script sets ``decision``;
* on-site acts (APL 55, docs/DOMAIN.md §1.2): a user task whose form collects the on-site duties
  (``duty_*`` keys) is an enforcement act and carries an ``actKind``;
* every message event names a message the file defines (else it would run as a plain event);
* no Camunda or Zeebe extension is left for the engine to ignore (the import of engine/interop/ maps them).
"""
from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable

from lxml import etree

from .definitions import NS, Catalog
from .dmn_check import check_tables
from .duties import duty_keys
from .errors import ErrorBag, ScriptError
from .forms import input_components
from .proposal import DECISION_KEY
from .roles import ROLES, role_for_lane
from .scripting import check_source


def _check_python(bag: ErrorBag, file: str, el: etree._Element, owner_id: str | None, what: str, mode: str) -> None:
    """Check one expression or script; the reported line is the line in the file."""
    raw = el.text or ""
    if not raw.strip():
        if mode == "eval":
            bag.add(file, owner_id, el.sourceline, f"{what} is empty")
        return
    body = raw.lstrip()
    first_line = el.sourceline + raw[: len(raw) - len(body)].count("\n")
    source = body.strip() if mode == "eval" else textwrap.dedent(raw.lstrip("\n").rstrip())
    if mode == "exec":
        first_line = el.sourceline + (len(raw) - len(raw.lstrip("\n")))
    try:
        check_source(source, mode)
    except ScriptError as exc:
        bag.add(file, owner_id, first_line + (exc.line - 1 if exc.line else 0), f"{what}: {exc.message}")


def _owner_id(el: etree._Element) -> str | None:
    while el is not None:
        if el.get("id"):
            return el.get("id")
        el = el.getparent()
    return None


def _lint_python(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    checks: list[tuple[str, str, str]] = [
        ("//bpmn:script", "script", "exec"),
        ("//spiffworkflow:preScript", "pre-script", "exec"),
        ("//spiffworkflow:postScript", "post-script", "exec"),
        ("//bpmn:conditionExpression", "condition", "eval"),
        ("//bpmn:timeDate", "timer expression", "eval"),
        ("//bpmn:timeDuration", "timer expression", "eval"),
        ("//bpmn:timeCycle", "timer expression", "eval"),
    ]
    for xpath, what, mode in checks:
        for el in tree.xpath(xpath, namespaces=NS):
            _check_python(bag, file, el, _owner_id(el), what, mode)


def _lanes(tree: etree._ElementTree) -> dict[str, str]:
    """flow node id -> lane name."""
    result: dict[str, str] = {}
    for lane in tree.xpath("//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            result[(ref.text or "").strip()] = lane.get("name") or ""
    return result


def _properties(el: etree._Element) -> dict[str, str]:
    return {
        p.get("name"): p.get("value")
        for p in el.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    }


def _lane_lines(tree: etree._ElementTree) -> dict[str, tuple[str, int]]:
    """lane name -> (id, line) of the first lane so named."""
    found: dict[str, tuple[str, int]] = {}
    for lane in tree.xpath("//bpmn:lane", namespaces=NS):
        found.setdefault(lane.get("name") or "", (lane.get("id") or "?", lane.sourceline))
    return found


def _lint_tasks(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    lanes = _lanes(tree)
    known = ", ".join(f"{k} ({v['zh']})" for k, v in ROLES.items())
    lane_at = _lane_lines(tree)
    for task in tree.xpath("//bpmn:userTask", namespaces=NS):
        tid = task.get("id")
        lane = lanes.get(tid)
        if lane is None:
            bag.add(file, tid, task.sourceline, "user task is not in any lane")
        elif role_for_lane(lane) is None:
            lane_id, lane_line = lane_at.get(lane, ("?", 0))
            bag.add(file, tid, task.sourceline, f"user task sits in lane '{lane}' ({lane_id}, line {lane_line}), "
                    f"which is not a known role: name the lane after a role ({known})")
        form_key = _properties(task).get("formKey")
        if not form_key:
            bag.add(file, tid, task.sourceline, "user task has no formKey property")
        elif form_key not in catalog.forms:
            bag.add(file, tid, task.sourceline, f"form '{form_key}' does not exist in forms/")
        _lint_decision_task(catalog, file, task, lane, bag)
        _lint_act_task(catalog, file, task, bag)
    for call in tree.xpath("//bpmn:callActivity", namespaces=NS):
        called = call.get("calledElement")
        if called not in catalog.processes:
            bag.add(file, call.get("id"), call.sourceline, f"called process '{called}' is not deployed")
    for brt in tree.xpath("//bpmn:businessRuleTask", namespaces=NS):
        refs = brt.xpath("bpmn:extensionElements/spiffworkflow:calledDecisionId", namespaces=NS)
        decision = (refs[0].text or "").strip() if refs else None
        if decision not in catalog.decisions:
            bag.add(file, brt.get("id"), brt.sourceline, f"decision '{decision}' is not deployed")


def _lint_decision_task(catalog: Catalog, file: str, task: etree._Element, lane: str | None, bag: ErrorBag) -> None:
    props = _properties(task)
    tid = task.get("id")
    form = catalog.forms.get(props.get("formKey") or "")
    writes_decision = form is not None and any(c.get("key") == DECISION_KEY for c in input_components(form))
    role = role_for_lane(lane) if lane is not None else None
    if props.get("kind") == "decision" and role not in (None, "head"):
        bag.add(file, tid, task.sourceline,
                f"a decision task (kind=decision) must sit in the head (负责人) lane, not '{lane}' (APL 58)")
    elif writes_decision and props.get("kind") != "decision":
        bag.add(file, tid, task.sourceline,
                f"form '{props.get('formKey')}' records '{DECISION_KEY}': the task must carry kind=decision "
                "so the legal-review gate applies (APL 58)")


def _lint_act_task(catalog: Catalog, file: str, task: etree._Element, bag: ErrorBag) -> None:
    props = _properties(task)
    form = catalog.forms.get(props.get("formKey") or "")
    duties = duty_keys(c.get("key") for c in input_components(form)) if form is not None else []
    if duties and not props.get("actKind"):
        bag.add(file, task.get("id"), task.sourceline,
                f"form '{props.get('formKey')}' records the on-site duties ({', '.join(duties)}): the task is an "
                "enforcement act and must carry an actKind property, so the two-officer, audio/video and "
                "on-site duty rules apply (APL 42, 55)")


def _assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(source.strip("\n")))
    except SyntaxError:
        return set()  # reported by _lint_python
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _lint_scripted_decisions(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    xpath = "//bpmn:script | //spiffworkflow:preScript | //spiffworkflow:postScript"
    for el in tree.xpath(xpath, namespaces=NS):
        if DECISION_KEY in _assigned_names(el.text or ""):
            bag.add(file, _owner_id(el), el.sourceline,
                    f"a script sets '{DECISION_KEY}': decisions are made by the head in a decision task after "
                    "the legal review, never by a script (APL 58)")


def lint_message_events(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    """A message event needs its message: without a ``messageRef`` to a ``bpmn:message`` of the file, the parser
    makes it a plain event, which runs on at once instead of waiting for (or sending) the message, and a
    ``messageRef`` to nothing fails inside SpiffWorkflow's parser with an unhelpful TypeError — so
    :func:`engine.definitions.load_catalog` runs this before it asks the parser for the processes."""
    messages = {el.get("id") for el in tree.xpath("//bpmn:message", namespaces=NS)}
    for el in tree.xpath("//bpmn:messageEventDefinition", namespaces=NS):
        ref = el.get("messageRef")
        event = el.getparent()
        if not ref or ref not in messages:
            what = f"names the message '{ref}', which the file does not define" if ref else "names no message"
            bag.add(file, event.get("id") if event is not None else _owner_id(el), el.sourceline,
                    f"the message event {what} (messageRef to a bpmn:message): it would run as a plain event "
                    "without waiting for a message")


def _lint_dmn(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    for el in tree.getroot().iter("{*}inputExpression"):
        text = el.find("{*}text")
        if text is not None:
            _check_python(bag, file, text, _owner_id(el), "DMN input expression", "eval")
    for entry in tree.getroot().iter("{*}outputEntry"):
        text = entry.find("{*}text")
        if text is not None and (text.text or "").strip():
            _check_python(bag, file, text, entry.get("id"), "DMN output entry", "eval")


def _lint_foreign(catalog: Catalog, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    """Camunda/Zeebe extensions are never dropped silently on a direct deploy (engine/interop/ maps them)."""
    from .interop import foreign_problems  # local import: interop needs engine.definitions

    bag.problems.extend(foreign_problems(file, tree, catalog.files.get(file, b"")))


LINTERS: dict[str, list[Callable[[Catalog, str, etree._ElementTree, ErrorBag], None]]] = {
    "bpmn": [_lint_python, _lint_tasks, _lint_scripted_decisions, _lint_foreign],
    "dmn": [_lint_dmn, check_tables],
}


def lint_catalog(catalog: Catalog, bag: ErrorBag, only: set[str] | None = None) -> None:
    """Add a problem to ``bag`` for every lint finding in the catalog's XML files (those in ``only``, if given)."""
    for file, tree in catalog.trees.items():
        if only is not None and file not in only:
            continue
        kind = "dmn" if file.endswith(".dmn") else "bpmn"
        for linter in LINTERS[kind]:
            linter(catalog, file, tree, bag)
