"""The one exception hierarchy of Sanxiang.

Every error the engine raises derives from :class:`SanxiangError`. The API maps
each class to an HTTP status in one place (``api/errors.py``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem found in a BPMN, DMN or form file."""

    file: str | None
    element_id: str | None
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SanxiangError(Exception):
    """Base of every error Sanxiang raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DefinitionInvalid(SanxiangError):
    """A BPMN/DMN/form file failed validation; ``problems`` lists each finding."""

    def __init__(self, problems: list[Problem], message: str = "definition files are invalid") -> None:
        super().__init__(message)
        self.problems = problems


class FormDataInvalid(SanxiangError):
    """Submitted task data does not match the task's form; ``errors`` maps field key to messages."""

    def __init__(self, errors: dict[str, Any], message: str = "form data is invalid") -> None:
        super().__init__(message)
        self.errors = errors


class RuleViolation(SanxiangError):
    """A legal or organisational rule refuses the action (maps to 403).

    ``rule`` is a short stable code, e.g. ``legal_review_gate`` or ``separation_of_duties``.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class NotFound(SanxiangError):
    """The thing asked for does not exist."""


class StateConflict(SanxiangError):
    """The action does not fit the current state (task not ready, stale version)."""


class ScriptError(SanxiangError):
    """A script or expression in a diagram was refused or failed."""

    def __init__(self, message: str, element_id: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.line = line


class Unavailable(SanxiangError):
    """A store or service the request needs cannot be reached, or refuses its credentials (503): nothing is known
    of what it holds (an object is not "missing" because its bucket could not be read)."""


class CalendarError(SanxiangError):
    """A working-day computation cannot be answered (e.g. unknown year with strict policy)."""


@dataclass
class ErrorBag:
    """Collects problems while linting; raise once at the end."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str | None, element_id: str | None, line: int | None, message: str) -> None:
        self.problems.append(Problem(file, element_id, line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DefinitionInvalid(self.problems)
