"""Generated forms: a form-js form from ``camunda:formData`` fields, or a one-field note form."""
from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from .common import CAMUNDA, ImporterBase, _key
from .proposal import FormChoice

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class FormGeneration(ImporterBase):
    """A form-js form generated for a user task from its ``camunda:formData`` (or a note form)."""

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
