"""The manifest of a definition folder: its format, the paths of the version files and the reading of
manifest.json into :class:`Entry` rows."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from engine.definitions import file_kind
from engine.errors import Problem

MANIFEST = "manifest.json"
FORMAT = "sanxiang-definitions"
FORMAT_VERSION = 1
#: kind -> folder of its files
DIRS = {"bpmn": "processes", "dmn": "decisions", "form": "forms"}
SUFFIXES = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".form"}
#: manifest fields that tell where and when a server deployed a version: an import records them in its event and
#: the importing server writes its own (every other byte of an export survives a round trip)
VOLATILE_FIELDS = ("deployed_at", "deployed_by")
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_FOLDER_BYTES = 256 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


def version_path(kind: str, key: str, version: int) -> str:
    return f"{DIRS[kind]}/{key}/v{version}{SUFFIXES[kind]}"


def _key_problem(key: object) -> str | None:
    """Why a key cannot name a folder of the export (it would leave the folder or be unreadable), or None."""
    if not isinstance(key, str) or not key or len(key) > 128:
        return "must be a non-empty string of at most 128 characters"
    if key.startswith(".") or any(ch in key for ch in '/\\:*?"<>|') or any(ord(ch) < 32 or ord(ch) == 127
                                                                           for ch in key):
        return "must not start with '.' nor contain a path separator or control character"
    return None


def _is_definition_path(rel: str) -> bool:
    top = rel.split("/", 1)[0]
    return top in DIRS.values() and file_kind(rel) is not None


@dataclass
class Entry:
    """One version listed by a manifest."""

    index: int
    kind: str
    key: str
    version: int
    name: str
    filename: str
    path: str
    sha256: str
    org: str | None
    deployment: int
    deployed_at: str | None
    deployed_by: str | None
    size: int | None = None
    org_id: int | None = None

    @property
    def ident(self) -> tuple[str, str, int]:
        return self.key, self.kind, self.version

    @property
    def where(self) -> str:
        return f"versions[{self.index}]"


def _read_manifest(files: dict[str, bytes]) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []

    def bad(where: str | None, message: str) -> None:
        problems.append(Problem(MANIFEST, where, None, message))

    raw = files.get(MANIFEST)
    if raw is None:
        bad(None, f"the folder has no {MANIFEST} (export one with `flask --app api definitions export`)")
        return [], problems
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(MANIFEST, None, getattr(exc, "lineno", None), f"not valid JSON: {exc}"))
        return [], problems
    except RecursionError:
        bad(None, "not a definition folder manifest (nested too deeply)")
        return [], problems
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        bad(None, f"not a definition folder manifest (\"format\" must be \"{FORMAT}\")")
        return [], problems
    if manifest.get("format_version") != FORMAT_VERSION:
        bad(None, f"format_version {manifest.get('format_version')!r} is not supported (this server reads "
                  f"{FORMAT_VERSION})")
        return [], problems
    raw_versions = manifest.get("versions")
    if not isinstance(raw_versions, list):
        bad(None, "\"versions\" must be a list")
        return [], problems
    entries: list[Entry] = []
    for i, item in enumerate(raw_versions):
        where = f"versions[{i}]"
        if not isinstance(item, dict):
            bad(where, "each version must be an object")
            continue
        kind, key, version = item.get("kind"), item.get("key"), item.get("version")
        errors = []
        if kind not in DIRS:
            errors.append(f"kind {kind!r} is not one of bpmn, dmn, form")
        key_problem = _key_problem(key)
        if key_problem:
            errors.append(f"key {key!r} {key_problem}")
        for name in ("version", "deployment"):
            value = item.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                errors.append(f"{name} must be a whole number from 1")
        if not isinstance(item.get("sha256"), str) or not _SHA.match(item["sha256"]):
            errors.append("sha256 must be 64 lowercase hex digits")
        filename = item.get("filename")
        if not isinstance(filename, str) or "/" in filename or "\\" in filename or file_kind(filename) != kind:
            errors.append(f"filename {filename!r} must be a plain file name ending in {SUFFIXES.get(kind, '')}")
        if not isinstance(item.get("name"), str):
            errors.append("name must be a string")
        if item.get("org") is not None and not isinstance(item.get("org"), str):
            errors.append("org must be an organisation code or null")
        if errors:
            bad(where, "; ".join(errors))
            continue
        expected = version_path(kind, key, version)
        if item.get("path") != expected:
            bad(where, f"path {item.get('path')!r} must be {expected!r}")
            continue
        entries.append(Entry(i, kind, key, version, item["name"], filename, expected, item["sha256"],
                             item.get("org"), item["deployment"], _text(item.get("deployed_at")),
                             _text(item.get("deployed_by")),
                             item["size"] if isinstance(item.get("size"), int) else None))
    return entries, problems


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
