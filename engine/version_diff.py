"""The difference between two versions of a BPMN file: elements added, removed and changed, with before/after.

Pure: the caller hands in each version's BPMN bytes and the forms and decision tables that version refers to
(:class:`Side`). Every element with an id in the diagram's semantic part is compared (flow nodes, sequence flows,
lanes, participants, processes, messages …; not the diagram interchange, whose moves are listed as ``layout``).
An element's facets, each a change of its own when it differs:

* ``type`` (e.g. a user task became a manual task), ``name``, ``documentation``;
* ``script`` (a script task's text), ``condition`` (a sequence flow's), ``timer`` (``timeDate``/``timeDuration``/
  ``timeCycle`` with its expression), ``event`` (the kinds of event definitions and what they refer to),
  ``loop`` (multi-instance or standard loop characteristics);
* ``lane`` (the lane a flow node sits in) and, on a lane, ``members`` (the flow nodes it holds);
* ``property:<name>`` (a ``spiffworkflow:property``: formKey, dueDate, actKind …), ``extension:<name>`` (another
  extension element: calledDecisionId, preScript, postScript …), ``<attribute>`` (any other attribute: sourceRef,
  targetRef, default, calledElement, attachedToRef, cancelActivity …);
* ``form``: a user task keeps its formKey but the form it names differs between the two versions' forms (the
  change lists the form's fields added, removed and changed); ``decision``: a business rule task keeps its
  calledDecisionId but the decision table differs (rules added, removed, changed, hit policy, inputs, outputs).

Raises :class:`engine.errors.DefinitionInvalid` for a file that is not well-formed XML (engine/xml.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from . import xml
from .content_diff import decision_changes, form_changes

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"

#: children that are part of their parent element, never elements of their own
_PARTS = frozenset({
    "definitions", "laneSet", "documentation", "extensionElements", "conditionExpression", "script", "timeDate",
    "timeDuration", "timeCycle", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "incoming",
    "outgoing", "flowNodeRef", "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet",
    "dataInputAssociation", "dataOutputAssociation", "loopCardinality", "completionCondition", "text", "childLaneSet",
})
#: children handled by a facet of their own (or derived from other elements, as incoming/outgoing are from flows)
_HANDLED = frozenset({"documentation", "extensionElements", "conditionExpression", "script", "incoming", "outgoing",
                      "flowNodeRef", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics"})
_TIMERS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class FormRef:
    """A form as one version refers to it: its deployed version number (None: not deployed) and content."""

    version: int | None
    content: dict[str, Any] | None


@dataclass(frozen=True)
class DecisionRef:
    """A decision table as one version refers to it (``table``: engine.content_diff.decision_tables' entry)."""

    version: int | None
    table: dict[str, Any] | None


@dataclass
class Side:
    """One version: the BPMN file and the forms (by form key) and decisions (by decision id) it refers to."""

    bpmn: bytes
    forms: Mapping[str, FormRef] = field(default_factory=dict)
    decisions: Mapping[str, DecisionRef] = field(default_factory=dict)


@dataclass
class Element:
    id: str
    type: str
    name: str | None
    process: str | None
    facets: dict[str, Any]
    layout: Any = None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _ns(el: etree._Element) -> str | None:
    return etree.QName(el).namespace


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return "".join(el.itertext()).strip()


def _canonical_xml(el: etree._Element) -> str:
    """A child element as text without namespace noise or id attributes (ids of parts are modeler-generated)."""
    attrs = " ".join(f'{etree.QName(k).localname}="{v}"' for k, v in sorted(el.attrib.items())
                     if etree.QName(k).localname != "id")
    inner = "".join(_canonical_xml(c) for c in el if isinstance(c.tag, str))
    return f"<{_local(el)}{' ' + attrs if attrs else ''}>{(el.text or '').strip()}{inner}</{_local(el)}>"


def _reportable(el: etree._Element) -> bool:
    if not isinstance(el.tag, str) or not el.get("id") or _ns(el) != BPMN:
        return False
    local = _local(el)
    return local not in _PARTS and not local.endswith("EventDefinition")


def _extension_facets(ext: etree._Element, facets: dict[str, Any]) -> None:
    for child in ext:
        if not isinstance(child.tag, str):
            continue
        local = _local(child)
        if local == "properties":
            for prop in child:
                if isinstance(prop.tag, str) and prop.get("name"):
                    facets[f"property:{prop.get('name')}"] = prop.get("value")
        else:
            key = f"extension:{local}"
            value = _text(child) if len(child) == 0 else _canonical_xml(child)
            facets[key] = value if key not in facets else f"{facets[key]}\n{value}"


def _event_facets(el: etree._Element, facets: dict[str, Any]) -> None:
    kinds: list[str] = []
    for definition in el:
        if not isinstance(definition.tag, str) or not _local(definition).endswith("EventDefinition"):
            continue
        local = _local(definition)
        if local == "timerEventDefinition":
            parts = [f"{k}: {_text(definition.find(f'{{{BPMN}}}{k}'))}" for k in _TIMERS
                     if definition.find(f"{{{BPMN}}}{k}") is not None]
            facets["timer"] = "; ".join(parts) or "(empty)"
            kinds.append(local)
        else:
            refs = [f"{etree.QName(k).localname}={v}" for k, v in sorted(definition.attrib.items())
                    if etree.QName(k).localname != "id"]
            inner = [_canonical_xml(c) for c in definition if isinstance(c.tag, str)]
            kinds.append(local + (f"({', '.join(refs + inner)})" if refs or inner else ""))
    if kinds:
        facets["event"] = sorted(kinds)


def _facets(el: etree._Element) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    if el.get("name") is not None:
        facets["name"] = el.get("name")
    for key, value in el.attrib.items():
        local = etree.QName(key).localname
        if local not in ("id", "name"):
            facets[local] = value
    docs = [_text(d) for d in el.findall(f"{{{BPMN}}}documentation")]
    if docs:
        facets["documentation"] = "\n".join(d or "" for d in docs)
    for ext in el.findall(f"{{{BPMN}}}extensionElements"):
        _extension_facets(ext, facets)
    script = el.find(f"{{{BPMN}}}script")
    if script is not None:
        facets["script"] = script.text or ""
    condition = el.find(f"{{{BPMN}}}conditionExpression")
    if condition is not None:
        facets["condition"] = (condition.text or "").strip()
    _event_facets(el, facets)
    loops = [_canonical_xml(c) for c in el if isinstance(c.tag, str)
             and _local(c) in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")]
    if loops:
        facets["loop"] = "".join(loops)
    if _local(el) == "lane":
        facets["members"] = sorted((r.text or "").strip() for r in el.findall(f"{{{BPMN}}}flowNodeRef"))
    for child in el:  # anything else a modeler put inside the element (not an element of its own)
        if isinstance(child.tag, str) and not _reportable(child) and _local(child) not in _HANDLED \
                and not _local(child).endswith("EventDefinition") and _local(child) != "laneSet":
            key = f"child:{_local(child)}"
            facets[key] = facets.get(key, "") + _canonical_xml(child)
    return facets


def _layout(tree: etree._ElementTree) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for shape in tree.getroot().iter(f"{{{DI}}}BPMNShape", f"{{{DI}}}BPMNEdge"):
        ref = shape.get("bpmnElement")
        if not ref:
            continue
        bounds = [(b.get("x"), b.get("y"), b.get("width"), b.get("height")) for b in shape.iter("{*}Bounds")]
        points = [(p.get("x"), p.get("y")) for p in shape.iter("{*}waypoint")]
        found[ref] = (bounds[:1], points)
    return found


def describe(content: bytes, filename: str | None = None) -> dict[str, Element]:
    """Every element of a BPMN file by id, with its facets (see the module's docstring)."""
    tree = xml.parse(content, filename)
    layout = _layout(tree)
    elements: dict[str, Element] = {}
    lanes: dict[str, str] = {}
    for el in tree.getroot().iter():
        if not _reportable(el):
            continue
        process = next((a.get("id") for a in el.iterancestors() if isinstance(a.tag, str)
                        and _local(a) in ("process", "collaboration")), None)
        elements[el.get("id")] = Element(el.get("id"), _local(el), el.get("name"), process, _facets(el),
                                         layout.get(el.get("id")))
        if _local(el) == "lane":
            for ref in el.findall(f"{{{BPMN}}}flowNodeRef"):
                lanes[(ref.text or "").strip()] = el.get("id")
    for node_id, lane_id in lanes.items():
        if node_id in elements:
            elements[node_id].facets["lane"] = lane_id
    return elements


def _form_change(key: str, old: Side, new: Side) -> dict[str, Any] | None:
    before, after = old.forms.get(key), new.forms.get(key)
    if before is None and after is None:
        return None
    detail = form_changes((before.content if before else None) or {}, (after.content if after else None) or {})
    if not detail and (before is None) == (after is None):
        return None
    return {"what": "form", "before": {"key": key, "version": before.version if before else None},
            "after": {"key": key, "version": after.version if after else None}, "detail": detail}


def _decision_change(decision_id: str, old: Side, new: Side) -> dict[str, Any] | None:
    before, after = old.decisions.get(decision_id), new.decisions.get(decision_id)
    if before is None and after is None:
        return None
    detail = decision_changes(before.table if before else None, after.table if after else None)
    if not detail:
        return None
    return {"what": "decision", "before": {"id": decision_id, "version": before.version if before else None},
            "after": {"id": decision_id, "version": after.version if after else None}, "detail": detail}


def _element_changes(a: Element, b: Element, old: Side, new: Side) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    if a.type != b.type:
        changes.append({"what": "type", "before": a.type, "after": b.type})
    for key in sorted(set(a.facets) | set(b.facets)):
        if a.facets.get(key) != b.facets.get(key):
            changes.append({"what": key, "before": a.facets.get(key), "after": b.facets.get(key)})
    form_key = a.facets.get("property:formKey")
    if form_key and form_key == b.facets.get("property:formKey"):
        change = _form_change(form_key, old, new)
        if change:
            changes.append(change)
    decision = a.facets.get("extension:calledDecisionId")
    if decision and decision == b.facets.get("extension:calledDecisionId"):
        change = _decision_change(decision, old, new)
        if change:
            changes.append(change)
    return changes


def _summary(el: Element) -> dict[str, Any]:
    return {"id": el.id, "type": el.type, "name": el.name, "process": el.process}


def compare(old: Side, new: Side) -> dict[str, list[Any]]:
    """``{"added": [element], "removed": [element], "changed": [element + "changes"], "layout": [element]}``;
    an element is ``{"id", "type", "name", "process"}`` (for a changed one, the new version's), each change
    ``{"what", "before", "after"}`` (``form`` and ``decision`` changes add ``detail``). Elements only moved on the
    diagram are in ``layout``. Lists are in the order of the files."""
    before, after = describe(old.bpmn, "a.bpmn"), describe(new.bpmn, "b.bpmn")
    added = [_summary(el) for i, el in after.items() if i not in before]
    removed = [_summary(el) for i, el in before.items() if i not in after]
    changed, layout = [], []
    for element_id, el in after.items():
        if element_id not in before:
            continue
        changes = _element_changes(before[element_id], el, old, new)
        if changes:
            changed.append({**_summary(el), "changes": changes})
        elif before[element_id].layout != el.layout:
            layout.append(_summary(el))
    return {"added": added, "removed": removed, "changed": changed, "layout": layout}


def referenced(content: bytes, filename: str | None = None) -> tuple[set[str], set[str]]:
    """The form keys (``formKey`` properties) and decision ids (``calledDecisionId``) a BPMN file names."""
    tree = xml.parse(content, filename)
    forms = {p.get("value") for p in tree.getroot().iter(f"{{{SPIFF}}}property")
             if p.get("name") == "formKey" and p.get("value")}
    decisions = {(d.text or "").strip() for d in tree.getroot().iter(f"{{{SPIFF}}}calledDecisionId")}
    return forms, decisions - {""}
