"""Shared helpers for API tests."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from engine import clock

FIXTURES = Path(__file__).parent / "fixtures"


def upload(http, url: str, files: dict[str, bytes], as_user: str = "owner1"):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return http.call("POST", url, as_user, data=data, content_type="multipart/form-data")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def dmn_table(decision_id: str, inputs: list[tuple[str, str]], rows: list[list[str]], policy: str = "UNIQUE") -> str:
    """A DMN file with one table: ``inputs`` are (expression, typeRef); each row is its cells, then is_major."""
    ins = "".join(f'<input id="in{i}" label="c{i}"><inputExpression id="in{i}e" typeRef="{t}"><text>{e}</text>'
                  f"</inputExpression></input>" for i, (e, t) in enumerate(inputs))
    rules = ""
    for r, cells in enumerate(rows):
        *cells_in, out = cells
        rules += (f'\n<rule id="r{r}">' + "".join(f'<inputEntry id="r{r}i{i}"><text>{c}</text></inputEntry>'
                                                 for i, c in enumerate(cells_in))
                  + f'<outputEntry id="r{r}o"><text>{out}</text></outputEntry></rule>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_{decision_id}" name="t" namespace="http://x">
<decision id="{decision_id}" name="t">
<decisionTable id="t_{decision_id}" hitPolicy="{policy}">{ins}<output id="o" name="is_major" typeRef="boolean"/>{rules}
</decisionTable></decision></definitions>"""


def csrf_of(client, path: str = "/login") -> str:
    """The CSRF token of ``client``'s session, as a page at ``path`` carries it in its forms."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def web_login(client, username: str, password: str = "demo"):
    """Log ``client`` in through the login form (with its CSRF token); returns the response."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def beijing(*args: int) -> datetime:
    """A time in Beijing (``datetime(*args)`` at UTC+8), as the engine clock's tests pin it."""
    return datetime(*args, tzinfo=clock.BEIJING)


def one_lane_bpmn(key: str, name: str, nodes: list[str], body: str, *, properties: dict[str, str] | None = None,
                  xsi: bool = False, lane_set_id: str | None = None) -> str:
    """A test diagram with process ``key`` whose flow ``nodes`` all sit in the officer lane.

    ``key`` may be a ``str.format`` placeholder such as ``"{key}"`` for a template. ``body`` is the process's
    elements and sequence flows, inserted verbatim (its lines indented by four spaces, ending in a newline);
    ``properties`` become process-level spiffworkflow properties (e.g. ``startData``, ``dueDate``); ``xsi``
    declares the XMLSchema-instance namespace (for ``xsi:type`` on timer expressions); the lane set's id is
    ``lanes_{key}`` unless ``lane_set_id`` is given."""
    xsi_ns = '\n                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' if xsi else ""
    extension = ""
    if properties:
        extension = ("    <bpmn:extensionElements><spiffworkflow:properties>\n"
                     + "".join(f'      <spiffworkflow:property name="{k}" value="{v}" />\n'
                               for k, v in properties.items())
                     + "    </spiffworkflow:properties></bpmn:extensionElements>\n")
    refs = "".join(f"        <bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>\n" for node in nodes)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"{xsi_ns}
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_{key}" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
{extension}    <bpmn:laneSet id="{lane_set_id or f'lanes_{key}'}">
      <bpmn:lane id="lane_officer" name="执法人员">
{refs}      </bpmn:lane>
    </bpmn:laneSet>
{body}  </bpmn:process>
</bpmn:definitions>
"""
