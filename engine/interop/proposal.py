"""The result of an import: the files a deploy would store and what was mapped to what."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..definitions import file_kind
from ..errors import Problem


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
