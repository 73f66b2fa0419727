"""Parse, validate and lint a set of BPMN, DMN and form files.

Input is a mapping ``filename -> bytes`` (the caller reads files; the engine
does no IO). Output is a :class:`Catalog` of what the files define, or a
:class:`DefinitionInvalid` listing *every* problem found, each with the file,
the element id and the source line.

Checks, in order: XML syntax; the BPMN XSD (with the SpiffWorkflow extension
schema) or the DMN schema; SpiffWorkflow's own structural parse; then the lint
rules of :mod:`engine.lint`.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import decisions as _decisions  # noqa: F401 - installs the no-matching-row fallback (engine/decisions.py)
from . import xml
from .errors import DefinitionInvalid, ErrorBag, Problem
from .forms import lint_form

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
KIND_BY_SUFFIX = {".bpmn": "bpmn", ".dmn": "dmn", ".form": "form"}


def file_kind(filename: str) -> str | None:
    """'bpmn', 'dmn' or 'form' by the file's suffix; None for anything else."""
    for suffix, kind in KIND_BY_SUFFIX.items():
        if filename.endswith(suffix):
            return kind
    return None


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class Catalog:
    """What a set of valid files defines."""

    files: dict[str, bytes]
    processes: dict[str, str] = field(default_factory=dict)  # process id -> filename
    process_names: dict[str, str] = field(default_factory=dict)  # process id -> name
    decisions: dict[str, str] = field(default_factory=dict)  # decision id -> filename
    forms: dict[str, dict] = field(default_factory=dict)  # form key -> form JSON
    trees: dict[str, etree._ElementTree] = field(default_factory=dict, repr=False)

    def form_file(self, key: str) -> str:
        return f"{key}.form"

    @cached_property
    def called_processes(self) -> frozenset[str]:
        """The process ids a call activity of these files calls (computed once per catalog)."""
        return frozenset(node.get("calledElement") for tree in self.trees.values() if tree is not None
                         for node in tree.iter(f"{{{NS['bpmn']}}}callActivity") if node.get("calledElement"))

    def key_of(self, filename: str) -> list[str]:
        """The process/decision ids or form key a file defines."""
        if filename.endswith(".form"):
            return [filename.rsplit("/", 1)[-1][: -len(".form")]]
        return [k for k, f in {**self.processes, **self.decisions}.items() if f == filename]


def element_line(tree: etree._ElementTree | None, element_id: str | None) -> int | None:
    """Source line of the element with ``id=element_id`` (SpiffWorkflow leaves it empty)."""
    if tree is None or not element_id:
        return None
    found = tree.xpath("//*[@id=$eid]", eid=element_id)
    return found[0].sourceline if found else None


def _element_at_line(tree: etree._ElementTree, line: int | None) -> str | None:
    """The id of the nearest element with an id at or above ``line``; else the tag of the element at ``line``."""
    if line is None:
        return None
    best = at_line = None
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.sourceline is not None and el.sourceline <= line and el.get("id"):
            best = el.get("id")
        elif el.sourceline is not None and el.sourceline > line:
            break
        if el.sourceline == line and at_line is None:
            at_line = etree.QName(el).localname
    return best or at_line


def _parse_xml(filename: str, content: bytes, bag: ErrorBag) -> etree._ElementTree | None:
    try:
        return xml.parse(content, filename)  # the hardened parser: a DOCTYPE or bad syntax is a problem with its line
    except DefinitionInvalid as exc:
        bag.problems.extend(exc.problems)
        return None


def _xsd_check(filename: str, tree: etree._ElementTree, bag: ErrorBag) -> bool:
    schema = VALIDATOR.validator
    VALIDATOR.preprocess(tree.getroot())
    if schema.validate(tree):
        return True
    for err in schema.error_log:
        bag.add(filename, _element_at_line(tree, err.line), err.line, f"schema: {err.message}")
    return False


def _check_flow_refs(filename: str, tree: etree._ElementTree, bag: ErrorBag) -> bool:
    """Every sequence flow starts and ends at an element of its own process; False after reporting any that
    does not (on the flow itself, at its line)."""
    ok = True
    for proc in tree.xpath("//bpmn:process", namespaces=NS):
        ids = {el.get("id") for el in proc.iter() if isinstance(el.tag, str) and el.get("id")}
        for flow in proc.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
            for attr, role in (("sourceRef", "comes from"), ("targetRef", "goes to")):
                ref = flow.get(attr)
                if ref and ref not in ids:
                    ok = False
                    bag.add(filename, flow.get("id"), flow.sourceline,
                            f"sequence flow '{flow.get('id')}' {role} '{ref}', which is not an element of process "
                            f"'{proc.get('id')}'")
    return ok


def _check_data_stores(filename: str, tree: etree._ElementTree, parser: SpiffBpmnParser, bag: ErrorBag) -> bool:
    """Every data store has an id, a name and an implementation the engine knows; False after reporting one that
    does not (on the data store, at its line: SpiffWorkflow's own message names neither)."""
    ok = True
    known = getattr(parser, "DATA_STORE_CLASSES", {}) or {}
    for store in tree.xpath("//bpmn:dataStore", namespaces=NS):
        name = store.get("name")
        if store.get("id") and name in known:
            continue
        ok = False
        what = f"data store '{name}'" if name else "a data store without a name"
        bag.add(filename, store.get("id") or _owner_of(store), store.sourceline,
                f"{what} has no implementation in Sanxiang: case data lives in the case; remove the data store "
                "(and its references) or keep the data in a form or script")
    return ok


def _owner_of(el: etree._Element) -> str | None:
    el = el.getparent()
    while el is not None and not el.get("id"):
        el = el.getparent()
    return el.get("id") if el is not None else None


def _check_unique_processes(filename: str, tree: etree._ElementTree, catalog: Catalog, bag: ErrorBag) -> bool:
    """No process id of this file is defined by another file of the set; False after reporting one that is."""
    ok = True
    for proc in tree.xpath("//bpmn:process", namespaces=NS):
        pid = proc.get("id")
        other = catalog.processes.get(pid)
        if other is not None and other != filename:
            ok = False
            where = element_line(catalog.trees.get(other), pid)
            bag.add(filename, pid, proc.sourceline,
                    f"process id '{pid}' is also defined in {other}" + (f" (line {where})" if where else "")
                    + ": a process id may be defined by one file only; rename one of them")
    return ok


def _spiff_problem(exc: Exception, trees: dict[str, etree._ElementTree], bag: ErrorBag) -> None:
    file = getattr(exc, "file_name", None) or None
    element_id = getattr(exc, "id", None) or getattr(exc, "task_id", None) or None
    line = getattr(exc, "line_number", None) or None
    if line is None and element_id:
        for fname, tree in trees.items():
            if file and fname != file:
                continue
            line = element_line(tree, element_id)
            if line:
                file = fname
                break
    bag.add(file, element_id, line, str(exc).split("\n")[0])


#: the DMN versions SpiffWorkflow reads (1.1, 1.2, 1.3), by their namespace
DMN_NAMESPACES = ("http://www.omg.org/spec/DMN/20151101/dmn.xsd", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "https://www.omg.org/spec/DMN/20191111/MODEL/")


def _dmn_root_check(filename: str, tree: etree._ElementTree, bag: ErrorBag) -> bool:
    """Whether the file is a DMN document: a ``definitions`` root in a DMN namespace (else the parser fails with
    "Undefined namespace prefix" or an IndexError, naming nothing)."""
    root = tree.getroot()
    name = etree.QName(root)
    if name.localname == "definitions" and name.namespace in DMN_NAMESPACES:
        return True
    bag.add(filename, root.get("id") or name.localname, root.sourceline or 1,
            f"not a DMN document: the root element is <{name.localname}> in "
            f"{('namespace ' + name.namespace) if name.namespace else 'no namespace'}; a DMN file's root is "
            f"<definitions> in the DMN 1.1, 1.2 or 1.3 namespace ({DMN_NAMESPACES[-1]})")
    return False


def load_catalog(files: dict[str, bytes], lint: Collection[str] | None = None) -> Catalog:
    """:func:`_load_catalog`, with every problem naming an element and a line (:func:`name_everything`)."""
    trees: dict[str, etree._ElementTree] = {}
    try:
        return _load_catalog(files, lint, trees)
    except DefinitionInvalid as exc:
        exc.problems = [name_everything(p, files, trees) for p in exc.problems]
        raise


_ID = re.compile(rb"\sid\s*=\s*[\"']([^\"'<>]+)[\"']")
_TAG = re.compile(rb"<\s*([?!]?[A-Za-z_][\w.:-]*)")


def name_everything(problem: Problem, files: dict[str, bytes], trees: dict[str, etree._ElementTree]) -> Problem:
    """Fill in what a problem leaves out: the line of its element, or the element at its line — the id of the
    nearest element with one, else (a root without an id, a file that does not parse) the id or else the tag
    written on that line."""
    file, element, line = problem.file, problem.element_id, problem.line
    tree = trees.get(file or "")
    if line is None and element:
        line = element_line(tree, element)
    if line is None and file in files and file_kind(file) == "form":  # a form's component, by its id or key
        needle = re.compile(rb'"(?:id|key)"\s*:\s*"' + re.escape((element or "").encode()) + rb'"') if element else None
        lines = files[file].splitlines()
        line = next((n for n, text in enumerate(lines, 1) if needle is not None and needle.search(text)), 1)
        element = element or "form"
    if element is None and line is not None:
        element = _element_at_line(tree, line) if tree is not None else None
        if element is None and file in files and file_kind(file) != "form":
            text = files[file].splitlines()
            at = text[line - 1] if 0 < line <= len(text) else b""
            found = _ID.search(at) or _TAG.search(at)
            if found is not None:
                element = found.group(1).decode("utf-8", "replace")
    if element is None and file_kind(file or "") == "form":
        element = "form"  # the form file as a whole (it is not valid JSON, or not an object)
    return Problem(file, element, line, problem.message) if (file, element, line) != (
        problem.file, problem.element_id, problem.line) else problem


def _load_catalog(files: dict[str, bytes], lint: Collection[str] | None, trees: dict) -> Catalog:
    """Validate all files together and describe them.

    ``lint`` names the files the lint rules run on (None: all). A deploy lints what it uploads; files
    deployed earlier were linted then, so a lint rule added later never makes a deployed version (or the
    whole catalog) unusable — the service enforces the same rules at run time.

    Raises:
        DefinitionInvalid: listing every problem (syntax, schema, structure, lint).
    """
    from .lint import lint_catalog, lint_message_events  # local import: lint needs Catalog

    bag = ErrorBag()
    catalog = Catalog(files=dict(files))
    catalog.trees = trees
    parser = SpiffBpmnParser()  # XSD is checked by _xsd_check, collecting every error
    for filename in sorted(files):
        content = files[filename]
        kind = file_kind(filename)
        if kind is None:
            bag.add(filename, None, None, "unknown file type (expected .bpmn, .dmn or .form)")
            continue
        if kind == "form":
            _load_form(filename, content, catalog, bag)
            continue
        tree = _parse_xml(filename, content, bag)
        if tree is None:
            continue
        catalog.trees[filename] = tree
        if kind == "bpmn" and not _xsd_check(filename, tree, bag):
            continue
        if kind == "dmn" and not _dmn_root_check(filename, tree, bag):
            continue
        if kind == "bpmn":
            flows_ok = _check_flow_refs(filename, tree, bag)
            ids_ok = _check_unique_processes(filename, tree, catalog, bag)
            stores_ok = _check_data_stores(filename, tree, parser, bag)
            if not (flows_ok and ids_ok and stores_ok):
                continue  # SpiffWorkflow's own message for these names neither the flow nor the other file
        try:
            if kind == "bpmn":
                parser.add_bpmn_xml(tree.getroot(), filename)
            else:
                parser.add_dmn_xml(tree.getroot(), filename)
        except (ValidationException, Exception) as exc:  # noqa: BLE001 - every parser failure is a problem
            _spiff_problem(exc, catalog.trees, bag)
            continue
        _index(filename, kind, tree, catalog, bag)
    bag.raise_if_any()
    for filename, tree in catalog.trees.items():  # what the parser would get wrong or fail on unhelpfully
        if not filename.endswith(".dmn"):
            lint_message_events(catalog, filename, tree, bag)
    bag.raise_if_any()
    for process_id in catalog.processes:
        try:
            parser.get_spec(process_id)
        except Exception as exc:  # noqa: BLE001
            _spiff_problem(exc, catalog.trees, bag)
    bag.raise_if_any()
    lint_catalog(catalog, bag, only=None if lint is None else set(lint))
    bag.raise_if_any()
    return catalog


#: the deepest nesting of arrays and objects a form file may have (a real form nests a few groups)
FORM_MAX_DEPTH = 64


def form_too_deep(text: str) -> str | None:
    """Why the JSON ``text`` of a form is refused before it is parsed (nested deeper than any form), or None."""
    return f"form is nested deeper than {FORM_MAX_DEPTH} levels" if _json_depth(text) > FORM_MAX_DEPTH else None


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON ``text``, brackets inside strings not counted (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _load_form(filename: str, content: bytes, catalog: Catalog, bag: ErrorBag) -> None:
    try:
        text = content.decode("utf-8")
        if _json_depth(text) > FORM_MAX_DEPTH:
            bag.add(filename, None, 1, f"form is nested deeper than {FORM_MAX_DEPTH} levels")
            return
        form = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        bag.add(filename, None, getattr(exc, "lineno", None), f"form is not valid JSON: {exc}")
        return
    if not isinstance(form, dict):
        bag.add(filename, None, 1, "form must be a JSON object")
        return
    where = _unstorable_text(form, "")
    if where is not None:
        path, key = where
        line = next((n for n, row in enumerate(text.splitlines(), 1) if "\\u0000" in row.lower()
                     or re.search(r"\\ud[89a-f][0-9a-f]{2}", row, re.I)), None)
        bag.add(filename, key, line, f"form {path or 'value'}: a NUL character or a lone surrogate (\\u0000, "
                                     "\\ud800 … \\udfff) cannot be stored")
        return
    problems = lint_form(form, filename)
    bag.problems.extend(problems)
    catalog.forms[catalog.key_of(filename)[0]] = form


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unstorable_text(value: object, path: str) -> tuple[str, str | None] | None:
    """(the JSON path, the nearest component id) of the first key or string in a form that no database column can
    hold (a NUL, a lone surrogate: JSON's ``\\u0000``, ``\\ud800``), or None. Iterative: a form is at most
    FORM_MAX_DEPTH deep."""
    stack: list[tuple[object, str, str | None]] = [(value, path, None)]
    while stack:
        item, at, owner = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return at, owner
        elif isinstance(item, dict):
            owner = item["id"] if isinstance(item.get("id"), str) and not _bad_text(item["id"]) else owner
            for key, child in item.items():
                if _bad_text(key):
                    return f"{at}.<key>", owner
                stack.append((child, f"{at}.{key}" if at else key, owner))
        elif isinstance(item, list):
            stack.extend((child, f"{at}[{i}]", owner) for i, child in enumerate(item))
    return None


def _index(filename: str, kind: str, tree: etree._ElementTree, catalog: Catalog, bag: ErrorBag) -> None:
    if kind == "bpmn":
        for proc in tree.xpath("//bpmn:process", namespaces=NS):
            pid = proc.get("id")
            if pid in catalog.processes:
                bag.add(filename, pid, proc.sourceline, f"process id '{pid}' is also defined in {catalog.processes[pid]}")
            catalog.processes[pid] = filename
            catalog.process_names[pid] = proc.get("name") or pid
    else:
        for dec in tree.getroot().iter("{*}decision"):
            catalog.decisions[dec.get("id")] = filename
