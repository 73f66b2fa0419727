"""What every part of the import shares: the foreign namespaces, the XML helpers and the importer's state with
its problem and ignore lists."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ..definitions import NS
from ..errors import Problem
from .proposal import Proposal, RoleChoice

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
_KEY = re.compile(r"[^A-Za-z0-9_]+")


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


class ImporterBase:
    """The state of one import (:func:`engine.interop.propose`) and how it records problems; the mixins of the
    other modules map roles, forms, deadlines, expressions and extensions on top of it."""

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
