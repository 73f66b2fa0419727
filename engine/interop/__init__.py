"""Diagrams from other modelers: map Camunda 7, Camunda 8 (Zeebe) and plain bpmn.io diagrams onto Sanxiang.

Input is what the process owner uploads (``filename -> bytes``: ``.bpmn`` diagrams and the Camunda Forms
``.form`` files they link) plus the owner's choices of a role per lane or candidate group. Output is a
:class:`Proposal`: the files a deploy would store (each diagram rewritten to the engine's own extensions, one
form per user task), what was mapped to what, and a :class:`~engine.errors.Problem` with element and line for
everything that cannot be mapped — nothing is dropped without being named.

Mapping (docs/DOMAIN.md "Diagrams from other modelers"):

* roles: a user task's ``camunda:candidateGroups`` (Zeebe: ``zeebe:assignmentDefinition candidateGroups``), else
  its lane's name, else nothing, becomes a role — by the owner's choice, else by name (role key, Chinese or English
  label, a few common group names), else ``officer``. The task then sits in a lane named after that role
  (lanes are renamed, created or the task moved);
* forms: ``camunda:formRef`` / ``zeebe:formDefinition formId`` link an uploaded Camunda form by its ``id``;
  ``camunda:formKey`` names a form of the catalog or an uploaded ``.form`` (``camunda-forms:…:name.form``);
  a Zeebe ``zeebe:userTaskForm`` embeds its form; otherwise a form-js form is generated from
  ``camunda:formData``/``camunda:formField`` (types string, long, boolean, date, enum and their constraints), or a
  one-field note form when the task names no fields;
* due dates: ``camunda:dueDate`` / ``zeebe:taskSchedule dueDate`` as ``${var}`` / ``=var`` name the data key of
  the deadline; an ISO date, an ISO period ``PnD`` or ``${dateTime().plusDays(n)…}`` becomes a pre-script setting
  a deadline key; anything else is a problem;
* expressions: a ``${…}`` (JUEL) or ``=…`` (FEEL) condition made only of names, literals, comparisons, arithmetic
  and ``and``/``or``/``not`` is rewritten as Python; a bare ISO timer literal is quoted;
* Camunda properties become the engine's properties; execution hints (async, job priority, history time to
  live, version tag, …) have no effect here and are listed as ``ignored``;
* everything else in the Camunda or Zeebe namespaces (Java classes, listeners, input/output mappings, connectors,
  scripts in another language, assignees, job workers) is a problem.

Pure: no IO, no flask, no database.

The package: :mod:`.importer` (``propose``, each diagram and process), :mod:`.role_mapping`, :mod:`.form_mapping`,
:mod:`.form_generation`, :mod:`.deadlines`, :mod:`.expressions`, :mod:`.extensions` (Camunda/Zeebe extensions and
``foreign_problems``), :mod:`.proposal` (the result) and :mod:`.common` (namespaces, XML helpers).
"""
from __future__ import annotations

from .common import ACTIVITI, BPMN, CAMUNDA, FOREIGN, IGNORED, MAPPED_ELEMENTS, SPIFF, ZEEBE, attribute_line
from .extensions import foreign_problems
from .importer import propose
from .proposal import DeadlineChoice, FormChoice, Proposal, RoleChoice
from .role_mapping import DEFAULT_ROLE, GROUP_SYNONYMS, proposed_role

__all__ = [
    "ACTIVITI", "BPMN", "CAMUNDA", "DEFAULT_ROLE", "FOREIGN", "GROUP_SYNONYMS", "IGNORED", "MAPPED_ELEMENTS",
    "SPIFF", "ZEEBE", "DeadlineChoice", "FormChoice", "Proposal", "RoleChoice", "attribute_line",
    "foreign_problems", "propose", "proposed_role",
]
