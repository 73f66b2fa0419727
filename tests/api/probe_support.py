"""A copy of the shipped enforcement_case under a key of the test's own (its recusal form and major-decision table
copied under keys of their own too), so a test counts and compares only what it deployed and walked."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def probe_files(key: str, *, bpmn_edits: tuple[tuple[str, str], ...] = (), form_extra: list[dict] | None = None,
                dmn_edits: tuple[tuple[str, str], ...] = ()) -> dict[str, bytes]:
    """``{key}.bpmn`` (enforcement_case with process id ``key``, task_recusal's form ``{key}_recusal`` and
    task_major_check's decision ``{key}_major``), the form and the DMN file; the edits are (old, new) text
    replacements, each of which must match once; ``form_extra`` components are appended to the form."""
    bpmn = (ROOT / "processes/enforcement_case.bpmn").read_text(encoding="utf-8").replace("enforcement_case", key)
    bpmn = bpmn.replace('value="case_recusal"', f'value="{key}_recusal"')
    bpmn = bpmn.replace(">major_decision<", f">{key}_major<")
    for old, new in bpmn_edits:
        assert bpmn.count(old) == 1, old
        bpmn = bpmn.replace(old, new)
    form = json.loads((ROOT / "forms/case_recusal.form").read_text(encoding="utf-8"))
    form["id"] = f"{key}_recusal"
    form["components"].extend(form_extra or [])
    dmn = (ROOT / "processes/major_decision.dmn").read_text(encoding="utf-8").replace("major_decision", f"{key}_major")
    for old, new in dmn_edits:
        assert dmn.count(old) == 1, old
        dmn = dmn.replace(old, new)
    return {f"{key}.bpmn": bpmn.encode(), f"{key}_recusal.form": json.dumps(form, ensure_ascii=False).encode(),
            f"{key}_major.dmn": dmn.encode()}
