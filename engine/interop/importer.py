"""The import itself: each diagram and process walked, the mappings of the other modules applied in order."""
from __future__ import annotations

from lxml import etree

from .. import xml
from ..definitions import file_kind, name_everything
from ..errors import DefinitionInvalid, Problem
from .common import BPMN, CAMUNDA, SPIFF, ZEEBE, _extensions
from .deadlines import DeadlineMapping
from .expressions import ExpressionMapping
from .extensions import ExtensionMapping
from .form_mapping import FormMapping
from .proposal import Proposal
from .role_mapping import RoleMapping


class _Importer(RoleMapping, FormMapping, DeadlineMapping, ExpressionMapping, ExtensionMapping):
    """One import: each diagram and process through the mappings of the sibling modules."""

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
