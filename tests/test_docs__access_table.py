"""docs/ACCESS.md lists every action of api/permissions.py with the roles the code gives it."""
from __future__ import annotations

import re
from pathlib import Path

from api.permissions import ACTIONS, READ_ONLY_ACTIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "ACCESS.md"


def test_every_action_is_documented_with_its_roles():
    rows = {m[1]: (set(re.findall(r"`([a-z_]+)`", m[2])), m[3].strip() == "yes")
            for m in re.finditer(r"^\| `([a-z_.]+)` \| (.*?) \| (.*?) \|$", DOC.read_text(encoding="utf-8").split("## Actions", 1)[1], re.M)
            for m in [m] if m}
    assert set(rows) == set(ACTIONS)
    for action, roles in ACTIONS.items():
        assert rows[action] == (set(roles), action in READ_ONLY_ACTIONS), action
