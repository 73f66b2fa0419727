"""Forms: the Camunda forms uploaded beside the diagrams, and each user task's form linked or generated."""
from __future__ import annotations

import json

from lxml import etree

from ..definitions import file_kind, form_too_deep
from ..errors import Problem
from .common import ACTIVITI, BPMN, CAMUNDA, ZEEBE, _key, _set_property
from .form_generation import FormGeneration
from .proposal import FormChoice


class FormMapping(FormGeneration):
    """Each user task's form: a linked Camunda form, a catalog form, an embedded or a generated one."""

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
