"""Diagrams from other modelers: map Camunda 7, Camunda 8 (Zeebe) and plain bpmn.io diagrams onto Sanxiang.

Input is what the process owner uploads (``filename -> bytes``: ``.bpmn`` diagrams and the Camunda Forms
``.form`` files they link) plus the owner's choices of a role per lane or candidate group. Output is a
:class:`Proposal`: the files a deploy would store (each diagram rewritten to the engine's own extensions, one
form per user task), what was mapped to what, and a :class:`~engine.errors.Problem` with element and line for
everything that cannot be mapped — nothing is dropped without being named.

Mapping (docs/DOMAIN.md "Diagrams from other modelers"):

* roles: a user task's ``camunda:candidateGroups`` (Zeebe: ``zeebe:assignmentDefinition candidateGroups``), else
  its lane's name, else nothing, becomes a role — by the owner's choice, else by name (role key, Chinese or English
  label, a few common group names), else ``officer``. The task then sits in a lane named after that role
  (lanes are renamed, created or the task moved);
* forms: ``camunda:formRef`` / ``zeebe:formDefinition formId`` link an uploaded Camunda form by its ``id``;
  ``camunda:formKey`` names a form of the catalog or an uploaded ``.form`` (``camunda-forms:…:name.form``);
  a Zeebe ``zeebe:userTaskForm`` embeds its form; otherwise a form-js form is generated from
  ``camunda:formData``/``camunda:formField`` (types string, long, boolean, date, enum and their constraints), or a
  one-field note form when the task names no fields;
* due dates: ``camunda:dueDate`` / ``zeebe:taskSchedule dueDate`` as ``${var}`` / ``=var`` name the data key of
  the deadline; an ISO date, an ISO period ``PnD`` or ``${dateTime().plusDays(n)…}`` becomes a pre-script setting
  a deadline key; anything else is a problem;
* expressions: a ``${…}`` (JUEL) or ``=…`` (FEEL) condition made only of names, literals, comparisons, arithmetic
  and ``and``/``or``/``not`` is rewritten as Python; a bare ISO timer literal is quoted;
* Camunda properties become the engine's properties; execution hints (async, job priority, history time to
  live, version tag, …) have no effect here and are listed as ``ignored``;
* everything else in the Camunda or Zeebe namespaces (Java classes, listeners, input/output mappings, connectors,
  scripts in another language, assignees, job workers) is a problem.

Pure: no IO, no flask, no database.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from . import xml
from .definitions import NS, file_kind, form_too_deep, name_everything
from .errors import DefinitionInvalid, Problem
from .roles import ROLES, role_for_lane
from .scripting import check_source

BPMN = NS["bpmn"]
SPIFF = NS["spiffworkflow"]
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI = "http://activiti.org/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
#: namespaces whose attributes and elements the engine does not read: each is mapped, ignored or a problem
FOREIGN = {CAMUNDA: "camunda", ACTIVITI: "activiti", ZEEBE: "zeebe"}

#: execution hints with no meaning in Sanxiang (listed as ignored, never a problem)
IGNORED = {
    "asyncBefore", "asyncAfter", "async", "exclusive", "jobPriority", "taskPriority", "priority",
    "historyTimeToLive", "versionTag", "isStartableInTasklist", "candidateStarterGroups", "candidateStarterUsers",
    "formRefBinding", "formRefVersion", "calledElementBinding", "calledElementVersion", "calledElementVersionTag",
    "calledElementTenantId", "failedJobRetryTimeCycle", "initiator", "formHandlerClass", "userTask",
    "followUpDate", "variablesForLanguage",
}
#: Zeebe elements whose mapped attributes were taken out; what is left of them is a problem or ignored
MAPPED_ELEMENTS = {"assignmentDefinition", "taskSchedule", "calledElement", "formDefinition", "calledDecision",
                   "loopCharacteristics"}
#: common group names of other modelers' diagrams -> role
GROUP_SYNONYMS = {
    "officers": "officer", "staff": "officer", "clerk": "officer", "clerks": "officer", "users": "officer",
    "user": "officer", "inspector": "officer", "inspectors": "officer", "enforcement": "officer",
    "reviewer": "legal_reviewer", "reviewers": "legal_reviewer", "legal": "legal_reviewer",
    "manager": "head", "managers": "head", "management": "head", "approver": "head", "approvers": "head",
    "supervisor": "head", "director": "chief", "lawyer": "legal_counsel", "counsel": "legal_counsel",
    "auditors": "auditor", "admins": "admin", "administrators": "admin",
}
DEFAULT_ROLE = "officer"
_KEY = re.compile(r"[^A-Za-z0-9_]+")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_TIMER = re.compile(r"^(R\d*/)?(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?|\d{4}-\d{2}-\d{2}T\S+)$")
_PLUS_DAYS = re.compile(r"^\$\{\s*dateTime\(\)\s*\.plusDays\(\s*(\d{1,4})\s*\)(\s*\.toDate\(\))?\s*\}$")
_PERIOD_DAYS = re.compile(r"^=?\s*P(\d{1,4})D$")


@dataclass
class RoleChoice:
    """One lane or candidate group (or the lack of both) and the role its user tasks get."""

    source: str  # "candidateGroups" | "lane" | "none"
    name: str
    role: str
    reason: str  # "chosen" | "name" | "default"
    tasks: list[str] = field(default_factory=list)
    element_id: str | None = None
    line: int | None = None


@dataclass
class FormChoice:
    task_id: str
    line: int | None
    form_key: str
    source: str  # "catalog" | "formRef" | "formKey" | "userTaskForm" | "formData" | "generated"
    fields: list[str] = field(default_factory=list)


@dataclass
class DeadlineChoice:
    task_id: str
    line: int | None
    expression: str
    data_key: str
    script: str | None = None


@dataclass
class Proposal:
    files: dict[str, bytes] = field(default_factory=dict)
    roles: list[RoleChoice] = field(default_factory=list)
    forms: list[FormChoice] = field(default_factory=list)
    deadlines: list[DeadlineChoice] = field(default_factory=list)
    ignored: list[Problem] = field(default_factory=list)
    #: changes the import makes beyond the mapping (e.g. a process made executable)
    notes: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [{"filename": n, "kind": file_kind(n), "size": len(c)} for n, c in sorted(self.files.items())],
            "roles": [asdict(r) for r in self.roles],
            "forms": [asdict(f) for f in self.forms],
            "deadlines": [asdict(d) for d in self.deadlines],
            "ignored": [p.as_dict() for p in self.ignored],
            "notes": [p.as_dict() for p in self.notes],
            "problems": [p.as_dict() for p in self.problems],
        }


def proposed_role(name: str, mapping: dict[str, str] | None = None) -> tuple[str, str]:
    """(role, reason) for a lane or group name: the owner's choice, a name the roles know, or the default."""
    chosen = (mapping or {}).get(name)
    if chosen in ROLES:
        return chosen, "chosen"
    known = role_for_lane(name)
    if known is None:
        lowered = name.strip().lower()
        known = next((k for k, v in ROLES.items() if v["en"].lower() == lowered), None) or GROUP_SYNONYMS.get(lowered)
    return (known, "name") if known else (DEFAULT_ROLE, "default")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ns(tag: Any) -> str | None:
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def _owner(el: etree._Element) -> etree._Element:
    while el is not None and not el.get("id"):
        el = el.getparent()
    return el


def attribute_line(lines: list[bytes], el: etree._Element, name: str) -> int | None:
    """The line an attribute is written on: libxml2 gives an element the line its start tag ends on."""
    needle = f"{name}=".encode()
    line = el.sourceline
    for n in range(line or 0, max(0, (line or 0) - 40), -1):
        if 0 < n <= len(lines) and needle in lines[n - 1]:
            return n
        if 0 < n <= len(lines) and n != line and b"<" in lines[n - 1] and b">" in lines[n - 1].split(b"<")[-1]:
            break
    return line


def _key(text: str) -> str:
    return _KEY.sub("_", text).strip("_")[:80] or "form"


class _Importer:
    def __init__(self, uploads: dict[str, bytes], catalog_forms: set[str], mapping: dict[str, str] | None) -> None:
        self.uploads = uploads
        self.catalog_forms = catalog_forms
        self.mapping = mapping or {}
        self.out = Proposal()
        self.linked: dict[str, tuple[str, dict, str]] = {}  # form id -> (filename, form, text)
        self.roles: dict[tuple[str, str], RoleChoice] = {}
        self.file = ""
        self.lines: list[bytes] = []
        self.used_forms: set[str] = set()  # uploaded .form files some task links

    # -- problems ---------------------------------------------------------------------------------
    def problem(self, el: etree._Element, message: str, attribute: str | None = None) -> None:
        owner = _owner(el)
        line = attribute_line(self.lines, el, attribute) if attribute else el.sourceline
        self.out.problems.append(Problem(self.file, owner.get("id") if owner is not None else None, line, message))

    def ignore(self, el: etree._Element, what: str, attribute: str | None = None) -> None:
        owner = _owner(el)
        line = attribute_line(self.lines, el, attribute) if attribute else el.sourceline
        self.out.ignored.append(Problem(self.file, owner.get("id") if owner is not None else None, line,
                                        f"{what} has no effect in Sanxiang and is left out"))

    # -- forms uploaded beside the diagrams --------------------------------------------------------
    def read_forms(self) -> None:
        for name, content in sorted(self.uploads.items()):
            if file_kind(name) != "form":
                continue
            try:
                text = content.decode("utf-8")
                too_deep = form_too_deep(text)
                if too_deep:
                    self.out.problems.append(Problem(name, None, 1, too_deep))
                    continue
                form = json.loads(text)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                self.out.problems.append(Problem(name, None, getattr(exc, "lineno", 1) or 1,
                                                 f"form is not valid JSON: {exc}"))
                continue
            if not isinstance(form, dict):
                self.out.problems.append(Problem(name, None, 1, "form must be a JSON object"))
                continue
            form_id = str(form.get("id") or name[: -len(".form")])
            self.linked[form_id] = (name, form, text)
            self.linked.setdefault(name[: -len(".form")], (name, form, text))

    def link_form(self, task: etree._Element, form_id: str, source: str) -> str | None:
        found = self.linked.get(form_id)
        if found is None:
            if form_id in self.catalog_forms:
                self.out.forms.append(FormChoice(task.get("id"), task.sourceline, form_id, "catalog"))
                return form_id
            self.problem(task, f"the task links the form '{form_id}' ({source}), which is neither uploaded (a "
                               "Camunda form with that id) nor in the catalog: upload the .form file with the diagram")
            return None
        _, form, _ = found
        key = _key(str(form.get("id") or form_id))
        self.used_forms.add(found[0])
        if key in self.catalog_forms and f"{key}.form" not in self.out.files:
            self.out.notes.append(Problem(self.file, task.get("id"), task.sourceline,
                                          f"the linked form '{key}' is already deployed: accepting deploys a new "
                                          "version of it, which every process showing it then uses"))
        uploaded = self.uploads.get(found[0]) if file_kind(found[0]) == "form" else None
        same = uploaded is not None and found[0] == f"{key}.form"  # kept byte for byte: problems' lines match
        self.out.files[f"{key}.form"] = uploaded if same else json.dumps(form, ensure_ascii=False, indent=2).encode()
        keys = [str(c.get("key")) for c in _components(form) if c.get("key")]
        self.out.forms.append(FormChoice(task.get("id"), task.sourceline, key, source, keys))
        return key

    # -- one diagram ---------------------------------------------------------------------------------
    def diagram(self, name: str, content: bytes) -> None:
        self.file = name
        self.lines = content.splitlines()
        try:
            tree = xml.parse(content, name)
        except DefinitionInvalid as exc:
            self.out.problems.extend(exc.problems)
            return
        root = tree.getroot()
        try:
            for proc in root.iter(f"{{{BPMN}}}process"):
                self.process(proc)
            self.attributes_and_elements(root)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a shape the mapping does not expect
            self.problem(root, f"the diagram could not be mapped ({type(exc).__name__}: {exc}); check it in the "
                               "modeler (every element needs an id)")
            return
        etree.cleanup_namespaces(root, top_nsmap={"spiffworkflow": SPIFF})
        self.out.files[name] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    def process(self, proc: etree._Element) -> None:
        pid = proc.get("id") or "process"
        if proc.get("isExecutable") != "true":
            self.out.notes.append(Problem(self.file, pid, proc.sourceline,
                                          f"isExecutable=\"{proc.get('isExecutable') or ''}\" (bpmn.io's default) is "
                                          "set to true so the process can run"))
            proc.set("isExecutable", "true")
        for loop in proc.iter(f"{{{BPMN}}}multiInstanceLoopCharacteristics"):
            self.multi_instance(loop)
        placed: dict[str, str] = {}  # user task id -> role
        for task in list(proc.iter(f"{{{BPMN}}}userTask")):
            placed[task.get("id")] = self.task_role(proc, task)
            self.task_form(pid, task)
            self.task_due(task)
        self.place_in_lanes(proc, placed)
        for el in proc.iter(f"{{{BPMN}}}conditionExpression", f"{{{BPMN}}}timeDate", f"{{{BPMN}}}timeDuration",
                            f"{{{BPMN}}}timeCycle", f"{{{BPMN}}}completionCondition", f"{{{BPMN}}}loopCardinality"):
            self.expression(el)
        for script in proc.iter(f"{{{BPMN}}}scriptTask"):
            fmt = (script.get("scriptFormat") or "python").strip().lower()
            if fmt not in ("python", "py", "text/x-python"):
                self.problem(script, f"the script is written in '{fmt}': the engine runs Python only; rewrite it in "
                                     "Python (the script's variables are the case data)")
            else:
                script.attrib.pop("scriptFormat", None)
        for brt in proc.iter(f"{{{BPMN}}}businessRuleTask"):
            ref = brt.attrib.pop(f"{{{CAMUNDA}}}decisionRef", None)
            for zeebe in brt.iter(f"{{{ZEEBE}}}calledDecision"):
                ref = zeebe.attrib.pop("decisionId", None) or ref
                zeebe.attrib.pop("resultVariable", None)
            if ref:
                brt.attrib.pop(f"{{{CAMUNDA}}}resultVariable", None)  # the table's outputs land in the case data
                brt.attrib.pop(f"{{{CAMUNDA}}}mapDecisionResult", None)
                etree.SubElement(_extensions(brt), f"{{{SPIFF}}}calledDecisionId").text = ref
        for call in proc.iter(f"{{{BPMN}}}callActivity"):
            for ref in call.iter(f"{{{ZEEBE}}}calledElement"):
                if ref.get("processId") and not call.get("calledElement"):
                    call.set("calledElement", ref.get("processId"))
                ref.attrib.pop("processId", None)

    def multi_instance(self, loop: etree._Element) -> None:
        """camunda:collection / camunda:elementVariable (Zeebe: zeebe:loopCharacteristics inputCollection /
        inputElement / outputCollection / outputElement) as the standard loop data references."""
        collection = loop.attrib.pop(f"{{{CAMUNDA}}}collection", None)
        element = loop.attrib.pop(f"{{{CAMUNDA}}}elementVariable", None)
        output = output_element = None
        for zeebe in list(loop.iter(f"{{{ZEEBE}}}loopCharacteristics")):
            collection = zeebe.attrib.pop("inputCollection", None) or collection
            element = zeebe.attrib.pop("inputElement", None) or element
            output = zeebe.attrib.pop("outputCollection", None)
            output_element = zeebe.attrib.pop("outputElement", None)
        if not collection:
            return
        names = []
        for what, value in (("collection", collection), ("element", element), ("output collection", output),
                            ("output element", output_element)):
            text = (value or "").strip()
            inner = re.fullmatch(r"(?:[$#]\{\s*([A-Za-z_]\w*)\s*\}|=?\s*([A-Za-z_]\w*))", text) if text else None
            if text and inner is None:
                self.problem(loop, f"multi-instance {what} '{value}' is an expression: name a variable of the case data")
                return
            names.append((inner.group(1) or inner.group(2)) if inner else None)
        if loop.find(f"{{{BPMN}}}loopCardinality") is not None:
            self.problem(loop, "the multi-instance task has both a cardinality and a collection; keep one")
            return
        owner = _owner(loop).get("id") or "task"
        index = sum(1 for c in loop if _local(c.tag) in ("documentation", "extensionElements"))
        new: list[etree._Element] = [etree.Element(f"{{{BPMN}}}loopDataInputRef")]
        new[0].text = names[0]
        if names[2]:
            out_ref = etree.Element(f"{{{BPMN}}}loopDataOutputRef")
            out_ref.text = names[2]
            new.append(out_ref)
        if names[1]:
            new.append(etree.Element(f"{{{BPMN}}}inputDataItem", id=f"{owner}_{names[1]}", name=names[1]))
        if names[3]:
            new.append(etree.Element(f"{{{BPMN}}}outputDataItem", id=f"{owner}_{names[3]}", name=names[3]))
        for offset, el in enumerate(new):
            loop.insert(index + offset, el)

    # -- roles ----------------------------------------------------------------------------------------
    def task_role(self, proc: etree._Element, task: etree._Element) -> str:
        groups_attr = None
        for attr in (f"{{{CAMUNDA}}}candidateGroups", f"{{{ACTIVITI}}}candidateGroups"):
            if task.get(attr):
                groups_attr = task.attrib.pop(attr)
        for zeebe in task.iter(f"{{{ZEEBE}}}assignmentDefinition"):
            if zeebe.get("candidateGroups"):
                groups_attr = zeebe.attrib.pop("candidateGroups").lstrip("=").strip("[]\"' ")
        tid = task.get("id")
        if groups_attr:
            if "${" in groups_attr or "#{" in groups_attr:
                self.problem(task, f"candidate groups '{groups_attr}' are an expression: name the groups "
                                   "(each becomes a role)")
                return DEFAULT_ROLE
            groups = [g.strip().strip("\"'") for g in groups_attr.split(",") if g.strip()]
            picked = {self.choose("candidateGroups", g, tid, task)[0] for g in groups}
            if len(picked) > 1:
                self.problem(task, f"candidate groups {', '.join(groups)} map to different roles "
                                   f"({', '.join(sorted(picked))}); a task belongs to one role: choose the same role "
                                   "for them or keep one group")
            return self.choose("candidateGroups", groups[0], tid, task)[0]
        lane = _lane_of(proc, tid)
        if lane is not None:
            return self.choose("lane", lane.get("name") or lane.get("id") or "", tid, lane)[0]
        return self.choose("none", "", tid, None)[0]

    def choose(self, source: str, name: str, tid: str, el: etree._Element | None) -> tuple[str, str]:
        found = self.roles.get((source, name))
        if found is None:
            role, reason = proposed_role(name, self.mapping) if name else (
                (self.mapping.get(""), "chosen") if self.mapping.get("") in ROLES else (DEFAULT_ROLE, "default"))
            found = self.roles[(source, name)] = RoleChoice(source, name, role, reason, [],
                                                            el.get("id") if el is not None else None,
                                                            el.sourceline if el is not None else None)
            self.out.roles.append(found)
        if tid not in found.tasks:
            found.tasks.append(tid)
        return found.role, found.reason

    def place_in_lanes(self, proc: etree._Element, placed: dict[str, str]) -> None:
        """Every user task in a lane named after its role; lanes named after the role of their tasks."""
        lane_sets = proc.findall(f"{{{BPMN}}}laneSet")
        for lane in proc.iter(f"{{{BPMN}}}lane"):
            choice = self.roles.get(("lane", lane.get("name") or lane.get("id") or ""))
            if choice is not None:
                lane.set("name", ROLES[choice.role]["zh"])
        for tid, role in placed.items():
            current = _lane_of(proc, tid)
            if current is not None and role_for_lane(current.get("name")) == role:
                continue
            if current is not None:
                for ref in list(current.iter(f"{{{BPMN}}}flowNodeRef")):
                    if (ref.text or "").strip() == tid:
                        ref.getparent().remove(ref)
            target = next((ln for ln in proc.iter(f"{{{BPMN}}}lane") if role_for_lane(ln.get("name")) == role
                           and ln.find(f"{{{BPMN}}}childLaneSet") is None), None)
            if target is None:
                if not lane_sets:
                    lane_set = etree.Element(f"{{{BPMN}}}laneSet", id=f"laneset_{_key(proc.get('id') or 'p')}")
                    proc.insert(_after_extensions(proc), lane_set)
                    lane_sets = [lane_set]
                target = etree.SubElement(lane_sets[0], f"{{{BPMN}}}lane", id=f"lane_{_key(proc.get('id') or 'p')}_{role}",
                                          name=ROLES[role]["zh"])
            etree.SubElement(target, f"{{{BPMN}}}flowNodeRef").text = tid

    # -- forms ----------------------------------------------------------------------------------------
    def task_form(self, pid: str, task: etree._Element) -> None:
        tid = task.get("id")
        key: str | None = None
        ext = task.find(f"{{{BPMN}}}extensionElements")
        form_ref = task.attrib.pop(f"{{{CAMUNDA}}}formRef", None)
        form_key = task.attrib.pop(f"{{{CAMUNDA}}}formKey", None) or task.attrib.pop(f"{{{ACTIVITI}}}formKey", None)
        zeebe_def = task.find(f".//{{{ZEEBE}}}formDefinition")
        form_data = task.find(f".//{{{CAMUNDA}}}formData")
        if form_data is not None:  # Camunda 7: the fields define the form; a formKey beside them only names it
            key = self.generate(pid, task, form_data)
            form_key = None
        elif form_ref:
            key = self.link_form(task, form_ref, "camunda:formRef")
        elif zeebe_def is not None and zeebe_def.get("formId"):
            key = self.link_form(task, zeebe_def.get("formId"), "zeebe:formDefinition formId")
        elif zeebe_def is not None and zeebe_def.get("formKey"):
            key = self.zeebe_embedded(pid, task, zeebe_def.get("formKey"))
        elif form_key:
            key = self.camunda_form_key(task, form_key)
        if key is None and not any(p.element_id == tid for p in self.out.problems):
            key = self.generate(pid, task, None)
        for el in (zeebe_def, form_data):
            if el is not None:
                el.getparent().remove(el)
        if key is not None:
            _set_property(task, "formKey", key)
        if ext is not None and len(ext) == 0:
            task.remove(ext)

    def camunda_form_key(self, task: etree._Element, form_key: str) -> str | None:
        if form_key.startswith("camunda-forms:bpmn:"):
            return self.zeebe_embedded("", task, form_key)
        if form_key.startswith("camunda-forms:"):
            name = form_key.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            return self.link_form(task, name[: -len(".form")] if name.endswith(".form") else name, "camunda:formKey")
        if ":" in form_key or "/" in form_key:
            self.problem(task, f"camunda:formKey '{form_key}' points to an embedded or external (HTML) form, which "
                               "Sanxiang cannot show: link a Camunda form (camunda:formRef) or give camunda:formData")
            return None
        return self.link_form(task, form_key, "camunda:formKey")

    def zeebe_embedded(self, pid: str, task: etree._Element, form_key: str) -> str | None:
        form_id = form_key.rsplit(":", 1)[-1]
        root = task.getroottree().getroot()
        for el in root.iter(f"{{{ZEEBE}}}userTaskForm"):
            if el.get("id") == form_id:
                too_deep = form_too_deep(el.text or "")
                if too_deep:
                    self.problem(el, f"the embedded form '{form_id}': {too_deep}")
                    return None
                try:
                    form = json.loads(el.text or "")
                except json.JSONDecodeError as exc:
                    self.problem(el, f"the embedded form '{form_id}' is not valid JSON: {exc}")
                    return None
                self.linked[form_id] = (self.file, form, el.text or "")
                return self.link_form(task, form_id, "zeebe:userTaskForm")
        self.problem(task, f"the form '{form_key}' is embedded nowhere in the file (zeebe:userTaskForm)")
        return None

    def generate(self, pid: str, task: etree._Element, form_data: etree._Element | None) -> str | None:
        tid = task.get("id")
        key = _key(f"{pid}__{tid}")
        components: list[dict[str, Any]] = [{"type": "text", "id": f"{key}_title",
                                             "text": f"### {task.get('name') or tid}"}]
        if form_data is not None:
            for ff in form_data.iter(f"{{{CAMUNDA}}}formField"):
                comp = self.form_field(ff)
                if comp is not None:
                    components.append(comp)
        if len(components) == 1:
            components.append({"type": "textarea", "key": "note", "label": "办理意见", "id": f"{key}_note"})
        form = {"type": "default", "id": key, "schemaVersion": 16, "components": components}
        self.out.files[f"{key}.form"] = json.dumps(form, ensure_ascii=False, indent=2).encode()
        self.out.forms.append(FormChoice(tid, task.sourceline, key, "formData" if form_data is not None else "generated",
                                         [c["key"] for c in components if "key" in c]))
        return key

    def form_field(self, ff: etree._Element) -> dict[str, Any] | None:
        fid = ff.get("id")
        if not fid or not _VAR.match(fid):
            self.problem(ff, f"form field id '{fid}' is not a plain name: it becomes the data key")
            return None
        ftype = ff.get("type") or "string"
        comp: dict[str, Any] = {"key": fid, "label": ff.get("label") or fid, "id": f"field_{fid}"}
        if ftype == "string":
            comp["type"] = "textfield"
        elif ftype == "long":
            comp.update(type="number", decimalDigits=0)
        elif ftype == "boolean":
            comp["type"] = "checkbox"
        elif ftype == "date":
            comp.update(type="datetime", subtype="date", dateLabel=comp.pop("label"))
        elif ftype == "enum":
            values = [{"value": v.get("id"), "label": v.get("name") or v.get("id")}
                      for v in ff.iter(f"{{{CAMUNDA}}}value") if v.get("id")]
            if not values:
                self.problem(ff, f"enum field '{fid}' lists no camunda:value")
                return None
            comp.update(type="select", values=values)
        else:
            self.problem(ff, f"form field '{fid}' has type '{ftype}', which has no form-js component "
                             "(string, long, boolean, date, enum map)")
            return None
        if ff.get("defaultValue") is not None and "${" not in ff.get("defaultValue"):
            comp["defaultValue"] = _default(ftype, ff.get("defaultValue"))
        rules: dict[str, Any] = {}
        for c in ff.iter(f"{{{CAMUNDA}}}constraint"):
            name, config = c.get("name"), c.get("config")
            if name == "required":
                rules["required"] = True
            elif name == "readonly":
                comp["readonly"] = True
            elif name in ("minlength", "maxlength", "min", "max") and _number(config) is not None:
                rules[{"minlength": "minLength", "maxlength": "maxLength"}.get(name, name)] = _number(config)
            else:
                self.problem(c, f"constraint '{name}' of field '{fid}' cannot be checked by the form "
                                "(required, readonly, minlength, maxlength, min and max map)")
        for el in ff.iter(f"{{{CAMUNDA}}}properties", f"{{{CAMUNDA}}}validation"):
            if el.tag.endswith("properties") and len(el):
                self.ignore(el, f"camunda:properties of form field '{fid}'")
        if rules:
            comp["validate"] = rules
        return comp

    # -- due dates -------------------------------------------------------------------------------------
    def task_due(self, task: etree._Element) -> None:
        expr = task.attrib.pop(f"{{{CAMUNDA}}}dueDate", None) or task.attrib.pop(f"{{{ACTIVITI}}}dueDate", None)
        for sched in task.iter(f"{{{ZEEBE}}}taskSchedule"):
            expr = sched.attrib.pop("dueDate", None) or expr
        if not expr:
            return
        tid = task.get("id")
        text = expr.strip()
        inner = re.fullmatch(r"[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}", text) or re.fullmatch(
            r"=\s*([A-Za-z_][A-Za-z0-9_]*)", text)
        script = None
        if inner:
            key = inner.group(1)
        else:
            key = _key(f"due_{tid}")
            days = _PLUS_DAYS.match(text) or _PERIOD_DAYS.match(text)
            if days:
                script = f"{key} = add_days(today(), {int(days.group(1))})"
            elif _ISO_DATE.match(text.lstrip("=").strip("\"")):
                script = f"{key} = {json.dumps(text.lstrip('=').strip(chr(34))[:10])}"
            else:
                self.problem(task, f"due date '{expr}' is an expression the engine cannot run: give a variable "
                                   "(${var}), an ISO date, a period PnD or ${dateTime().plusDays(n)}")
                return
            _add_pre_script(task, script)
        _set_property(task, "dueDate", key)
        self.out.deadlines.append(DeadlineChoice(tid, task.sourceline, expr, key, script))

    # -- expressions -----------------------------------------------------------------------------------
    def expression(self, el: etree._Element) -> None:
        raw = (el.text or "").strip()
        if _local(el.tag).startswith("time") and _ISO_TIMER.match(raw):
            el.text = json.dumps(raw)
            return
        juel = re.fullmatch(r"[$#]\{(.*)\}", raw, re.S)
        feel = raw[1:] if raw.startswith("=") else None
        if juel is None and feel is None:
            if el.get("language") and el.get("language").lower() not in ("python", "text/x-python"):
                self.problem(el, f"expression in '{el.get('language')}' cannot run: the engine evaluates Python")
            return
        python = _juel_to_python(juel.group(1)) if juel else _feel_to_python(feel or "")
        if python is None:
            self.problem(el, f"expression '{raw}' cannot run: the engine evaluates Python; only names, literals, "
                             "comparisons, arithmetic and and/or/not are rewritten")
            return
        el.text = python
        el.attrib.pop("language", None)

    # -- everything else in a foreign namespace --------------------------------------------------------
    def attributes_and_elements(self, root: etree._Element) -> None:
        for el in list(root.iter()):
            if not isinstance(el.tag, str) or _ns(el.tag) == "http://www.omg.org/spec/BPMN/20100524/DI":
                continue
            for attr in list(el.attrib):
                ns = _ns(attr)
                if ns not in FOREIGN:
                    continue
                local = _local(attr)
                if local in IGNORED:
                    self.ignore(el, f"{FOREIGN[ns]}:{local}", f"{FOREIGN[ns]}:{local}")
                else:
                    self.problem(el, _refusal(FOREIGN[ns], local, el.get(attr)), f"{FOREIGN[ns]}:{local}")
                del el.attrib[attr]
            if _ns(el.tag) in FOREIGN and el.getparent() is not None and _ns(el.getparent().tag) not in FOREIGN:
                self.foreign_element(el)
        for ext in list(root.iter(f"{{{BPMN}}}extensionElements")):
            if len(ext) == 0 and ext.getparent() is not None:
                ext.getparent().remove(ext)

    def foreign_element(self, el: etree._Element) -> None:
        prefix, local = FOREIGN[_ns(el.tag)], _local(el.tag)
        parent = el.getparent()
        if local == "properties" and _owner(el) is not None:
            owner = _owner(el)
            for prop in el:
                if _local(prop.tag) == "property" and prop.get("name"):
                    _set_property(owner, prop.get("name"), prop.get("value") or "")
        elif local in MAPPED_ELEMENTS:
            for attr, value in el.attrib.items():
                if attr in ("assignee", "candidateUsers"):
                    self.problem(el, _refusal(prefix, attr, value))
                else:
                    self.ignore(el, f"{prefix}:{local} {attr}")
        elif local in IGNORED or local == "userTaskForm":
            if local != "userTaskForm":
                self.ignore(el, f"{prefix}:{local}")
        elif local == "inputOutput" or local == "ioMapping":
            for param in el:
                script = param.find(f"{{{CAMUNDA}}}script")
                lang = f" with a script in '{script.get('scriptFormat')}'" if script is not None else ""
                self.problem(param, f"{prefix}:{_local(param.tag)} '{param.get('name') or param.get('target')}'"
                                    f"{lang} cannot run: case data is one set of variables; set it with a Python "
                                    "script task or a pre-script")
        else:
            self.problem(el, _refusal(prefix, local, None))
        parent.remove(el)


def _refusal(prefix: str, local: str, value: str | None) -> str:
    what = f"{prefix}:{local}" + (f" '{value}'" if value else "")
    reasons = {
        "class": "a Java class", "delegateExpression": "a Java delegate", "expression": "a JUEL expression",
        "executionListener": "a listener (Java, script or expression)", "taskListener": "a listener",
        "assignee": "a fixed assignee", "candidateUsers": "a fixed list of users", "connector": "a connector",
        "taskDefinition": "a job worker", "type": "an external task", "topic": "an external task",
        "resultVariable": "a result variable", "in": "a variable mapping of a called process",
        "out": "a variable mapping of a called process", "field": "a field injection",
        "errorEventDefinition": "an error mapping",
    }
    why = reasons.get(local, "an extension")
    fix = ("tasks go to the inbox of the lane's role in the bureau and are claimed there; remove it"
           if local in ("assignee", "candidateUsers") else "the engine runs no Java or external workers: "
           "express the step as a Python script task, a user task or a call activity")
    return f"{what} is {why}, which Sanxiang cannot run: {fix}"


def _components(form: dict) -> list[dict]:
    found: list[dict] = []
    todo = [form]
    while todo:
        c = todo.pop(0)
        children = c.get("components") if isinstance(c, dict) else None
        if isinstance(children, list):
            todo.extend(x for x in children if isinstance(x, dict))
        if c is not form:
            found.append(c)
    return found


def _lane_of(proc: etree._Element, tid: str) -> etree._Element | None:
    found = None
    for lane in proc.iter(f"{{{BPMN}}}lane"):
        if any((ref.text or "").strip() == tid for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")):
            found = lane  # the innermost lane comes last in document order
    return found


def _after_extensions(proc: etree._Element) -> int:
    index = 0
    for i, child in enumerate(proc):
        if _local(child.tag) in ("documentation", "extensionElements"):
            index = i + 1
    return index


def _extensions(el: etree._Element) -> etree._Element:
    ext = el.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        ext = etree.Element(f"{{{BPMN}}}extensionElements")
        el.insert(1 if len(el) and _local(el[0].tag) == "documentation" else 0, ext)
    return ext


def _set_property(el: etree._Element, name: str, value: str) -> None:
    ext = _extensions(el)
    props = ext.find(f"{{{SPIFF}}}properties")
    if props is None:
        props = etree.SubElement(ext, f"{{{SPIFF}}}properties")
    for prop in props.findall(f"{{{SPIFF}}}property"):
        if prop.get("name") == name:
            prop.set("value", value)
            return
    etree.SubElement(props, f"{{{SPIFF}}}property", name=name, value=value)


def _add_pre_script(el: etree._Element, line: str) -> None:
    ext = _extensions(el)
    pre = ext.find(f"{{{SPIFF}}}preScript")
    if pre is None:
        pre = etree.SubElement(ext, f"{{{SPIFF}}}preScript")
        pre.text = line
    else:
        pre.text = (pre.text or "").rstrip() + "\n" + line


def _number(config: str | None) -> int | float | None:
    try:
        value = float(config or "")
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def _default(ftype: str, value: str) -> Any:
    if ftype == "boolean":
        return value.strip().lower() == "true"
    if ftype == "long":
        return _number(value)
    return value


_SAFE_NODES = (ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp,
               ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.In, ast.NotIn)


def _safe_python(text: str) -> str | None:
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval")
        check_source(text, "eval")
    except Exception:  # noqa: BLE001 - anything that does not parse is not rewritten
        return None
    return text if all(isinstance(n, _SAFE_NODES) for n in ast.walk(tree)) else None


def _juel_to_python(text: str) -> str | None:
    out = re.sub(r"&&", " and ", text)
    out = re.sub(r"\|\|", " or ", out)
    out = re.sub(r"!(?!=)", " not ", out)
    for word, py in (("eq", "=="), ("ne", "!="), ("lt", "<"), ("gt", ">"), ("le", "<="), ("ge", ">="),
                     ("true", "True"), ("false", "False"), ("null", "None")):
        out = re.sub(rf"\b{word}\b", py, out)
    return _safe_python(re.sub(r"\s+", " ", out))


def _feel_to_python(text: str) -> str | None:
    out = re.sub(r"(?<![<>!=])=(?!=)", "==", text)
    for word, py in (("true", "True"), ("false", "False"), ("null", "None")):
        out = re.sub(rf"\b{word}\b", py, out)
    out = re.sub(r"\bnot\s*\(", "not (", out)
    return _safe_python(out)


def foreign_problems(file: str, tree: etree._ElementTree, content: bytes = b"") -> list[Problem]:
    """What a direct deploy would silently drop: every Camunda or Zeebe extension that is not a mere execution
    hint, named with its element and line (the import maps them, :func:`propose`)."""
    found: list[Problem] = []
    lines = content.splitlines()
    for el in tree.getroot().iter():
        if not isinstance(el.tag, str):
            continue
        names = [(FOREIGN[_ns(a)], _local(a), True) for a in el.attrib
                 if _ns(a) in FOREIGN and _local(a) not in IGNORED]
        if _ns(el.tag) in FOREIGN and _ns(el.getparent().tag) not in FOREIGN and _local(el.tag) not in IGNORED \
                and not (_local(el.tag) in MAPPED_ELEMENTS and not el.attrib):
            names.append((FOREIGN[_ns(el.tag)], _local(el.tag), False))
        for prefix, local, is_attribute in names:
            owner = _owner(el)
            line = attribute_line(lines, el, f"{prefix}:{local}") if is_attribute else el.sourceline
            found.append(Problem(file, owner.get("id") if owner is not None else None, line,
                                 f"{prefix}:{local} is a {prefix.capitalize()} extension the engine does not read: "
                                 "import the diagram (POST /api/v1/definitions/import) so it is mapped to roles, "
                                 "forms and deadlines, or remove it"))
    return found


def propose(uploads: dict[str, bytes], catalog_forms: set[str] | frozenset[str] = frozenset(),
            mapping: dict[str, str] | None = None) -> Proposal:
    """Map the uploaded diagrams and Camunda forms; ``mapping`` is the owner's role per lane or group name
    (``""``: user tasks with neither). Never raises for bad input: everything wrong is in ``problems``."""
    importer = _Importer(uploads, set(catalog_forms), mapping)
    importer.read_forms()
    for name, content in sorted(uploads.items()):
        kind = file_kind(name)
        if kind == "bpmn":
            importer.diagram(name, content)
        elif kind == "dmn":
            importer.out.files[name] = content
        elif kind is None:
            importer.out.problems.append(Problem(name, None, None, "expected a .bpmn, .dmn or .form file"))
    if not any(file_kind(n) == "bpmn" for n in uploads):
        importer.out.problems.append(Problem(None, None, None, "no .bpmn diagram was sent"))
    for name in sorted(uploads):
        if file_kind(name) == "form" and name not in importer.used_forms and not any(
                p.file == name for p in importer.out.problems):
            importer.out.notes.append(Problem(name, "form", 1, "no user task links this form: it is not deployed"))
    trees = {}
    for name, content in uploads.items():
        if file_kind(name) == "bpmn":
            try:
                trees[name] = xml.parse(content, name)
            except DefinitionInvalid:
                pass
    importer.out.problems = [name_everything(p, uploads, trees) for p in importer.out.problems]
    return importer.out
