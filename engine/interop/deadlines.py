"""Due dates: ``camunda:dueDate`` / ``zeebe:taskSchedule dueDate`` mapped to a deadline data key."""
from __future__ import annotations

import json
import re

from lxml import etree

from .common import ACTIVITI, CAMUNDA, ZEEBE, ImporterBase, _add_pre_script, _key, _set_property
from .proposal import DeadlineChoice

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_PLUS_DAYS = re.compile(r"^\$\{\s*dateTime\(\)\s*\.plusDays\(\s*(\d{1,4})\s*\)(\s*\.toDate\(\))?\s*\}$")
_PERIOD_DAYS = re.compile(r"^=?\s*P(\d{1,4})D$")


class DeadlineMapping(ImporterBase):
    """A user task's due date as its deadline's data key (a pre-script sets it for a date or period)."""

    def task_due(self, task: etree._Element) -> None:
        expr = task.attrib.pop(f"{{{CAMUNDA}}}dueDate", None) or task.attrib.pop(f"{{{ACTIVITI}}}dueDate", None)
        for sched in task.iter(f"{{{ZEEBE}}}taskSchedule"):
            expr = sched.attrib.pop("dueDate", None) or expr
        if not expr:
            return
        tid = task.get("id")
        text = expr.strip()
        inner = re.fullmatch(r"[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}", text) or re.fullmatch(
            r"=\s*([A-Za-z_][A-Za-z0-9_]*)", text)
        script = None
        if inner:
            key = inner.group(1)
        else:
            key = _key(f"due_{tid}")
            days = _PLUS_DAYS.match(text) or _PERIOD_DAYS.match(text)
            if days:
                script = f"{key} = add_days(today(), {int(days.group(1))})"
            elif _ISO_DATE.match(text.lstrip("=").strip("\"")):
                script = f"{key} = {json.dumps(text.lstrip('=').strip(chr(34))[:10])}"
            else:
                self.problem(task, f"due date '{expr}' is an expression the engine cannot run: give a variable "
                                   "(${var}), an ISO date, a period PnD or ${dateTime().plusDays(n)}")
                return
            _add_pre_script(task, script)
        _set_property(task, "dueDate", key)
        self.out.deadlines.append(DeadlineChoice(tid, task.sourceline, expr, key, script))
