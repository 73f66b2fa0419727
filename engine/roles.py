"""The roles of the bureau. Lanes in diagrams are named after them (key or zh label)."""
from __future__ import annotations

ROLES: dict[str, dict[str, str]] = {
    "officer": {"zh": "执法人员", "en": "Enforcement officer"},
    "legal_reviewer": {"zh": "法制审核人员", "en": "Legal reviewer"},
    "head": {"zh": "负责人", "en": "Head of bureau"},
    "chief": {"zh": "主要负责人", "en": "Principal head of bureau"},
    "legal_counsel": {"zh": "法律顾问", "en": "Legal counsel"},
    "publicity_officer": {"zh": "公示管理员", "en": "Publicity officer"},
    "process_owner": {"zh": "流程管理员", "en": "Process owner"},
    "auditor": {"zh": "监督/审计", "en": "Auditor"},
    "admin": {"zh": "系统管理员", "en": "Administrator"},
}

_BY_LABEL: dict[str, str] = {}
for _key, _labels in ROLES.items():
    _BY_LABEL[_key] = _key
    _BY_LABEL[_labels["zh"]] = _key


def role_for_lane(lane: str | None) -> str | None:
    """Map a lane name (role key or its Chinese label) to a role key; None if unknown."""
    if lane is None:
        return None
    return _BY_LABEL.get(lane.strip())
