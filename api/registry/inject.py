"""Registry data the server adds to a task's completion, so diagrams read maintained data, never typed text.

A user task asks for it with a property:

* ``powerItem`` = the data key naming a permit item (e.g. ``permit_item``): the item's entry in the list
  of powers (权责清单) as it stands now — its statutory time limit in days and whether they are working
  days, whether the bureau decides it or forwards a preliminary opinion (RRA 21) — so a process owner
  changes a limit in the list, not in the diagram;
* ``lottery`` = ``plan``: the lottery plan is fixed from the registry and committed (engine/lottery.py);
  ``lottery`` = ``draw``: the committed server random value is revealed for the draw.

The values join the submitted data, so they are recorded with the completion in the history and a
replay feeds them back unchanged. A client cannot send these keys: they are not form fields (422).
"""
from __future__ import annotations

from typing import Any

from engine.errors import FormDataInvalid

from . import inspection
from .service import current_powers

#: ALL 42: when the list gives no limit for an item, 20 working days from acceptance
DEFAULT_LIMIT = {"time_limit_days": 20, "time_limit_working_days": True,
                 "time_limit_source": "《行政许可法》第四十二条（权责清单未规定期限）"}


def _value(key: str, submitted: dict[str, Any], data: dict[str, Any]) -> Any:
    return submitted[key] if submitted.get(key) not in (None, "") else data.get(key)


def power_values(item_key: Any) -> dict[str, Any]:
    """The list-of-powers entry of a permit item as data for the diagram; defaults when it is not listed."""
    power = next((p for p in current_powers() if p.item_key and p.item_key == item_key), None)
    if power is None:
        return {"power_code": None, "power_version": None, "permit_outcome": "decision", "forward_to": None,
                **DEFAULT_LIMIT}
    limit = ({"time_limit_days": power.time_limit_days, "time_limit_working_days": bool(power.working_days),
              "time_limit_source": f"权责清单 {power.code} 第{power.version}版：{power.time_limit or ''}"}
             if power.time_limit_days else DEFAULT_LIMIT)
    return {"power_code": power.code, "power_version": power.version, "power_name": power.name,
            "power_legal_basis": power.legal_basis, "permit_outcome": power.outcome or "decision",
            "forward_to": power.forward_to, **limit}


def _lottery_plan(submitted: dict[str, Any], data: dict[str, Any], instance_id: int, actor: str,
                  client_addr: str | None) -> dict[str, Any]:
    item = _value("inspection_item", submitted, data)
    if not item:
        raise FormDataInvalid({"inspection_item": ["Missing data for required field."]})
    return inspection.fix_plan(instance_id, item, _value("target_count", submitted, data),
                               list(_value("inspector_directory", submitted, data) or []), actor, client_addr)


def server_values(properties: dict[str, Any], submitted: dict[str, Any], data: dict[str, Any], instance_id: int,
                  actor: str, client_addr: str | None = None) -> dict[str, Any]:
    """The registry values the task's properties ask for (empty when it asks for none); no commit.

    Raises:
        FormDataInvalid: a lottery plan names an item that is not on the random-inspection list.
        StateConflict: a draw without a fixed plan, or a second draw of one plan.
    """
    values: dict[str, Any] = {}
    if properties.get("powerItem"):
        values.update(power_values(_value(properties["powerItem"], submitted, data)))
    step = properties.get("lottery")
    if step == "plan":
        values.update(_lottery_plan(submitted, data, instance_id, actor, client_addr))
    elif step == "draw":
        values.update(inspection.reveal(instance_id, actor, client_addr))
    return values
