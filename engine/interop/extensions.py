"""Camunda and Zeebe extensions: multi-instance loops read, everything else in a foreign namespace mapped,
ignored or refused, and what a direct deploy would drop (:func:`foreign_problems`)."""
from __future__ import annotations

import re

from lxml import etree

from ..errors import Problem
from .common import (
    BPMN,
    CAMUNDA,
    FOREIGN,
    IGNORED,
    MAPPED_ELEMENTS,
    ZEEBE,
    ImporterBase,
    _local,
    _ns,
    _owner,
    _set_property,
    attribute_line,
)


class ExtensionMapping(ImporterBase):
    """Multi-instance loop extensions; every other attribute or element in a foreign namespace."""

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
