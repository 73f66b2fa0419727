"""Registry data the server adds to a task's completion, so diagrams read maintained data, never typed text.

A user task asks for it with a property:

* ``powerItem`` = the data key naming a permit item (e.g. ``permit_item``): the item's entry in the list
  of powers (权责清单) — its statutory time limit in days and whether they are working days, whether the
  bureau decides it or forwards a preliminary opinion (RRA 21) — so a process owner changes a limit in the
  list, not in the diagram. The entry is fixed when the application is registered (the case's first
  ``powerItem`` task, :mod:`.permits`); later ``powerItem`` tasks get the recorded values back;
* ``lottery`` = ``plan``: the lottery plan is fixed from the registry and committed (engine/lottery.py);
  ``lottery`` = ``draw``: the committed server random value is revealed for the draw (and committed at once: a
  reveal is final), with the committed plan's lists and the pool the draw uses (``draw_pool``, less the members
  excluded on the draw day, ``pool_exclusions``); the case's draw is then checked against the service's own
  re-draw (:mod:`.guard`). See :mod:`.lottery_plans`.

The values join the submitted data, so they are recorded with the completion in the history and a
replay feeds them back unchanged. A client cannot send these keys: they are not form fields (422).
"""
from __future__ import annotations

from typing import Any

from engine.errors import FormDataInvalid

from . import lottery_plans, permits


def _value(key: str, submitted: dict[str, Any], data: dict[str, Any]) -> Any:
    return submitted[key] if submitted.get(key) not in (None, "") else data.get(key)


def _lottery_plan(submitted: dict[str, Any], data: dict[str, Any], instance_id: int, actor: str,
                  client_addr: str | None) -> dict[str, Any]:
    item = _value("inspection_item", submitted, data)
    if not item:
        raise FormDataInvalid({"inspection_item": ["Missing data for required field."]})
    return lottery_plans.fix_plan(instance_id, item, _value("target_count", submitted, data),
                                  list(_value("inspector_directory", submitted, data) or []), actor, data, client_addr)


def server_values(properties: dict[str, Any], submitted: dict[str, Any], data: dict[str, Any], instance_id: int,
                  actor: str, client_addr: str | None = None) -> dict[str, Any]:
    """The registry values the task's properties ask for (empty when it asks for none); no commit.

    Raises:
        FormDataInvalid: a permit item or a lottery plan's item, directory or inspector pool is not on the lists.
        RuleViolation: the case was registered for another permit item; a second plan in a case; the draw of an
            abandoned plan or of a pool too small on the draw day.
        StateConflict: a draw without a fixed plan; another case holds an open plan for the item.
    """
    values: dict[str, Any] = {}
    step = properties.get("lottery")
    if step == "draw":  # first: the reveal commits on its own (a reveal is final), before anything else is written
        values.update(lottery_plans.reveal(instance_id, data, actor, client_addr))
    elif step == "plan":
        values.update(_lottery_plan(submitted, data, instance_id, actor, client_addr))
    if properties.get("powerItem"):
        field = properties["powerItem"]
        values.update(permits.fixed_values(instance_id, field, _value(field, submitted, data), actor))
    return values
