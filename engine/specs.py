"""Spec bundles: the parsed specs one instance runs on, cached by content hash.

A bundle is the top process, every process it calls (transitively), the DMN
decisions they use and the forms their user tasks reference. Its key is the
sha256 of its manifest (filename -> file sha256), so the same files always
give the same key and a parsed bundle is reused across requests.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import xml
from .definitions import NS, Catalog, file_kind, sha256
from .errors import NotFound


@dataclass(frozen=True)
class UserTaskMeta:
    """What the service needs to know about a user task spec."""

    process_id: str
    element_id: str
    name: str
    lane: str | None
    form_key: str | None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        return self.properties.get("kind")


@dataclass
class SpecBundle:
    key: str
    process_id: str
    manifest: dict[str, str]  # filename -> sha256
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, dict]
    user_tasks: dict[tuple[str, str], UserTaskMeta]
    decisions: dict[str, Any] = field(default_factory=dict)
    #: process id -> its own spiffworkflow:properties (e.g. dueDate for the instance's time limit)
    process_properties: dict[str, dict[str, str]] = field(default_factory=dict)

    def task_meta(self, process_id: str, element_id: str) -> UserTaskMeta:
        try:
            return self.user_tasks[(process_id, element_id)]
        except KeyError:
            raise NotFound(f"user task {process_id}/{element_id} is not in this bundle") from None


def manifest_key(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(manifest.items())).encode()).hexdigest()


def bundle_manifest(catalog: Catalog, process_id: str) -> dict[str, str]:
    """Filenames (with sha256) that running ``process_id`` needs.

    Raises:
        NotFound: if the process, a called process, decision or form is missing.
    """
    if process_id not in catalog.processes:
        raise NotFound(f"process '{process_id}' is not defined")
    needed: dict[str, str] = {}
    todo = [process_id]
    seen: set[str] = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid not in catalog.processes:
            raise NotFound(f"called process '{pid}' is not defined")
        filename = catalog.processes[pid]
        needed[filename] = sha256(catalog.files[filename])
        tree = catalog.trees[filename]
        proc = tree.xpath("//bpmn:process[@id=$pid]", namespaces=NS, pid=pid)[0]
        todo.extend(c.get("calledElement") for c in proc.xpath(".//bpmn:callActivity", namespaces=NS))
        for ref in proc.xpath(".//spiffworkflow:calledDecisionId", namespaces=NS):
            decision = (ref.text or "").strip()
            if decision not in catalog.decisions:
                raise NotFound(f"decision '{decision}' is not defined")
            dfile = catalog.decisions[decision]
            needed[dfile] = sha256(catalog.files[dfile])
        for prop in proc.xpath(".//spiffworkflow:property[@name='formKey']", namespaces=NS):
            form_file = catalog.form_file(prop.get("value"))
            if form_file not in catalog.files:
                raise NotFound(f"form '{prop.get('value')}' is not defined")
            needed[form_file] = sha256(catalog.files[form_file])
    return needed


def build_bundle(process_id: str, files: dict[str, bytes]) -> SpecBundle:
    """Parse ``files`` (already validated at deploy) into a runnable bundle."""
    parser = SpiffBpmnParser()
    forms: dict[str, dict] = {}
    for filename in sorted(files):
        kind = file_kind(filename)
        if kind == "bpmn":  # parsed by the same hardened parser as at deploy (engine/xml.py)
            parser.add_bpmn_xml(xml.parse(files[filename], filename).getroot(), filename)
        elif kind == "dmn":
            parser.add_dmn_xml(xml.parse(files[filename], filename).getroot(), filename)
        elif kind == "form":
            forms[filename.rsplit("/", 1)[-1][: -len(".form")]] = json.loads(files[filename])
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    user_tasks: dict[tuple[str, str], UserTaskMeta] = {}
    for wf_spec in [spec, *subprocess_specs.values()]:
        for ts in wf_spec.task_specs.values():
            if not getattr(ts, "manual", False):
                continue
            props = dict((getattr(ts, "extensions", None) or {}).get("properties", {}))
            user_tasks[(wf_spec.name, ts.name)] = UserTaskMeta(
                process_id=wf_spec.name,
                element_id=ts.name,
                name=ts.bpmn_name or ts.name,
                lane=ts.lane,
                form_key=props.get("formKey"),
                properties=props,
            )
    manifest = {name: sha256(content) for name, content in files.items()}
    process_properties: dict[str, dict[str, str]] = {}
    for filename, content in files.items():
        if file_kind(filename) == "bpmn":
            root = xml.parse(content, filename).getroot()
            for proc in root.xpath("//bpmn:process", namespaces=NS):
                process_properties[proc.get("id")] = {
                    p.get("name"): p.get("value") for p in proc.xpath(
                        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)}
    return SpecBundle(
        key=manifest_key(manifest),
        process_id=process_id,
        manifest=manifest,
        spec=spec,
        subprocess_specs=subprocess_specs,
        forms=forms,
        user_tasks=user_tasks,
        decisions=dict(parser.dmn_parsers),
        process_properties=process_properties,
    )


class SpecCache:
    """A small thread-safe LRU of parsed bundles, keyed by manifest hash."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, SpecBundle] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, process_id: str, manifest: dict[str, str], load: Callable[[str], bytes]) -> SpecBundle:
        """The bundle for ``manifest``, parsing it (``load(sha256) -> bytes``) on a miss."""
        key = f"{process_id}:{manifest_key(manifest)}"
        with self._lock:
            bundle = self._items.get(key)
            if bundle is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return bundle
        self.misses += 1
        bundle = build_bundle(process_id, {name: load(digest) for name, digest in manifest.items()})
        with self._lock:
            self._items[key] = bundle
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return bundle

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
